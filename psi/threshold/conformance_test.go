package threshold_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// TestConformance runs psitest's suite at k = 1 without synthetic
// vouchers, where the per-account verdict reaches the server at every
// voucher (see the package doc), and checks the registry's entry.
func TestConformance(t *testing.T) {
	p, err := threshold.New(threshold.Params{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	psitest.TestProtocol(t, p)
	reg, err := psi.ByName("threshold-psi")
	if err != nil {
		t.Fatal(err)
	}
	if reg != threshold.Protocol {
		t.Error("the registry's threshold-psi is not threshold.Protocol")
	}
	psitest.CheckLedgerClaims(t, reg)
}

// TestAdversarial runs psitest's attack suite at k = 1 without synthetic
// vouchers (as TestConformance), where every voucher's verdict reaches
// the server, so the suite can see what an attack changes.
func TestAdversarial(t *testing.T) {
	p, err := threshold.New(threshold.Params{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	psitest.TestAdversarial(t, p)
}

// TestAccountNames: names of 1 to 16 bytes print back as given; others
// are refused.
func TestAccountNames(t *testing.T) {
	id, err := threshold.ParseAccount("alice")
	if err != nil || id.String() != `"alice"` {
		t.Errorf("alice: %v %v", id, err)
	}
	for _, bad := range []string{"", "seventeen-bytes!!", "a\x00b"} {
		if _, err := threshold.ParseAccount(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	var raw threshold.AccountID
	raw[0], raw[15] = 0xff, 1
	if got := raw.String(); got != "ff000000000000000000000000000001" {
		t.Errorf("binary id prints %s", got)
	}
}
