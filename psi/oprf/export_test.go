package oprf

import (
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
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
// multiplications and AEAD openings for one voucher.
type PartWork struct{ Decoded, Multiplied, Opened int }

// VoucherWork returns the work a server query did on its voucher's parts.
func VoucherWork(q psi.Steps) PartWork {
	w := q.(*oprfServerQuery).work
	return PartWork{w.decoded, w.multiplied, w.opened}
}
