package core

import (
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// This file is the expansion of expand.go followed by one plaintext
// product per leaf, sum_i E_i * P_i, with the lower levels of the tree
// transposed into the plaintexts. An automorphism is a ring map, so
// sigma(c) * w = sigma(c * sigma^-1(w)): a node's two children
// c + sigma(c) and (c - sigma(c)) X^-h under plaintext functionals
// F0, F1 become c * w + sigma(c * w') for plaintexts w, w' made at
// setup. Below the top levels every node's subtree is such a sum over
// words S (sets of levels) of sigma_S(c * w_S); the sums of all top
// nodes share one accumulator per word, and the 2^m words cost 2^m - 1
// key switches in all instead of one per tree node.

// FoldTerm is one top node's plaintext for one word.
type FoldTerm struct {
	Node int
	W    ring.Poly
}

// Folded is the transposed bottom of an expansion tree: the top levels
// are expanded with key switches; Words[S] lists, for the word S (bit b
// for level Top+b), the plaintext of each top node that has one.
type Folded struct {
	Top, Levels, Need int
	Words             [][]FoldTerm
}

// Polys returns the number of plaintexts held.
func (f *Folded) Polys() int {
	n := 0
	for _, w := range f.Words {
		n += len(w)
	}
	return n
}

// FoldSplit returns the number of top levels that minimises the key
// switches of a folded expansion of need values over l levels.
func FoldSplit(l int) int { return l - l/2 }

// NewFolded transposes levels top..l-1 (l = len(mono)) of the expansion
// of need values, leaf(i) being the plaintext of value i (NTT form, any
// fixed Montgomery convention; it is copied). Subtrees are pruned and
// single values doubled exactly as in [Expand].
func NewFolded(ringQ *ring.Ring, mono []ring.Poly, top, need int, leaf func(i int) ring.Poly) (*Folded, error) {
	l := len(mono)
	if need < 1 || need > 1<<l || top < 0 || top > l {
		return nil, fmt.Errorf("fold: %d values, %d top levels of %d", need, top, l)
	}
	N := ringQ.N()
	inv := make([][]uint64, l)
	for k, g := range ExpandGaloisElements(N, l) {
		gi := ring.ModExp(g, uint64(N-1), uint64(2*N)) // the group has order N
		idx, err := ring.AutomorphismNTTIndex(N, ringQ.NthRoot(), gi)
		if err != nil {
			return nil, fmt.Errorf("fold: %w", err)
		}
		inv[k] = idx
	}
	var rec func(k, j int) map[int]ring.Poly
	rec = func(k, j int) map[int]ring.Poly {
		if k == l {
			return map[int]ring.Poly{0: *leaf(j).CopyNew()}
		}
		step := 1 << k
		f0 := rec(k+1, j)
		if j+step >= need {
			for _, w := range f0 {
				ringQ.Add(w, w, w)
			}
			return f0
		}
		f1 := rec(k+1, j+step)
		out := make(map[int]ring.Poly, 2*max(len(f0), len(f1)))
		bit := 1 << (k - top)
		for s, w := range f1 {
			ringQ.MulCoeffsMontgomery(w, mono[k], w) // X^-h * w1
			if _, ok := f0[s]; !ok {
				f0[s] = ringQ.NewPoly()
			}
		}
		for s, a := range f0 {
			d := ringQ.NewPoly()
			if m, ok := f1[s]; ok {
				ringQ.Sub(a, m, d)
				ringQ.Add(a, m, a)
			} else {
				d.Copy(a)
			}
			sig := ringQ.NewPoly()
			ringQ.AutomorphismNTTWithIndex(d, inv[k], sig)
			out[s] = a
			out[s|bit] = sig
		}
		return out
	}
	f := &Folded{Top: top, Levels: l, Need: need, Words: make([][]FoldTerm, 1<<(l-top))}
	for j := 0; j < min(need, 1<<top); j++ {
		for s, w := range rec(top, j) {
			f.Words[s] = append(f.Words[s], FoldTerm{Node: j, W: w})
		}
	}
	return f, nil
}

// Eval returns sum_i E_i * P_i for the expansion of ct (as [Expand]):
// the top levels are expanded with key switches, each top node is
// multiplied into the accumulators of its words, and the words are
// folded with 2^m - 1 automorphisms. The evaluators must hold the Galois
// keys of ExpandGaloisElements. ct is overwritten.
func (f *Folded) Eval(p bgv.Parameters, evals []*bgv.Evaluator, mono []ring.Poly, ct *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	if len(mono) != f.Levels {
		return nil, fmt.Errorf("fold: %d monomials for %d levels", len(mono), f.Levels)
	}
	top, err := Expand(p, evals, mono[:f.Top], ct, min(f.Need, 1<<f.Top))
	if err != nil {
		return nil, err
	}
	ringQ := p.RingQ().AtLevel(ct.Level())
	// Lazy products lie in [0, 2q): sum margin of them before reducing.
	margin := uint64(math.MaxUint64)
	for _, s := range ringQ.SubRings {
		margin = min(margin, math.MaxUint64/(2*s.Modulus))
	}
	accs := make([]*rlwe.Ciphertext, len(f.Words))
	Parallel(len(evals), len(accs), func(_, s int) {
		if len(f.Words[s]) == 0 {
			return
		}
		acc := bgv.NewCiphertext(p, 1, ct.Level())
		*acc.MetaData = *ct.MetaData
		for i, t := range f.Words[s] {
			for k := range acc.Value {
				if uint64(i+1)%margin == 0 {
					ringQ.Reduce(acc.Value[k], acc.Value[k])
				}
				ringQ.MulCoeffsMontgomeryLazyThenAddLazy(top[t.Node].Value[k], t.W, acc.Value[k])
			}
		}
		for k := range acc.Value {
			ringQ.Reduce(acc.Value[k], acc.Value[k])
		}
		accs[s] = acc
	})
	// Bit by bit: a_S += sigma_b(a_{S+b}) for the words S without bits <= b.
	els := ExpandGaloisElements(p.N(), f.Levels)
	for b := 0; b < f.Levels-f.Top; b++ {
		bit := 1 << b
		var idx []int
		for s := range accs {
			if s&(2*bit-1) == bit && accs[s] != nil {
				idx = append(idx, s)
			}
		}
		if err := ParallelErr(len(evals), len(idx), func(w, i int) error {
			s := idx[i]
			sig := bgv.NewCiphertext(p, 1, ct.Level())
			if err := evals[w].Automorphism(accs[s], els[f.Top+b], sig); err != nil {
				return err
			}
			*sig.MetaData = *accs[s].MetaData
			if accs[s-bit] == nil {
				accs[s-bit] = sig
				return nil
			}
			for k := range sig.Value {
				ringQ.Add(accs[s-bit].Value[k], sig.Value[k], accs[s-bit].Value[k])
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("fold: %w", err)
		}
	}
	if accs[0] == nil {
		return nil, fmt.Errorf("fold: no values")
	}
	return accs[0], nil
}

// IndexSum returns sum_{i<n} X^-i in NTT and Montgomery form at ringQ's
// level: the product of a query sum_i m_i X^i with it holds
// sum_{i<n} m_i as its constant coefficient.
func IndexSum(ringQ *ring.Ring, n int) ring.Poly {
	N := ringQ.N()
	pq := ringQ.NewPoly()
	for i, s := range ringQ.SubRings {
		pq.Coeffs[i][0] = 1
		for j := 1; j < n; j++ {
			pq.Coeffs[i][N-j] = s.Modulus - 1 // X^-j = -X^(N-j)
		}
	}
	ringQ.NTT(pq, pq)
	ringQ.MForm(pq, pq)
	return pq
}

// Trace applies the l levels of the expansion's even branch,
// c <- c + sigma_k(c): the result holds 2^l times c's coefficients at
// the multiples of 2^l and zero elsewhere. ev must hold the Galois keys
// of ExpandGaloisElements. ct is overwritten and returned.
func Trace(p bgv.Parameters, ev *bgv.Evaluator, ct *rlwe.Ciphertext, l int) (*rlwe.Ciphertext, error) {
	ringQ := p.RingQ().AtLevel(ct.Level())
	sig := bgv.NewCiphertext(p, 1, ct.Level())
	for _, el := range ExpandGaloisElements(p.N(), l) {
		if err := ev.Automorphism(ct, el, sig); err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		for k := range ct.Value {
			ringQ.Add(ct.Value[k], sig.Value[k], ct.Value[k])
		}
	}
	return ct, nil
}
