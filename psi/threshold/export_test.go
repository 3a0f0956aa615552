package threshold

import (
	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
)

// SampleShares returns g points on a random polynomial of degree k-1 and z
// random points (tests and benchmarks only).
func SampleShares(k, g, z int) (xs, ys []group.Scalar) {
	rnd := ec.Rand(psi.Options{})
	f := make([]group.Scalar, k)
	for i := range f {
		f[i], _ = ec.Scalar(rnd)
	}
	for i := 0; i < g+z; i++ {
		x, _ := ec.Scalar(rnd)
		y := polyEval(f, x)
		if i >= g {
			y, _ = ec.Scalar(rnd)
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys
}

// DecodeSharesForBench exposes decodeShares to benchmarks.
func DecodeSharesForBench(xs, ys []group.Scalar, k int) ([]group.Scalar, error) {
	return decodeShares(xs, ys, k)
}

// PartWork is the server's count of element decodings, scalar
// multiplications and AEAD openings for one voucher.
type PartWork struct{ Decoded, Multiplied, Opened int }

// VoucherWork returns the work a server query did on its voucher's parts.
func VoucherWork(q psi.Steps) PartWork {
	w := q.(*thresholdServerQuery).work
	return PartWork{w.decoded, w.multiplied, w.opened}
}
