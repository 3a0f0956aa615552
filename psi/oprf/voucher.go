package oprf

import (
	"fmt"

	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"
)

// VoucherPart is one cuckoo row's share of a voucher: Q_i and the
// payload sealed under the key derived from S_i.
type VoucherPart struct {
	Q          [ec.ElemSize]byte
	Ciphertext []byte
}

// Voucher is what the device sends per image: one part per cuckoo
// way, each 32 + ceil(bits/8) + 16 bytes.
type Voucher struct {
	bits  int
	Parts [ec.Ways]VoucherPart
}

func (v *Voucher) ctLen() int { return kit.HashBytes(v.bits) + 16 }

// Kind names the message.
func (*Voucher) Kind() string { return oprfName + "/voucher" }

// BinarySize is 3 * (32 + ceil(bits/8) + 16): 240 bytes for 256-bit
// hashes.
func (v *Voucher) BinarySize() int { return ec.Ways * (ec.ElemSize + v.ctLen()) }

// MarshalBinary writes the parts back to back.
func (v *Voucher) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, v.BinarySize())
	for i := range v.Parts {
		p := &v.Parts[i]
		if len(p.Ciphertext) != v.ctLen() {
			return nil, fmt.Errorf("psi: encode %s: part %d ciphertext %d bytes, want %d", v.Kind(), i, len(p.Ciphertext), v.ctLen())
		}
		b = append(b, p.Q[:]...)
		b = append(b, p.Ciphertext...)
	}
	return b, nil
}

// UnmarshalBinary checks the exact length and that every Q_i is a valid
// non-identity element.
func (v *Voucher) UnmarshalBinary(b []byte) error {
	if len(b) != v.BinarySize() {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d", v.Kind(), len(b), v.BinarySize())
	}
	step := ec.ElemSize + v.ctLen()
	for i := range v.Parts {
		chunk := b[i*step : (i+1)*step]
		Q := ec.Group.NewElement()
		if err := Q.UnmarshalBinary(chunk[:ec.ElemSize]); err != nil || Q.IsIdentity() {
			return fmt.Errorf("psi: decode %s: part %d: Q is not a valid non-identity element", v.Kind(), i)
		}
		copy(v.Parts[i].Q[:], chunk[:ec.ElemSize])
		v.Parts[i].Ciphertext = append([]byte(nil), chunk[ec.ElemSize:]...)
	}
	return nil
}
