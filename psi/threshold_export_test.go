package psi

import "github.com/cloudflare/circl/group"

// SampleShares returns g points on a random polynomial of degree k-1 and z
// random points (tests and benchmarks only).
func SampleShares(k, g, z int) (xs, ys []group.Scalar) {
	rnd := oprfRand(Options{})
	f := make([]group.Scalar, k)
	for i := range f {
		f[i], _ = oprfScalar(rnd)
	}
	for i := 0; i < g+z; i++ {
		x, _ := oprfScalar(rnd)
		y := polyEval(f, x)
		if i >= g {
			y, _ = oprfScalar(rnd)
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys
}

// DecodeSharesForBench exposes decodeShares to benchmarks.
func DecodeSharesForBench(xs, ys []group.Scalar, k int) ([]group.Scalar, error) {
	return decodeShares(xs, ys, k)
}
