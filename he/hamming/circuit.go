package hamming

import (
	"fmt"
	"sort"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// thresholdLeaves returns the levels of the operands whose product is
// f(h) = prod_{r<=k}(h-r), k = [Parameters.thresholdK] (see threshold): with u = h(h-k) at level L-2
// and m = (k+1)/2 factors u + r(k-r), the floor(m/2) quadratics at level
// L-3 (they read u^2), an unpaired u + r(k-r) at level L-2 when m is odd,
// and h - k/2 at level L-1 when k+1 is odd.
func (p Parameters) thresholdLeaves() []int {
	k := p.thresholdK()
	L := p.bgv.MaxLevel()
	m := (k + 1) / 2
	var lv []int
	for i := 0; i < m/2; i++ {
		lv = append(lv, L-3)
	}
	if m%2 == 1 {
		lv = append(lv, L-2)
	}
	if (k+1)%2 == 1 {
		lv = append(lv, L-1)
	}
	return lv
}

// treeLevel returns the level of the product of operands at the given levels
// when the two highest are always multiplied first (as product does).
func treeLevel(lv []int) int {
	lv = append([]int(nil), lv...)
	for len(lv) > 1 {
		sort.Sort(sort.Reverse(sort.IntSlice(lv)))
		lv = append(lv[2:], min(lv[0], lv[1])-1)
	}
	return lv[0]
}

// outputsFor returns the smallest number of answer ciphertexts for which the
// circuit fits: the product of a group of f values must end at level >= 1,
// where it meets Enc(R).
func (p Parameters) outputsFor(groups int) (int, error) {
	lf := treeLevel(p.thresholdLeaves())
	for k := 1; k <= groups; k++ {
		per := (groups + k - 1) / k
		lv := make([]int, per)
		for i := range lv {
			lv[i] = lf
		}
		if treeLevel(lv) >= rLevel {
			return k, nil
		}
	}
	return 0, fmt.Errorf("hamming: params %s: too few levels for the threshold", p.lit.Name)
}

// threshold returns f(h) = prod_{r=0..k}(h - r). With u = h(h-k) it is
// prod_{r<m}(u + c_r), c_r = r(k-r), m = (k+1)/2, times (h - k/2) when k+1
// is odd. Factors are paired into quadratics
// (u + c_a)(u + c_b) = u^2 + (c_a+c_b)u + c_a*c_b, linear in u and u^2, so
// one relinearisation (u^2) replaces one per pair: 5 instead of 8 for
// T = 31, at the same depth.
func threshold(ev *bgv.Evaluator, h *rlwe.Ciphertext, k int) (*rlwe.Ciphertext, error) {
	var ops []*rlwe.Ciphertext
	if k > 0 {
		hk := h.CopyNew()
		if err := ev.Add(hk, -k, hk); err != nil {
			return nil, err
		}
		u, err := ev.MulRelinNew(h, hk)
		if err != nil {
			return nil, err
		}
		if err := ev.Rescale(u, u); err != nil {
			return nil, err
		}
		m := (k + 1) / 2
		c := func(r int) int { return r * (k - r) }
		if m >= 2 {
			quads, err := quadratics(ev, u, m/2, c)
			if err != nil {
				return nil, err
			}
			ops = append(ops, quads...)
		}
		if m%2 == 1 {
			f := u.CopyNew()
			if err := ev.Add(f, c(m-1), f); err != nil {
				return nil, err
			}
			ops = append(ops, f)
		}
	}
	if (k+1)%2 == 1 {
		m := h.CopyNew()
		if err := ev.Add(m, -(k / 2), m); err != nil {
			return nil, err
		}
		ops = append(ops, m)
	}
	return product(ev, ops)
}

// quadratics returns (u + c(2i))(u + c(2i+1)) for i < pairs, one level
// below u: u^2 + (c_a+c_b)u + c_a*c_b from u^2 (one relinearisation for
// all pairs), formed before the rescale so that the scalar on u, which
// also carries u's scale into u^2's (any residue mod t), multiplies noise
// that the rescale then divides by a prime.
func quadratics(ev *bgv.Evaluator, u *rlwe.Ciphertext, pairs int, c func(int) int) ([]*rlwe.Ciphertext, error) {
	u2, err := ev.MulRelinNew(u, u) // plaintext S^2 u^2 for u's scale S
	if err != nil {
		return nil, err
	}
	t := uint64(PlaintextModulus)
	su := u.Scale.Uint64() % t
	out := make([]*rlwe.Ciphertext, pairs)
	for i := range out {
		a, b := c(2*i), c(2*i+1)
		q := u.CopyNew()
		// (a+b)*S * (S u) = S^2 (a+b) u: u^2's scale.
		if err := ev.Mul(q, uint64(a+b)%t*su%t, q); err != nil {
			return nil, err
		}
		q.Scale = u2.Scale
		if err := ev.Add(q, u2, q); err != nil {
			return nil, err
		}
		if err := ev.Add(q, a*b, q); err != nil {
			return nil, err
		}
		if err := ev.Rescale(q, q); err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

// product multiplies ciphertexts, always the two at the highest levels first.
func product(ev *bgv.Evaluator, ops []*rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	ops = append([]*rlwe.Ciphertext(nil), ops...)
	for len(ops) > 1 {
		sort.SliceStable(ops, func(i, j int) bool { return ops[i].Level() > ops[j].Level() })
		a, b := ops[0], ops[1]
		// Modulus-switch the higher operand down rather than drop its primes:
		// dropping keeps its absolute noise, too large for the lower modulus.
		for a.Level() > b.Level() {
			if err := ev.Rescale(a, a); err != nil {
				return nil, err
			}
		}
		c := bgv.NewCiphertext(*ev.GetParameters(), 1, min(a.Level(), b.Level()))
		if err := mulRescale(ev, a, b, c); err != nil {
			return nil, err
		}
		ops = append(ops[2:], c)
	}
	return ops[0], nil
}

func mulRescale(ev *bgv.Evaluator, a, b, out *rlwe.Ciphertext) error {
	if err := ev.MulRelin(a, b, out); err != nil {
		return err
	}
	return ev.Rescale(out, out)
}
