package hashmatch

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// This file holds the wire form of queries and answers: polynomials in
// NTT form, limb by limb, 8 bytes per coefficient little-endian; every
// coefficient is checked to be reduced before Lattigo sees it. Levels,
// scale and slot layout are fixed by the parameters, so nothing else
// travels.

// polyLen is the byte length of a polynomial at level lvl.
func (p Params) polyLen(lvl int) int { return 8 * p.residual.N() * (lvl + 1) }

// AnswerSize returns the byte size of an answer: two polynomials at the
// reveal level.
func AnswerSize(p Params) int { return 2 * p.polyLen(revealLevel) }

// appendPoly appends the first lvl+1 limbs of x.
func appendPoly(dst []byte, x ring.Poly, lvl int) []byte {
	for i := 0; i <= lvl; i++ {
		for _, v := range x.Coeffs[i] {
			dst = binary.LittleEndian.AppendUint64(dst, v)
		}
	}
	return dst
}

// readPoly fills the first lvl+1 limbs of x from src (exactly polyLen
// bytes), rejecting unreduced coefficients.
func (p Params) readPoly(src []byte, x ring.Poly, lvl int) error {
	if len(src) != p.polyLen(lvl) {
		return fmt.Errorf("polynomial of %d bytes, want %d", len(src), p.polyLen(lvl))
	}
	q := p.residual.Q()
	off := 0
	for i := 0; i <= lvl; i++ {
		for j := range x.Coeffs[i] {
			v := binary.LittleEndian.Uint64(src[off:])
			off += 8
			if v >= q[i] {
				return fmt.Errorf("coefficient %d of limb %d not reduced modulo %d", j, i, q[i])
			}
			x.Coeffs[i][j] = v
		}
	}
	return nil
}

// encodeAnswer writes ct (at revealLevel, default scale) in wire form.
func (p Params) encodeAnswer(ct *rlwe.Ciphertext) ([]byte, error) {
	if ct.Degree() != 1 || ct.Level() != revealLevel || !ct.IsNTT || ct.LogDimensions != dims {
		return nil, fmt.Errorf("answer of degree %d at level %d, want 1 and %d", ct.Degree(), ct.Level(), revealLevel)
	}
	if ct.Scale.Cmp(p.residual.DefaultScale()) != 0 {
		return nil, fmt.Errorf("answer at scale 2^%.3f, want 2^%d", math.Log2(ct.Scale.Float64()), p.lit.LogScale)
	}
	out := make([]byte, 0, AnswerSize(p))
	out = appendPoly(out, ct.Value[0], revealLevel)
	return appendPoly(out, ct.Value[1], revealLevel), nil
}

// decodeAnswer reads an answer.
func (p Params) decodeAnswer(data []byte) (*rlwe.Ciphertext, error) {
	if len(data) != AnswerSize(p) {
		return nil, fmt.Errorf("answer of %d bytes, want %d", len(data), AnswerSize(p))
	}
	ct := hefloat.NewCiphertext(p.residual, 1, revealLevel)
	n := p.polyLen(revealLevel)
	if err := p.readPoly(data[:n], ct.Value[0], revealLevel); err != nil {
		return nil, err
	}
	if err := p.readPoly(data[n:], ct.Value[1], revealLevel); err != nil {
		return nil, err
	}
	ct.Scale = p.residual.DefaultScale()
	ct.LogDimensions = dims
	ct.IsNTT = true
	return ct, nil
}
