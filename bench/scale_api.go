package bench

import (
	"fmt"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

// This file exposes the per-image and per-part steps of the single-machine
// measurements, so that a distributed runner (the scale module's Beam
// pipelines) computes the same numbers piece by piece: hash one item, edit
// one image, and assemble results from summed parts.

// HashItem reads, digests, decodes and hashes one item with every hasher,
// as HashCorpus does for each of its items. quality[k] is -1 for a hasher
// that does not score quality.
func HashItem(it Item, hashers []phash.Hasher) (d Digest, hashes []phash.Hash, quality []int, err error) {
	hs := &HashSet{Digests: make([]Digest, 1), Hashes: map[string][]phash.Hash{}, Quality: map[string][]int{}}
	for _, h := range hashers {
		hs.Hashes[h.Name()] = make([]phash.Hash, 1)
		if _, ok := h.(phash.QualityHasher); ok {
			hs.Quality[h.Name()] = make([]int, 1)
		}
	}
	if _, _, err := hashItem(it, hashers, hs, 0, nil); err != nil {
		return hs.Digests[0], nil, nil, err
	}
	for _, h := range hashers {
		hashes = append(hashes, hs.Hashes[h.Name()][0])
		q := -1
		if qs := hs.Quality[h.Name()]; qs != nil {
			q = qs[0]
		}
		quality = append(quality, q)
	}
	return hs.Digests[0], hashes, quality, nil
}

// RobustImage edits one image (item it, whose original hashes under
// hashers are orig) with every step, seeded as Robustness seeds the image
// with ID id under run seed seed, and returns the distance of each edited
// copy [hasher][step] and which steps succeeded.
func RobustImage(it Item, id string, orig []phash.Hash, hashers []phash.Hasher, steps []transform.Step, seed uint64) ([][]int, []bool, error) {
	if len(orig) != len(hashers) {
		return nil, nil, fmt.Errorf("bench: robust image: %d hashes for %d hashers", len(orig), len(hashers))
	}
	hs := &HashSet{Hashes: map[string][]phash.Hash{}}
	for k, h := range hashers {
		hs.Hashes[h.Name()] = []phash.Hash{orig[k]}
	}
	d, ok := robustOne(it, hs, 0, hashers, steps, imageSeed(seed, id))
	return d, ok, nil
}

// RobustTally holds the sums Robustness accumulates for one algorithm and
// one step; tallies of disjoint image sets add up field by field.
type RobustTally struct {
	Images, Failed, Matches int
	// Counts[d] is the number of images whose edited copy is at distance d.
	Counts []int64
}

// NewRobustnessResults builds Robustness's result for hashers and steps
// from per-algorithm, per-step tallies (tally[k][s] for hashers[k] and
// steps[s]), with the recall, interval and mean distance Robustness gives.
func NewRobustnessResults(hashers []phash.Hasher, steps []transform.Step, corpus string, seed uint64, tally [][]RobustTally) (map[string]*RobustnessResult, error) {
	if len(tally) != len(hashers) {
		return nil, fmt.Errorf("bench: robustness results: %d tallies for %d hashers", len(tally), len(hashers))
	}
	out := map[string]*RobustnessResult{}
	for k, h := range hashers {
		if len(tally[k]) != len(steps) {
			return nil, fmt.Errorf("bench: robustness results: %s: %d tallies for %d steps", h.Name(), len(tally[k]), len(steps))
		}
		r := &RobustnessResult{Algorithm: h.Name(), Bits: h.Bits(), Threshold: h.Threshold().Distance, Corpus: corpus, Seed: seed}
		for s, st := range steps {
			t := tally[k][s]
			if len(t.Counts) != h.Bits()+1 {
				return nil, fmt.Errorf("bench: robustness results: %s: %d bins for %d bits", h.Name(), len(t.Counts), h.Bits())
			}
			sr := StepResult{Step: st, Images: t.Images, Failed: t.Failed, Matches: t.Matches, Counts: append([]int64(nil), t.Counts...)}
			sr.summarise()
			r.Steps = append(r.Steps, sr)
		}
		out[h.Name()] = r
	}
	return out, nil
}

// NewCollisionResult builds Collisions's result for algorithm alg from the
// distance histogram pc of the images kept by dd, and for a
// quality-scoring algorithm the histogram gate of the kept images above its
// quality floor (nil when fewer than two remain) with the number dropped.
func NewCollisionResult(alg, corpus string, dd *DedupResult, opt PairOptions, pc PairCounts, gate *PairCounts, gateImages, gateDropped int) (*CollisionResult, error) {
	h, err := phash.ByName(alg)
	if err != nil {
		return nil, fmt.Errorf("bench: collision result: %w", err)
	}
	th := h.Threshold()
	r := &CollisionResult{
		Algorithm: alg, Kind: h.Kind(), Bits: h.Bits(),
		Threshold: th.Distance, ThresholdSource: th.Source,
		Corpus: corpus, Images: pc.Images, Dedup: dd.Rule, Options: opt, Pairs: pc,
	}
	if r.Rates, err = RatesFromCounts(pc); err != nil {
		return nil, err
	}
	if th.Distance >= 0 && th.Distance < len(r.Rates) {
		r.AtThreshold = r.Rates[th.Distance]
	}
	qh, ok := h.(phash.QualityHasher)
	if !ok {
		return r, nil
	}
	g := &QualityGate{MinQuality: qh.MinQuality(), Images: gateImages, Dropped: gateDropped}
	if gate != nil {
		g.Pairs = *gate
		rates, err := RatesFromCounts(*gate)
		if err != nil {
			return nil, fmt.Errorf("bench: collision result: quality gate: %w", err)
		}
		if d := th.Distance; d >= 0 && d < len(rates) {
			g.AtThreshold = rates[d]
		}
	}
	r.QualityGate = g
	return r, nil
}
