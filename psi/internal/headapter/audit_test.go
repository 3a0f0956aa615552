package headapter_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/psitest"
)

// FuzzAudited: an audited setup message decodes only to a message that
// re-encodes to the same bytes with BinarySize their length.
func FuzzAudited(f *testing.F) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	head, err := audit.Sign(audit.TreeHead{Log: "db/x", Size: 3, History: audit.EmptyRoot}, priv)
	if err != nil {
		f.Fatal(err)
	}
	params := headapter.BlobOf("x/params", []byte{1, 2, 3, 4})
	b, err := (&headapter.Audited{Name: "x", Params: params, Head: head}).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		psitest.CheckDecode(t, &headapter.Audited{Name: "x", Params: headapter.NewBlob("x/params", 4)}, b)
	})
}
