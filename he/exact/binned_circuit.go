package exact

import (
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The binned circuit's stages after the expansion; foldStep is shared
// with the Paterson-Stockmeyer circuit's quartic.

// binProducts expands the query x and returns
//
//	D = sum_i E_i * P_i + sum_k E_{B+k} * M_k + (1 - sum_i E_i) * R
//
// at the top level, R a fresh uniform plaintext (from fs): for a one-hot
// selector the R term vanishes and D = P_bin - y; for a selector whose
// weights do not sum to 1 (the all-zero query, which would otherwise make
// every difference zero and force a match) each difference carries a
// multiple of R the client cannot predict. The products are the folded
// expansion's (core.Folded: the lower tree levels live in the
// plaintexts); the selector sum, 2^l sum_{i<B} m_i, is the trace of x
// times sum_{i<B} X^-i. x is overwritten.
func (s *BinnedServer) binProducts(evals []*bgv.Evaluator, x *rlwe.Ciphertext, fs *fieldSampler) (*rlwe.Ciphertext, error) {
	p := s.params
	ringQ := p.bgv.RingQ().AtLevel(x.Level())
	sum := x.CopyNew()
	for k := range sum.Value {
		ringQ.MulCoeffsMontgomery(sum.Value[k], s.binSum, sum.Value[k])
	}
	d, err := s.fold.Eval(p.bgv, evals, s.mono, x)
	if err != nil {
		return nil, err
	}
	if sum, err = core.Trace(p.bgv, evals[0], sum, s.l); err != nil {
		return nil, err
	}
	// D += R - sum * R (2^-l folded into the product's plaintext).
	t := p.T()
	r, negR := make([]uint64, p.Slots()), make([]uint64, p.Slots())
	for j := range r {
		r[j] = fs.uniform()
		negR[j] = (t - r[j]) * s.inv % t
	}
	ecd := s.ecd.ShallowCopy()
	ptNeg := bgv.NewPlaintext(p.bgv, x.Level())
	if err := ecd.Encode(negR, ptNeg); err != nil {
		return nil, err
	}
	ringQ.MulRNSScalarMontgomery(ptNeg.Value, s.tMont, ptNeg.Value)
	for k := range d.Value {
		ringQ.MulCoeffsMontgomeryThenAdd(sum.Value[k], ptNeg.Value, d.Value[k])
	}
	ptR := bgv.NewPlaintext(p.bgv, x.Level())
	ptR.Scale = d.Scale
	if err := ecd.Encode(r, ptR); err != nil {
		return nil, err
	}
	return d, evals[0].Add(d, ptR, d)
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
