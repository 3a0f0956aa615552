package audit

import (
	"bytes"
	"encoding"
	"testing"
)

// wire is what every decoded type of the package offers.
type wire interface {
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
	BinarySize() int
}

// checkDecode is the property every decoder must hold: bytes either fail
// to decode with an error, or decode to a value whose encoding is the
// same bytes and whose BinarySize is their length.
func checkDecode(t *testing.T, m wire, b []byte) {
	t.Helper()
	if err := m.UnmarshalBinary(b); err != nil {
		return
	}
	again, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("%T: decoded but does not re-encode: %v", m, err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("%T: round trip changed the bytes", m)
	}
	if m.BinarySize() != len(b) {
		t.Fatalf("%T: BinarySize %d, %d bytes", m, m.BinarySize(), len(b))
	}
}

func FuzzUnmarshalProof(f *testing.F) {
	f.Add([]byte{0})
	f.Add(append([]byte{1}, make([]byte, 32)...))
	f.Add([]byte{200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := UnmarshalProof(b)
		if err != nil {
			return
		}
		again, err := MarshalProof(p)
		if err != nil || !bytes.Equal(again, b) || ProofSize(len(p)) != len(b) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzUnmarshalEntryProof(f *testing.F) {
	f.Add(append(make([]byte, 8), 0, 0))
	f.Add(append(append(make([]byte, 8), 1), append(make([]byte, 32), 1, 0)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := UnmarshalEntryProof(b)
		if err != nil {
			return
		}
		again, err := MarshalEntryProof(p)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzSignedHead(f *testing.F) {
	f.Add(append([]byte{2, 'd', 'b'}, make([]byte, headFixed-1+64)...))
	f.Add(append([]byte{0}, make([]byte, headFixed-1+64)...))
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, &SignedHead{}, b) })
}

func FuzzHeadProof(f *testing.F) {
	f.Add([]byte{0, 0, 0})
	f.Add(append(append([]byte{1}, make([]byte, 32)...), 0, 2))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, &HeadProof{}, b) })
}

func FuzzParams(f *testing.F) {
	for _, p := range []Params{{}, oprfParams(1), {Protocol: "he-exact", Algorithm: "pdq", Bits: 256, Threshold: 31}} {
		b, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x80, 0x00, 0, 0, 0, 0, 0})              // overlong length
	f.Add([]byte{0, 0, 0, 0, 0, 2, 1, 'a', 0, 1, 'a', 0}) // repeated setting
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, &Params{}, b) })
}
