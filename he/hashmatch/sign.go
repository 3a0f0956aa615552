package hashmatch

import (
	"math/big"

	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// This file turns the generated composite sign polynomials (signpoly.go)
// into the step functions the circuit evaluates, with an affine map folded
// into the last stage so that no level is spent on it.

// fineStages is how many stages of signFine the circuit evaluates: the
// seventh already maps every input at least 2^-17 from zero to within
// about 2^-20 of +-1 (the eighth stage's input interval in gen_sign's log
// is [0.999999, 1.000001]), so the eighth is left out.
const fineStages = 7

// stepPoly returns the composite polynomial of a*step(x) + b, where
// step(x) = (sign(x) + 1) / 2, from the first n stages of a sign profile.
func stepPoly(profile [][]string, n int, a, b float64) hefloat.MinimaxCompositePolynomial {
	mcp := hefloat.NewMinimaxCompositePolynomial(profile[:n])
	last := mcp[n-1].Clone()
	half := new(big.Float).SetFloat64(a / 2)
	for i := range last.Coeffs {
		last.Coeffs[i][0].Mul(last.Coeffs[i][0], half)
	}
	last.Coeffs[0][0].Add(last.Coeffs[0][0], new(big.Float).SetFloat64(a/2+b))
	mcp[n-1] = last
	return mcp
}
