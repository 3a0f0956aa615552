package hamming

import (
	"fmt"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// expandGaloisElements returns the automorphisms X -> X^(N/2^k + 1),
// k = 0..l-1, used by the oblivious expansion.
func expandGaloisElements(p Parameters) []uint64 {
	N := uint64(p.N())
	els := make([]uint64, p.expandLog())
	for k := range els {
		els[k] = (N>>uint(k) + 1) % (2 * N)
	}
	return els
}

// monomials returns, for k = 0..l-1, X^(-2^k) = -X^(N-2^k) in NTT and
// Montgomery form at the top level.
func monomials(p Parameters) []ring.Poly {
	ringQ := p.bgv.RingQ()
	N := p.N()
	out := make([]ring.Poly, p.expandLog())
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

// expand turns a ciphertext of sum_i m_i X^i (i < 2^l) into ciphertexts of the
// constants 2^l m_i for i < need (the SealPIR expansion, without the
// normalisation by 2^-l, which BGV cannot apply mod Q; the server folds 2^-l
// mod t into its plaintexts instead). Each tree level applies one
// automorphism per node; subtrees holding no needed index are pruned, and a
// node that holds a single needed index (j + 2^k >= need) is finished by a
// doubling instead of a key switch: with 258 values and 9 levels only nodes 0
// and 1 of the last level key-switch, 257 key switches instead of 511. The
// tree works in place: the even child overwrites its parent and the odd child
// reuses the automorphism's output, one allocation per key switch. The nodes
// of one level are spread over the evaluators (one per goroutine). ct is
// overwritten.
func expand(p Parameters, evals []*bgv.Evaluator, mono []ring.Poly, ct *rlwe.Ciphertext, need int) ([]*rlwe.Ciphertext, error) {
	l := p.expandLog()
	els := expandGaloisElements(p)
	ringQ := p.bgv.RingQ().AtLevel(ct.Level())
	cur := []*rlwe.Ciphertext{ct} // cur[j] holds indices i with i mod 2^k == j
	for k := 0; k < l; k++ {
		step := 1 << k
		next := make([]*rlwe.Ciphertext, 2*step)
		if err := parallelErr(len(evals), len(cur), func(w, j int) error {
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
			sig := bgv.NewCiphertext(p.bgv, 1, c.Level())
			if err := evals[w].Automorphism(c, els[k], sig); err != nil {
				return err
			}
			for i := range c.Value {
				ringQ.Sub(c.Value[i], sig.Value[i], sig.Value[i]) // c - sigma(c)
				ringQ.Add(c.Value[i], c.Value[i], c.Value[i])
				ringQ.Sub(c.Value[i], sig.Value[i], c.Value[i]) // c + sigma(c)
				ringQ.MulCoeffsMontgomery(sig.Value[i], mono[k], sig.Value[i])
			}
			*sig.MetaData = *c.MetaData
			if j < need {
				next[j] = c
			}
			next[j+step] = sig
			return nil
		}); err != nil {
			return nil, fmt.Errorf("hamming: expand: %w", err)
		}
		cur = next
	}
	return cur[:need], nil
}
