package imagehash

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// This file holds the evaluation keys: the Galois (rotation) keys the
// server's baby-step giant-step matrix product and final fold need, and
// their wire format (galois element, then every polynomial of the key
// bit-packed in a fixed order fixed by the parameters).

// ltParams describes the server's linear transformation: diagonals 0..m-1
// of the slots x slots matrix (see Server), at level 1, encoded at scale
// Q[1] so that one rescale brings the result back to the input scale.
func (p Parameters) ltParams() hefloat.LinearTransformationParameters {
	diags := make([]int, p.shape.outputs)
	for k := range diags {
		diags[k] = k
	}
	return hefloat.LinearTransformationParameters{
		DiagonalsIndexList:       diags,
		Level:                    1,
		Scale:                    rlwe.NewScale(p.ckks.Q()[1]),
		LogDimensions:            p.ckks.LogMaxDimensions(),
		LogBabyStepGianStepRatio: 1,
	}
}

// foldN is how many blocks of Outputs slots the final inner sum adds.
func (p Parameters) foldN() int { return p.shape.inputs / p.shape.outputs }

// galoisElements lists, sorted, the Galois elements the server uses.
func (p Parameters) galoisElements() []uint64 {
	hp := hefloat.Parameters{Parameters: p.ckks}
	g := hefloat.GaloisElementsForLinearTransformation(hp, p.ltParams())
	g = append(g, rlwe.GaloisElementsForInnerSum(hp, p.shape.outputs, p.foldN())...)
	slices.Sort(g)
	return slices.Compact(g)
}

// keySize is the wire size of one seeded Galois key: galois element,
// then the toolkit's seeded gadget encoding (seed and masked component).
func (p Parameters) keySize() int {
	return 8 + core.GadgetSize(p.Parameters, &rlwe.NewGaloisKey(p.ckks).GadgetCiphertext)
}

// KeysSize returns the byte size of the evaluation keys the client sends
// once. Each key's uniform component travels as a 32-byte seed.
func KeysSize(p Parameters) int {
	return core.HeaderLen + 2 + len(p.galoisElements())*p.keySize()
}

// genKeys generates the Galois keys, the uniform component of key i drawn
// from a SeedPRG under a fresh seed read from rng, and encodes them.
func (p Parameters) genKeys(sk *rlwe.SecretKey, rng io.Reader) ([]*rlwe.GaloisKey, []byte, error) {
	galEls := p.galoisElements()
	out := p.putHeader(make([]byte, 0, KeysSize(p)), core.KindImageKeys)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(galEls)))
	gks := make([]*rlwe.GaloisKey, len(galEls))
	for i, g := range galEls {
		kg, seed, err := core.SeededKeyGenerator(p.Parameters, rng)
		if err != nil {
			return nil, nil, err
		}
		gks[i] = kg.GenGaloisKeyNew(g, sk)
		out = binary.LittleEndian.AppendUint64(out, g)
		out = core.AppendGadget(out, p.Parameters, seed, &gks[i].GadgetCiphertext)
	}
	return gks, out, nil
}

// unmarshalKeys decodes and validates keys made for p and regenerates
// their uniform components.
func (p Parameters) unmarshalKeys(data []byte) (*rlwe.MemEvaluationKeySet, error) {
	gks, err := p.decodeKeys(data)
	if err != nil {
		return nil, err
	}
	return rlwe.NewMemEvaluationKeySet(nil, gks...), nil
}

func (p Parameters) decodeKeys(data []byte) ([]*rlwe.GaloisKey, error) {
	if err := p.checkHeader(data, core.KindImageKeys); err != nil {
		return nil, err
	}
	want := p.galoisElements()
	if len(data) != KeysSize(p) {
		return nil, fmt.Errorf("keys of %d bytes, want %d", len(data), KeysSize(p))
	}
	if n := int(binary.LittleEndian.Uint16(data[core.HeaderLen:])); n != len(want) {
		return nil, fmt.Errorf("%d keys, want %d", n, len(want))
	}
	off := core.HeaderLen + 2
	gks := make([]*rlwe.GaloisKey, len(want))
	for i, g := range want {
		if got := binary.LittleEndian.Uint64(data[off:]); got != g {
			return nil, fmt.Errorf("key %d for galois element %d, want %d", i, got, g)
		}
		off += 8
		gk := rlwe.NewGaloisKey(p.ckks)
		gk.GaloisElement = g
		gk.NthRoot = p.ckks.RingQ().NthRoot()
		if _, err := core.ReadGadget(data[off:], p.Parameters, &gk.GadgetCiphertext); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		off += core.GadgetSize(p.Parameters, &gk.GadgetCiphertext)
		gks[i] = gk
	}
	return gks, nil
}
