package threshold

import (
	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
)

// SampleRows returns the detectable-hash rows of g genuine shares of one
// device (k, S) followed by z synthetic ones (tests and benchmarks only).
func SampleRows(k, s, g, z int) [][]group.Scalar {
	rnd := ec.Rand(psi.Options{})
	var d dhfKey
	d.coef = make([][]group.Scalar, k-1)
	for l := range d.coef {
		for j := 0; j < s; j++ {
			c, _ := ec.Scalar(rnd)
			d.coef[l] = append(d.coef[l], c)
		}
	}
	var rows [][]group.Scalar
	for i := 0; i < g+z; i++ {
		x, _ := ec.Scalar(rnd)
		w := d.eval(x, s)
		if i >= g {
			for j := range w {
				w[j], _ = ec.Scalar(rnd)
			}
		}
		rows = append(rows, dhfRow(x, w, k))
	}
	return rows
}

// Detect adds rows to a fresh detector in order and returns the index of
// the first row that closes a dependency and that dependency's support
// (-1, nil if none does).
func Detect(rows [][]group.Scalar) (int, []int) {
	var d detector
	for i, r := range rows {
		if sup := d.add(i, r); sup != nil {
			return i, sup
		}
	}
	return -1, nil
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
// and the public L alone: a genuine share (x, f(x)) with its
// detectable-hash values, whose inner layer carries payload h, in a part
// whose outer key it forged (Q = r*G, S = r*L), so the part opens whatever
// the table holds.
func ForgeShareVoucher(c *Client, h phash.Hash) (*Voucher, error) {
	return forge(c, c.account, c.commit, h, false, nil)
}

// OffPolynomialVoucher is a device's share whose detectable-hash values
// are right but whose y is not f(x), in a part forged from L.
func OffPolynomialVoucher(c *Client, h phash.Hash) (*Voucher, error) {
	return forge(c, c.account, c.commit, h, false, func(plain []byte) {
		y, _ := c.scalar()
		yb, _ := y.MarshalBinary()
		copy(plain[32:64], yb)
	})
}

// StrangerVoucher is what anyone who has seen an account's (account,
// commitment) can send: a voucher whose part opens from L alone and whose
// body is uniform (the stranger lacks the account's keys). c supplies only
// randomness, the table key L and the hash shape.
func StrangerVoucher(c *Client, acct AccountID, commit [32]byte) (*Voucher, error) {
	return forge(c, acct, commit, phash.Hash{}, true, nil)
}

func forge(c *Client, acct AccountID, commit [32]byte, h phash.Hash, junk bool, edit func([]byte)) (*Voucher, error) {
	plain, err := c.body(h, junk)
	if err != nil {
		return nil, err
	}
	if edit != nil {
		edit(plain)
	}
	v := &Voucher{bits: c.bits, s: c.s, Account: acct, Commit: commit}
	key, _ := c.random(bodyKeySize)
	aead, err := gcmFromKey(key)
	if err != nil {
		return nil, err
	}
	v.Body = aead.Seal(nil, ec.ZeroNonce[:], plain, bodyAD(v))
	if err := c.junkPart(&v.Parts[1]); err != nil {
		return nil, err
	}
	if err := c.junkPart(&v.Parts[2]); err != nil {
		return nil, err
	}
	r, err := c.scalar()
	if err != nil {
		return nil, err
	}
	return v, sealPart(&v.Parts[0], v, ec.Group.NewElement().MulGen(r), ec.Group.NewElement().Mul(c.L, r), key)
}

// SyntheticVoucher builds the device's synthetic voucher for h, as Start
// does when its coin says so.
func SyntheticVoucher(c *Client, h phash.Hash) (*Voucher, error) {
	q, err := c.NewQuery(h)
	if err != nil {
		return nil, err
	}
	return q.(*thresholdClientQuery).build(true)
}

// GenuineVoucher builds the device's genuine voucher for h.
func GenuineVoucher(c *Client, h phash.Hash) (*Voucher, error) {
	q, err := c.NewQuery(h)
	if err != nil {
		return nil, err
	}
	return q.(*thresholdClientQuery).build(false)
}
