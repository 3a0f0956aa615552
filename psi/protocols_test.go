package psi_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestProtocols(t *testing.T) {
	for _, p := range psi.ProtocolsForTest() {
		t.Run(p.Name(), func(t *testing.T) { psitest.TestProtocol(t, p) })
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"plaintext-server", "on-device-list"} {
		p, err := psi.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name() != name {
			t.Errorf("ByName(%q).Name() = %q", name, p.Name())
		}
	}
	if _, err := psi.ByName("nope"); err == nil {
		t.Error("unknown protocol accepted")
	}
}

func TestExactRejectsThreshold(t *testing.T) {
	db := psitest.Database(t, 4, 1)
	for _, p := range psi.All() {
		if p.Name() == "he-hamming" || p.Name() == "he-hamming-lsh" {
			continue
		}
		if _, err := p.NewServer(db, psi.Options{Threshold: 3}); err == nil {
			t.Errorf("%s: server accepted threshold 3", p.Name())
		}
	}
}
