package bench

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

// TestQualityGateMatchesNaive: the gated rate counts exactly the pairs of
// images whose quality is above the floor, by brute force, and the
// dropped count is exact.
func TestQualityGateMatchesNaive(t *testing.T) {
	h := phashtest.Hashers(t, "pdq")[0]
	floor := h.(phash.QualityHasher).MinQuality()
	n := 300
	raw := randomHashes(t, n, 256, 5)
	rng := rand.New(rand.NewPCG(5, 6))
	hs := &HashSet{Corpus: "synthetic", Algorithms: []string{h.Name()}, Hashes: map[string][]phash.Hash{}, Quality: map[string][]int{h.Name(): nil}}
	for i, r := range raw {
		b := r.Bytes()
		if i%4 == 1 { // a near copy of an earlier hash: <= 16 bits differ
			b = raw[i/4].Bytes()
			b[0] ^= byte(rng.Uint32())
			b[5] ^= byte(rng.Uint32())
		}
		v, _ := phash.NewHash(h.Kind(), 256, b)
		addSynthetic(hs, h.Name(), i, v)
		hs.Quality[h.Name()] = append(hs.Quality[h.Name()], rng.IntN(101))
	}
	dd, col := collideAll(t, hs, h.Name())
	g := col.QualityGate
	if g == nil || g.MinQuality != floor {
		t.Fatalf("gate %+v, want floor %d", g, floor)
	}
	var kept []phash.Hash
	dropped := 0
	for _, i := range dd.Keep {
		if hs.Quality[h.Name()][i] > floor {
			kept = append(kept, hs.Hashes[h.Name()][i])
		} else {
			dropped++
		}
	}
	var k int64
	for i := range kept {
		for j := i + 1; j < len(kept); j++ {
			if d, _ := phash.Distance(kept[i], kept[j]); d <= h.Threshold().Distance {
				k++
			}
		}
	}
	at := g.AtThreshold
	if g.Dropped != dropped || g.Images != len(kept) || g.Images+g.Dropped != col.Images {
		t.Fatalf("gate kept %d dropped %d; naive %d and %d of %d", g.Images, g.Dropped, len(kept), dropped, col.Images)
	}
	if at.Matches != k || at.Pairs != int64(len(kept)*(len(kept)-1)/2) || k == 0 {
		t.Fatalf("gated %d of %d pairs match, naive %d (want some)", at.Matches, at.Pairs, k)
	}
	// An algorithm without quality scores has no gate.
	dh := phashtest.Hashers(t, "dhash8")[0]
	hs.Algorithms = append(hs.Algorithms, dh.Name())
	for _, v := range raw {
		w, _ := phash.NewHash(dh.Kind(), 64, v.Bytes()[:8])
		hs.Hashes[dh.Name()] = append(hs.Hashes[dh.Name()], w)
	}
	if c2, err := Collisions(context.Background(), hs, dh.Name(), dd, PairOptions{}); err != nil || c2.QualityGate != nil {
		t.Fatalf("dhash8: err %v, gate %+v", err, c2.QualityGate)
	}
}
