package hamming

import (
	"fmt"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The oblivious expansion lives in the toolkit (core.Expand), shared with
// he/exact's binned circuit; these are its hamming-shaped entry points.

// expandGaloisElements returns the automorphisms of the expansion.
func expandGaloisElements(p Parameters) []uint64 {
	return core.ExpandGaloisElements(p.N(), p.expandLog())
}

// monomials returns the expansion's X^(-2^k) at the top level.
func monomials(p Parameters) []ring.Poly { return core.Monomials(p.bgv.RingQ(), p.expandLog()) }

// expand returns ciphertexts of the constants 2^l m_i, i < need
// (core.Expand); ct is overwritten.
func expand(p Parameters, evals []*bgv.Evaluator, mono []ring.Poly, ct *rlwe.Ciphertext, need int) ([]*rlwe.Ciphertext, error) {
	out, err := core.Expand(p.bgv, evals, mono, ct, need)
	if err != nil {
		return nil, fmt.Errorf("hamming: %w", err)
	}
	return out, nil
}
