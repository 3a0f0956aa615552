package imagehash

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// This file holds the evaluation keys: the Galois (rotation) keys the
// server's baby-step giant-step matrix product and final fold need, and
// their wire format (galois element, then every polynomial of the key
// bit-packed in a fixed order fixed by the parameters).

// ltParams describes the server's linear transformation: diagonals 0..m-1
// of the slots x slots matrix (see Server), at level 1, encoded at scale
// Q[1] so that one rescale brings the result back to the input scale.
func (p Params) ltParams() hefloat.LinearTransformationParameters {
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
func (p Params) foldN() int { return p.shape.inputs / p.shape.outputs }

// galoisElements lists, sorted, the Galois elements the server uses.
func (p Params) galoisElements() []uint64 {
	hp := hefloat.Parameters{Parameters: p.ckks}
	g := hefloat.GaloisElementsForLinearTransformation(hp, p.ltParams())
	g = append(g, rlwe.GaloisElementsForInnerSum(hp, p.shape.outputs, p.foldN())...)
	slices.Sort(g)
	return slices.Compact(g)
}

// keyPoly is one polynomial of a key with the moduli of its limbs.
type keyPoly struct {
	poly   ring.Poly
	moduli []uint64
}

// polysOf lists gk's polynomials in wire order.
func (p Params) polysOf(gk *rlwe.GaloisKey) []keyPoly {
	var out []keyPoly
	for _, row := range gk.Value {
		for _, vec := range row {
			for _, qp := range vec {
				out = append(out, keyPoly{qp.Q, p.ckks.Q()[:qp.Q.Level()+1]})
				if qp.P.Level() >= 0 && len(qp.P.Coeffs) > 0 {
					out = append(out, keyPoly{qp.P, p.ckks.P()[:qp.P.Level()+1]})
				}
			}
		}
	}
	return out
}

// keySize is the wire size of one Galois key.
func (p Params) keySize() int {
	n := 8
	for _, kp := range p.polysOf(rlwe.NewGaloisKey(p.ckks)) {
		n += packedLen(p.ckks.N(), kp.moduli)
	}
	return n
}

// KeysSize returns the byte size of the evaluation keys the client sends
// once.
func KeysSize(p Params) int {
	return headerLen + 2 + len(p.galoisElements())*p.keySize()
}

// marshalKeys encodes the Galois keys in the order of galoisElements.
func (p Params) marshalKeys(gks []*rlwe.GaloisKey) []byte {
	out := p.putHeader(make([]byte, 0, KeysSize(p)), kindKeys)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(gks)))
	for _, gk := range gks {
		out = binary.LittleEndian.AppendUint64(out, gk.GaloisElement)
		for _, kp := range p.polysOf(gk) {
			out = packPoly(out, kp.poly, kp.moduli)
		}
	}
	return out
}

// unmarshalKeys decodes and validates keys made for p.
func (p Params) unmarshalKeys(data []byte) (*rlwe.MemEvaluationKeySet, error) {
	if err := p.checkHeader(data, kindKeys); err != nil {
		return nil, err
	}
	want := p.galoisElements()
	if len(data) != KeysSize(p) {
		return nil, fmt.Errorf("keys of %d bytes, want %d", len(data), KeysSize(p))
	}
	if n := int(binary.LittleEndian.Uint16(data[headerLen:])); n != len(want) {
		return nil, fmt.Errorf("%d keys, want %d", n, len(want))
	}
	off := headerLen + 2
	gks := make([]*rlwe.GaloisKey, len(want))
	for i, g := range want {
		if got := binary.LittleEndian.Uint64(data[off:]); got != g {
			return nil, fmt.Errorf("key %d for galois element %d, want %d", i, got, g)
		}
		off += 8
		gk := rlwe.NewGaloisKey(p.ckks)
		gk.GaloisElement = g
		gk.NthRoot = p.ckks.RingQ().NthRoot()
		for _, kp := range p.polysOf(gk) {
			l := packedLen(p.ckks.N(), kp.moduli)
			if err := unpackPoly(data[off:off+l], kp.poly, kp.moduli); err != nil {
				return nil, fmt.Errorf("key %d: %w", i, err)
			}
			off += l
		}
		gks[i] = gk
	}
	return rlwe.NewMemEvaluationKeySet(nil, gks...), nil
}
