package psi

import (
	"encoding/binary"
	"fmt"
)

// OPRFTable is the blinded cuckoo table the server ships once: the
// cuckoo seed, the public key L = a*G and m rows of 32-byte ristretto255
// elements. The device keeps the rows encoded and decodes only the rows it
// looks up.
type OPRFTable struct {
	Seed [16]byte
	L    [oprfElemSize]byte
	// Rows holds m encoded elements back to back.
	Rows []byte
}

const oprfTableHeader = 16 + 4 + oprfElemSize

func (t *OPRFTable) rows() int { return len(t.Rows) / oprfElemSize }

// Kind names the message.
func (*OPRFTable) Kind() string { return oprfName + "/table" }

// BinarySize is 52 + 32*m.
func (t *OPRFTable) BinarySize() int { return oprfTableHeader + len(t.Rows) }

// MarshalBinary writes seed, m (big-endian uint32), L and the rows.
func (t *OPRFTable) MarshalBinary() ([]byte, error) {
	if len(t.Rows)%oprfElemSize != 0 || t.rows() < cuckooMinRows {
		return nil, fmt.Errorf("psi: encode %s: bad row data of %d bytes", t.Kind(), len(t.Rows))
	}
	b := make([]byte, 0, t.BinarySize())
	b = append(b, t.Seed[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(t.rows()))
	b = append(b, t.L[:]...)
	return append(b, t.Rows...), nil
}

// UnmarshalBinary checks the row count against the length; rows are
// validated as group elements when the device reads them, and L at Setup.
func (t *OPRFTable) UnmarshalBinary(b []byte) error {
	if len(b) < oprfTableHeader {
		return fmt.Errorf("psi: decode %s: %d bytes, header needs %d", t.Kind(), len(b), oprfTableHeader)
	}
	m := uint64(binary.BigEndian.Uint32(b[16:20]))
	if m < cuckooMinRows {
		return fmt.Errorf("psi: decode %s: %d rows, need at least %d", t.Kind(), m, cuckooMinRows)
	}
	if uint64(len(b)-oprfTableHeader) != m*oprfElemSize {
		return fmt.Errorf("psi: decode %s: %d rows need %d bytes, got %d", t.Kind(), m, m*oprfElemSize, len(b)-oprfTableHeader)
	}
	copy(t.Seed[:], b[:16])
	copy(t.L[:], b[20:20+oprfElemSize])
	t.Rows = append([]byte(nil), b[oprfTableHeader:]...)
	return nil
}

// OPRFVoucherPart is one cuckoo row's share of a voucher: Q_i and the
// payload sealed under the key derived from S_i.
type OPRFVoucherPart struct {
	Q          [oprfElemSize]byte
	Ciphertext []byte
}

// OPRFVoucher is what the device sends per image: one part per cuckoo
// way, each 32 + ceil(bits/8) + 16 bytes.
type OPRFVoucher struct {
	bits  int
	Parts [cuckooWays]OPRFVoucherPart
}

func (v *OPRFVoucher) ctLen() int { return hashBytes(v.bits) + 16 }

// Kind names the message.
func (*OPRFVoucher) Kind() string { return oprfName + "/voucher" }

// BinarySize is 3 * (32 + ceil(bits/8) + 16): 240 bytes for 256-bit
// hashes.
func (v *OPRFVoucher) BinarySize() int { return cuckooWays * (oprfElemSize + v.ctLen()) }

// MarshalBinary writes the parts back to back.
func (v *OPRFVoucher) MarshalBinary() ([]byte, error) {
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
func (v *OPRFVoucher) UnmarshalBinary(b []byte) error {
	if len(b) != v.BinarySize() {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d", v.Kind(), len(b), v.BinarySize())
	}
	step := oprfElemSize + v.ctLen()
	for i := range v.Parts {
		chunk := b[i*step : (i+1)*step]
		Q := oprfGroup.NewElement()
		if err := Q.UnmarshalBinary(chunk[:oprfElemSize]); err != nil || Q.IsIdentity() {
			return fmt.Errorf("psi: decode %s: part %d: Q is not a valid non-identity element", v.Kind(), i)
		}
		copy(v.Parts[i].Q[:], chunk[:oprfElemSize])
		v.Parts[i].Ciphertext = append([]byte(nil), chunk[oprfElemSize:]...)
	}
	return nil
}
