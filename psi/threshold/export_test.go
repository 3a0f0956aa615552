package threshold

import (
	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
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

// ForgeShareVoucher is what a device can build from its own account key
// and the public L alone: a genuine share (x, f(x)) whose inner layer
// carries payload h, in a part whose outer key it forged (Q = r*G,
// S = r*L), so the part opens whatever the table holds.
func ForgeShareVoucher(c *Client, h phash.Hash) (*Voucher, error) {
	rnd := ec.Rand(psi.Options{})
	x, err := ec.Scalar(rnd)
	if err != nil {
		return nil, err
	}
	xb, _ := x.MarshalBinary()
	yb, _ := polyEval(c.coef, x).MarshalBinary()
	inAEAD, err := thresholdInnerKey(c.account, c.coef[0], xb)
	if err != nil {
		return nil, err
	}
	inner := inAEAD.Seal(nil, ec.ZeroNonce[:], h.Bytes(), append(c.account[:], xb...))
	plain := append(append(xb, yb...), inner...)
	v := &Voucher{bits: c.bits, Account: c.account, Commit: c.commit}
	if err := c.junkPart(&v.Parts[1]); err != nil {
		return nil, err
	}
	if err := c.junkPart(&v.Parts[2]); err != nil {
		return nil, err
	}
	r, err := ec.Scalar(rnd)
	if err != nil {
		return nil, err
	}
	qb, err := ec.Group.NewElement().MulGen(r).MarshalBinaryCompress()
	if err != nil {
		return nil, err
	}
	copy(v.Parts[0].Q[:], qb)
	outAEAD, err := thresholdOuterKey(ec.Group.NewElement().Mul(c.L, r), qb)
	if err != nil {
		return nil, err
	}
	v.Parts[0].Outer = outAEAD.Seal(nil, ec.ZeroNonce[:], plain, outerAD(v, qb))
	return v, nil
}
