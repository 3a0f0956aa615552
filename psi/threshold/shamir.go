package threshold

import (
	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/psi/internal/ec"
)

// Shamir secret sharing over the ristretto255 scalar field (prime order
// l = 2^252 + 27742317777372353535851937790883648493), the field of
// circl's group.Ristretto255 scalars. The server finds k genuine shares
// with the detectable hash function (dhf.go) and interpolates f(0) from
// them; a commitment to f(0) confirms the result.

func scalarZero() group.Scalar { return ec.Group.NewScalar() }

func scalarOne() group.Scalar { return ec.Group.NewScalar().SetUint64(1) }

// polyEval returns sum c[i] x^i by Horner's rule.
func polyEval(c []group.Scalar, x group.Scalar) group.Scalar {
	r := scalarZero()
	for i := len(c) - 1; i >= 0; i-- {
		r.Mul(r, x)
		r.Add(r, c[i])
	}
	return r
}

// lagrangeAtZero returns P(0) for the polynomial P of degree below
// len(xs) through the points (xs[i], ys[i]); the xs must be distinct and
// non-zero. O(len(xs)^2) operations.
func lagrangeAtZero(xs, ys []group.Scalar) group.Scalar {
	sum := scalarZero()
	num, den, tmp := scalarOne(), scalarOne(), scalarZero()
	for i := range xs {
		num.SetUint64(1)
		den.SetUint64(1)
		for j := range xs {
			if i == j {
				continue
			}
			num.Mul(num, xs[j])
			den.Mul(den, tmp.Sub(xs[j], xs[i]))
		}
		tmp.Inv(den)
		tmp.Mul(tmp, num)
		tmp.Mul(tmp, ys[i])
		sum.Add(sum, tmp)
	}
	return sum
}
