package exact

import (
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The binned circuit's stages after the expansion; foldStep is shared
// with the Paterson-Stockmeyer circuit's quartic.

// binProducts expands the query x and returns
// D = sum_i E_i * P_i + sum_k E_{B+k} * M_k at the top level, each
// expanded ciphertext E_i (NTT form) consumed as the expansion makes it
// (core.ExpandEach) against the plaintexts (NTT-Montgomery form), into
// one accumulator per evaluator. x is overwritten.
func (s *BinnedServer) binProducts(evals []*bgv.Evaluator, x *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	p := s.params
	ringQ := p.bgv.RingQ().AtLevel(x.Level())
	accs := make([]*rlwe.Ciphertext, len(evals))
	for w := range accs {
		accs[w] = bgv.NewCiphertext(p.bgv, 1, x.Level())
		accs[w].Scale = x.Scale
	}
	if err := core.ExpandEach(p.bgv, evals, s.mono, x, s.bins+feltsPerItem, func(w, i int, c *rlwe.Ciphertext) error {
		var pt ring.Poly
		if i < s.bins {
			pt = s.pts[i]
		} else {
			pt = s.sel[i-s.bins]
		}
		for k := range c.Value {
			ringQ.MulCoeffsMontgomeryThenAdd(c.Value[k], pt, accs[w].Value[k])
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, a := range accs[1:] {
		for k := range a.Value {
			ringQ.Add(accs[0].Value[k], a.Value[k], accs[0].Value[k])
		}
	}
	return accs[0], nil
}

// foldStep returns in^2 - 3*rot(in^2, k), rescaled (a level lower).
func foldStep(ev *bgv.Evaluator, in *rlwe.Ciphertext, k int) (*rlwe.Ciphertext, error) {
	sq, err := ev.MulRelinNew(in, in)
	if err != nil {
		return nil, err
	}
	if err := ev.Rescale(sq, sq); err != nil {
		return nil, err
	}
	r, err := ev.RotateColumnsNew(sq, k)
	if err != nil {
		return nil, err
	}
	if err := ev.Mul(r, uint64(nonResidue), r); err != nil {
		return nil, err
	}
	return sq, ev.Sub(sq, r, sq)
}

// keyedQuartic returns (R*c)*c - 3*rot((R*c)*c, 2), rescaled to level 0:
// with c holding u at slot 4e and w at slot 4e+2, and R holding r_e at
// both (zero elsewhere), slot 4e holds r_e*(u^2 - 3w^2) = r_e*E and the
// odd slots hold 0.
func (s *BinnedServer) keyedQuartic(ev *bgv.Evaluator, c *rlwe.Ciphertext, rv []uint64) (*rlwe.Ciphertext, error) {
	p := s.params
	pt := bgv.NewPlaintext(p.bgv, c.Level())
	if err := s.ecd.ShallowCopy().Encode(rv, pt); err != nil {
		return nil, err
	}
	z, err := ev.MulNew(c, pt)
	if err != nil {
		return nil, err
	}
	if z, err = ev.MulRelinNew(z, c); err != nil {
		return nil, err
	}
	if err := ev.Rescale(z, z); err != nil {
		return nil, err
	}
	r, err := ev.RotateColumnsNew(z, 2)
	if err != nil {
		return nil, err
	}
	if err := ev.Mul(r, uint64(nonResidue), r); err != nil {
		return nil, err
	}
	return z, ev.Sub(z, r, z)
}
