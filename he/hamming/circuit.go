package hamming

import (
	"fmt"
	"sort"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// thresholdLeaves returns the levels of the factors of f(h) = prod_{r<=k}(h-r):
// u + r(k-r) for r < (k+1)/2 at level L-2 (u = h(h-k)), and h - k/2 at
// level L-1 when k+1 is odd.
func (p Parameters) thresholdLeaves() []int {
	k, _ := p.half()
	L := p.bgv.MaxLevel()
	var lv []int
	for r := 0; r < (k+1)/2; r++ {
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

// threshold returns f(h) = prod_{r=0..k}(h - r) as prod_r (u + r(k-r)) with
// u = h(h-k), times (h - k/2) when k+1 is odd.
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
		for r := 0; r < (k+1)/2; r++ {
			f := u.CopyNew()
			if r > 0 {
				if err := ev.Add(f, r*(k-r), f); err != nil {
					return nil, err
				}
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
