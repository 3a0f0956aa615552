package core

import (
	"fmt"
	"sync"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// This file is the one oblivious query expansion (SealPIR's) of the BGV
// engines: a coefficient-encoded ciphertext of sum_i m_i X^i becomes
// ciphertexts of the constants 2^l m_i, one per needed index.

// ExpandLog returns the number of expansion levels l for need values:
// the smallest l with 2^l >= need.
func ExpandLog(need int) int { return CeilLog2(need) }

// ExpandGaloisElements returns the automorphisms X -> X^(N/2^k + 1),
// k = 0..l-1, used by the oblivious expansion.
func ExpandGaloisElements(n, l int) []uint64 {
	N := uint64(n)
	els := make([]uint64, l)
	for k := range els {
		els[k] = (N>>uint(k) + 1) % (2 * N)
	}
	return els
}

// Monomials returns, for k = 0..l-1, X^(-2^k) = -X^(N-2^k) in NTT and
// Montgomery form at ringQ's level.
func Monomials(ringQ *ring.Ring, l int) []ring.Poly {
	N := ringQ.N()
	out := make([]ring.Poly, l)
	for k := range out {
		pq := ringQ.NewPoly()
		for i, s := range ringQ.SubRings {
			pq.Coeffs[i][N-(1<<k)] = s.Modulus - 1
		}
		ringQ.NTT(pq, pq)
		ringQ.MForm(pq, pq)
		out[k] = pq
	}
	return out
}

// Expand turns a ciphertext of sum_i m_i X^i (i < 2^l, l = len(mono))
// into ciphertexts of the constants 2^l m_i for i < need (the SealPIR
// expansion, without the normalisation by 2^-l, which BGV cannot apply
// mod Q; callers fold 2^-l mod t into their plaintexts instead). Each
// tree level applies one automorphism per node; subtrees holding no
// needed index are pruned, and a node that holds a single needed index
// (j + 2^k >= need) is finished by a doubling instead of a key switch:
// with 258 values and 9 levels only nodes 0 and 1 of the last level
// key-switch, 257 key switches instead of 511. The tree works in place:
// the even child overwrites its parent and the odd child reuses the
// automorphism's output, one allocation per key switch. The nodes of one
// level are spread over the evaluators (one per goroutine), which must
// hold the Galois keys of ExpandGaloisElements. ct is overwritten.
func Expand(p bgv.Parameters, evals []*bgv.Evaluator, mono []ring.Poly, ct *rlwe.Ciphertext, need int) ([]*rlwe.Ciphertext, error) {
	l := len(mono)
	if need < 1 || need > 1<<l {
		return nil, fmt.Errorf("expand: %d values need 1..%d", need, 1<<l)
	}
	els := ExpandGaloisElements(p.N(), l)
	ringQ := p.RingQ().AtLevel(ct.Level())
	cur := []*rlwe.Ciphertext{ct} // cur[j] holds indices i with i mod 2^k == j
	for k := 0; k < l; k++ {
		step := 1 << k
		next := make([]*rlwe.Ciphertext, 2*step)
		if err := ParallelErr(len(evals), len(cur), func(w, j int) error {
			c := cur[j]
			if c == nil {
				return nil
			}
			if j+step >= need {
				// Only index j is left: c + sigma(c) = 2c for a constant.
				for i := range c.Value {
					ringQ.Add(c.Value[i], c.Value[i], c.Value[i])
				}
				next[j] = c
				return nil
			}
			sig := bgv.NewCiphertext(p, 1, c.Level())
			if err := split(ringQ, evals[w], els[k], mono[k], c, sig); err != nil {
				return err
			}
			if j < need {
				next[j] = c
			}
			next[j+step] = sig
			return nil
		}); err != nil {
			return nil, fmt.Errorf("expand: %w", err)
		}
		cur = next
	}
	return cur[:need], nil
}

// split is one node of the expansion tree: c becomes c + sigma(c) (the
// even indices) and sig (c - sigma(c)) * X^(-2^k) (the odd ones), with
// sigma the level's automorphism el and mono its X^(-2^k).
func split(ringQ *ring.Ring, ev *bgv.Evaluator, el uint64, mono ring.Poly, c, sig *rlwe.Ciphertext) error {
	if err := ev.Automorphism(c, el, sig); err != nil {
		return err
	}
	for i := range c.Value {
		ringQ.Sub(c.Value[i], sig.Value[i], sig.Value[i]) // c - sigma(c)
		ringQ.Add(c.Value[i], c.Value[i], c.Value[i])
		ringQ.Sub(c.Value[i], sig.Value[i], c.Value[i]) // c + sigma(c)
		ringQ.MulCoeffsMontgomery(sig.Value[i], mono, sig.Value[i])
	}
	*sig.MetaData = *c.MetaData
	return nil
}

// Parallel runs f(w, i) for i in [0, n) on up to workers goroutines; w is
// the goroutine's index, so that f can use a per-goroutine evaluator.
func Parallel(workers, n int, f func(w, i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(0, i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(w, i)
			}
		}(w)
	}
	wg.Wait()
}

// ParallelErr is Parallel for an f that can fail: it runs every task and
// returns the first error of the lowest-numbered goroutine that had one.
func ParallelErr(workers, n int, f func(w, i int) error) error {
	errs := make([]error, max(workers, 1))
	Parallel(workers, n, func(w, i int) {
		if err := f(w, i); err != nil && errs[w] == nil {
			errs[w] = err
		}
	})
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
