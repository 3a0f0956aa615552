package audit

import (
	"bytes"
	"testing"
)

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
	f.Add(append([]byte{2, 'd', 'b'}, make([]byte, 104)...))
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s SignedHead
		if s.UnmarshalBinary(b) != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) || s.BinarySize() != len(b) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
