package oprf

import (
	"crypto/rand"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
)

// MatchedHash returns the hash a matching voucher revealed to the server
// (the zero Hash when the voucher did not match).
func MatchedHash(q psi.Steps) phash.Hash {
	if sq, ok := q.(*oprfServerQuery); ok {
		return sq.matched
	}
	return phash.Hash{}
}

// PartWork is the server's count of element decodings, scalar
// multiplications, AEAD openings and table checks for one voucher.
type PartWork struct{ Decoded, Multiplied, Opened, Checked int }

// VoucherWork returns the work a server query did on its voucher's parts.
func VoucherWork(q psi.Steps) PartWork {
	w := q.(*oprfServerQuery).work
	return PartWork{w.decoded, w.multiplied, w.opened, w.checked}
}

// ForgeVoucher builds the voucher a device that knows only the public
// table key L can make: every part uses Q = r*G and S = r*L, so a*Q = S
// and every part's outer key is right, for any payload.
func ForgeVoucher(t *Table, bits int, payload []byte) (*Voucher, error) {
	L := ec.Group.NewElement()
	if err := L.UnmarshalBinary(t.L[:]); err != nil {
		return nil, err
	}
	v := &Voucher{bits: bits}
	for i := range v.Parts {
		r, err := ec.Scalar(rand.Reader)
		if err != nil {
			return nil, err
		}
		Q := ec.Group.NewElement().MulGen(r)
		S := ec.Group.NewElement().Mul(L, r)
		qb, err := Q.MarshalBinaryCompress()
		if err != nil {
			return nil, err
		}
		copy(v.Parts[i].Q[:], qb)
		aead, err := voucherKey(S, i, v.Parts[i].Q[:])
		if err != nil {
			return nil, err
		}
		v.Parts[i].Ciphertext = aead.Seal(nil, ec.ZeroNonce[:], payload, append([]byte{byte(i)}, v.Parts[i].Q[:]...))
	}
	return v, nil
}
