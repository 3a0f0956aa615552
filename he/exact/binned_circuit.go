package exact

import (
	"runtime"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The binned circuit's stages after the expansion; foldStep is shared
// with the Paterson-Stockmeyer circuit's quartic.

// binProducts returns D = sum_i E_i * P_i + sum_k E_{B+k} * M_k at the top
// level (the expanded ciphertexts E in NTT form, the plaintexts in
// NTT-Montgomery form), one task per component and prime.
func (s *BinnedServer) binProducts(E []*rlwe.Ciphertext) *rlwe.Ciphertext {
	p := s.params
	top := p.MaxLevel()
	d := bgv.NewCiphertext(p.bgv, 1, top)
	d.Scale = E[0].Scale
	ringQ := p.bgv.RingQ().AtLevel(top)
	core.Parallel(runtime.GOMAXPROCS(0), 2*(top+1), func(_, task int) {
		c, i := task%2, task/2
		sr := ringQ.SubRings[i]
		acc := d.Value[c].Coeffs[i]
		for b, pt := range s.pts {
			sr.MulCoeffsMontgomeryThenAdd(E[b].Value[c].Coeffs[i], pt.Coeffs[i], acc)
		}
		for k, pt := range s.sel {
			sr.MulCoeffsMontgomeryThenAdd(E[s.bins+k].Value[c].Coeffs[i], pt.Coeffs[i], acc)
		}
	})
	return d
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
