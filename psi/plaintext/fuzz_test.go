package plaintext

import (
	"bytes"
	"testing"

	"github.com/privmatch/privmatch/psi/psitest"
)

func FuzzPlaintextQuery(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0xab}, 32))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		psitest.CheckDecode(t, &Query{kind: "pdq", bits: 256}, b)
		psitest.CheckDecode(t, &Query{kind: "x", bits: 63}, b)
	})
}

func FuzzPlaintextAnswer(f *testing.F) {
	f.Add([]byte{1})
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &Answer{}, b) })
}
