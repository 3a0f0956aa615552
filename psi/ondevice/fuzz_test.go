package ondevice

import (
	"bytes"
	"testing"

	"github.com/privmatch/privmatch/psi/psitest"
)

func FuzzOnDeviceList(f *testing.F) {
	f.Add(append([]byte{0, 0, 0, 1}, bytes.Repeat([]byte{7}, 32)...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		psitest.CheckDecode(t, &List{kind: "pdq", bits: 256}, b)
		psitest.CheckDecode(t, &List{kind: "x", bits: 9}, b)
	})
}
