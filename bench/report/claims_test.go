package report

import (
	"strings"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// TestClaimsRender: the integrity section prints each protocol's claims
// with their adversary and status, the plain-language count first, and
// the table counts tested and untested claims per protocol; a ledger
// without claims says so.
func TestClaimsRender(t *testing.T) {
	r := fixture(t)
	if r.Feasibility == nil || len(r.Feasibility.Protocols) < 2 {
		t.Fatal("fixture has fewer than two protocols")
	}
	ps := r.Feasibility.Protocols
	ps[0].Ledger.Claims = []psi.Claim{
		{Adversary: psi.SemiHonest, Holds: true, Test: "he/hamming.TestNoRatioLeak", Statement: "the server learns nothing on a non-match."},
		{Adversary: psi.MaliciousServer, Holds: false, Statement: "a malicious server reads the query"},
		{Adversary: psi.MaliciousClient, Holds: false, Test: "psi/hehamming.TestHEHammingAlteredReply", Statement: "a client forces either verdict"},
		{Adversary: psi.Network, Holds: true, Statement: "sizes are fixed"},
	}
	ps[1].Ledger.Claims = nil
	files, err := r.Render("x")
	if err != nil {
		t.Fatal(err)
	}
	md := string(files[MarkdownFile])
	start, end := strings.Index(md, "# Integrity: what each party learns"), strings.Index(md, "# The claim")
	if start < 0 || end < start {
		t.Fatalf("integrity section not found (%d, %d)", start, end)
	}
	sec := md[start:end]
	first := sec[strings.Index(sec, "## "+ps[0].Protocol+"\n"):]
	for _, want := range []string{
		"Its ledger makes 4 claims: 2 checked by an attack test in this project, 2 claimed, not tested. 2 of them state known weaknesses: attacks that work.",
		"- **Against a party that follows the protocol but looks at what it sees:** the server learns nothing on a non-match. Checked by the attack test `he/hamming.TestNoRatioLeak`.",
		"- **Against a cheating server:** a malicious server reads the query. Known weakness; claimed, not tested.",
		"- **Against a cheating phone:** a client forces either verdict. Known weakness, shown by the test `psi/hehamming.TestHEHammingAlteredReply`.",
		"- **Against someone watching the network:** sizes are fixed. Claimed, not tested.",
		"| " + ps[0].Protocol + " | 4 | 2 | 2 | 2 |",
		"| " + ps[1].Protocol + " | 0 | 0 | 0 | 0 |",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("integrity section lacks %q", want)
		}
	}
	if i := strings.Index(first, "Its ledger makes"); i < 0 || i > strings.Index(first, "**Against") {
		t.Error("the plain-language count does not come before the claims")
	}
	second := sec[strings.Index(sec, "## "+ps[1].Protocol+"\n"):]
	if !strings.Contains(second, "Its ledger does not list its claims one by one") {
		t.Error("a ledger without claims is not said to list none")
	}
}
