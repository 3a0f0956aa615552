package ec

import (
	"encoding/binary"
	"fmt"
)

// Table is the blinded cuckoo table the server ships once: the
// cuckoo seed, the public key L = a*G and m rows of 32-byte ristretto255
// elements. The device keeps the rows encoded and decodes only the rows it
// looks up.
type Table struct {
	Seed [16]byte
	L    [ElemSize]byte
	// Rows holds m encoded elements back to back.
	Rows []byte
}

const TableHeader = 16 + 4 + ElemSize

// NumRows is the number of rows m.
func (t *Table) NumRows() int { return len(t.Rows) / ElemSize }

// Kind names the message.
func (*Table) Kind() string { return Name + "/table" }

// BinarySize is 52 + 32*m.
func (t *Table) BinarySize() int { return TableHeader + len(t.Rows) }

// MarshalBinary writes seed, m (big-endian uint32), L and the rows.
func (t *Table) MarshalBinary() ([]byte, error) {
	if len(t.Rows)%ElemSize != 0 || t.NumRows() < MinRows {
		return nil, fmt.Errorf("psi: encode %s: bad row data of %d bytes", t.Kind(), len(t.Rows))
	}
	b := make([]byte, 0, t.BinarySize())
	b = append(b, t.Seed[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(t.NumRows()))
	b = append(b, t.L[:]...)
	return append(b, t.Rows...), nil
}

// UnmarshalBinary checks the row count against the length; rows are
// validated as group elements when the device reads them, and L at Setup.
func (t *Table) UnmarshalBinary(b []byte) error {
	if len(b) < TableHeader {
		return fmt.Errorf("psi: decode %s: %d bytes, header needs %d", t.Kind(), len(b), TableHeader)
	}
	m := uint64(binary.BigEndian.Uint32(b[16:20]))
	if m < MinRows {
		return fmt.Errorf("psi: decode %s: %d rows, need at least %d", t.Kind(), m, MinRows)
	}
	if uint64(len(b)-TableHeader) != m*ElemSize {
		return fmt.Errorf("psi: decode %s: %d rows need %d bytes, got %d", t.Kind(), m, m*ElemSize, len(b)-TableHeader)
	}
	copy(t.Seed[:], b[:16])
	copy(t.L[:], b[20:20+ElemSize])
	t.Rows = append([]byte(nil), b[TableHeader:]...)
	return nil
}
