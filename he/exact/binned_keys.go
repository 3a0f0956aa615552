package exact

import (
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
)

// The binned circuit's one-time keys: a relinearisation key at level 2
// (the squaring and the keyed product), the column rotations 1 and 2 at
// level 1 (the fold and the packing of the check copies) and the l
// expansion automorphisms at the top level. Every Galois element is fixed
// by the parameters and l, so the wire carries only l and the seeded
// gadget ciphertexts (he/internal/core's codec), in that order.

// binnedRotations are the column rotations of the fold.
var binnedRotations = []int{1, 2}

const (
	binnedRelinLevel = binnedDepth - 1 // squaring at 2, keyed product at 1
	binnedRotLevel   = binnedDepth - 2
)

// binnedKeys is the decoded key set of a binned client.
type binnedKeys struct {
	params Parameters
	l      int
	rlk    *rlwe.RelinearizationKey
	gks    []*rlwe.GaloisKey // rotations, then expansion automorphisms
	seeds  [][core.SeedLen]byte
}

// binnedGalois returns the Galois elements and levels of the key set.
func binnedGalois(p Parameters, l int) (els []uint64, levels []int) {
	for _, k := range binnedRotations {
		els = append(els, p.bgv.GaloisElementForColRotation(k))
		levels = append(levels, binnedRotLevel)
	}
	for _, g := range core.ExpandGaloisElements(p.N(), l) {
		els = append(els, g)
		levels = append(levels, p.MaxLevel())
	}
	return els, levels
}

// genBinnedKeys makes the key set for l expansion levels; the seeds of the
// uniform halves are read from rng.
func genBinnedKeys(sk *secretKey, l int, rng io.Reader) (*binnedKeys, error) {
	p := sk.params
	kg, seed, err := core.SeededKeyGenerator(p.Parameters, rng)
	if err != nil {
		return nil, fmt.Errorf("he: binned keys: %w", err)
	}
	k := &binnedKeys{params: p, l: l, rlk: kg.GenRelinearizationKeyNew(sk.sk, galoisParams(p, binnedRelinLevel)), seeds: [][core.SeedLen]byte{seed}}
	els, levels := binnedGalois(p, l)
	for i, el := range els {
		kg, seed, err := core.SeededKeyGenerator(p.Parameters, rng)
		if err != nil {
			return nil, fmt.Errorf("he: binned keys: %w", err)
		}
		k.gks = append(k.gks, kg.GenGaloisKeyNew(el, sk.sk, galoisParams(p, levels[i])))
		k.seeds = append(k.seeds, seed)
	}
	return k, nil
}

// binnedKeysSize is the encoded size of a key set with l expansion levels.
func binnedKeysSize(p Parameters, l int) int {
	rlk := rlwe.NewRelinearizationKey(p.bgv, galoisParams(p, binnedRelinLevel))
	n := core.HeaderLen + 1 + core.GadgetSize(p.Parameters, &rlk.GadgetCiphertext)
	_, levels := binnedGalois(p, l)
	for _, lv := range levels {
		gk := rlwe.NewGaloisKey(p.bgv, galoisParams(p, lv))
		n += core.GadgetSize(p.Parameters, &gk.GadgetCiphertext)
	}
	return n
}

// marshal encodes the key set.
func (k *binnedKeys) marshal() []byte {
	p := k.params
	out := make([]byte, 0, binnedKeysSize(p, k.l))
	out = putHeader(out, core.KindExactBinKeys, p)
	out = append(out, byte(k.l))
	out = core.AppendGadget(out, p.Parameters, k.seeds[0], &k.rlk.GadgetCiphertext)
	for i, gk := range k.gks {
		out = core.AppendGadget(out, p.Parameters, k.seeds[1+i], &gk.GadgetCiphertext)
	}
	return out
}

// unmarshalBinnedKeys decodes a key set for l expansion levels, checking
// length, levels and every residue before the uniform halves are redrawn.
func unmarshalBinnedKeys(p Parameters, data []byte, l int) (k *binnedKeys, err error) {
	defer core.Recover(&err, "he: decode binned keys")
	if err := checkHeader(data, core.KindExactBinKeys, p); err != nil {
		return nil, fmt.Errorf("he: decode binned keys: %w", err)
	}
	if len(data) < core.HeaderLen+1 || int(data[core.HeaderLen]) != l {
		return nil, fmt.Errorf("he: decode binned keys: truncated, or not for %d expansion levels", l)
	}
	if want := binnedKeysSize(p, l); len(data) != want {
		return nil, fmt.Errorf("he: decode binned keys: %d bytes, want %d", len(data), want)
	}
	data = data[core.HeaderLen+1:]
	k = &binnedKeys{params: p, l: l, rlk: rlwe.NewRelinearizationKey(p.bgv, galoisParams(p, binnedRelinLevel))}
	read := func(g *rlwe.GadgetCiphertext, level int) error {
		seed, err := core.ReadGadget(data, p.Parameters, g)
		if err != nil {
			return err
		}
		data = data[core.GadgetSize(p.Parameters, g):]
		k.seeds = append(k.seeds, seed)
		return core.CheckGadget(p.Parameters, g, level)
	}
	if err := read(&k.rlk.GadgetCiphertext, binnedRelinLevel); err != nil {
		return nil, fmt.Errorf("he: decode relinearization key: %w", err)
	}
	els, levels := binnedGalois(p, l)
	for i, el := range els {
		gk := rlwe.NewGaloisKey(p.bgv, galoisParams(p, levels[i]))
		gk.GaloisElement = el
		gk.NthRoot = p.bgv.RingQ().NthRoot()
		if err := read(&gk.GadgetCiphertext, levels[i]); err != nil {
			return nil, fmt.Errorf("he: decode galois key %d: %w", i, err)
		}
		k.gks = append(k.gks, gk)
	}
	return k, nil
}

func (k *binnedKeys) keySet() *rlwe.MemEvaluationKeySet {
	return rlwe.NewMemEvaluationKeySet(k.rlk, k.gks...)
}
