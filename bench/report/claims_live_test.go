package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// TestClaimsFromLiveLedgers: the report prints the ledgers a run records,
// so with every registered protocol's ledger as it is now (the attack
// suite's and the audit check's claims included) the integrity section
// shows each claim's statement and test, and its table counts them.
func TestClaimsFromLiveLedgers(t *testing.T) {
	r := fixture(t)
	if r.Feasibility == nil {
		t.Fatal("fixture has no feasibility run")
	}
	var live []psi.Ledger
	for i, pf := range r.Feasibility.Protocols {
		p, err := psi.ByName(pf.Protocol)
		if err != nil {
			t.Logf("%s: not registered now: %v", pf.Protocol, err)
			continue
		}
		r.Feasibility.Protocols[i].Ledger = p.Ledger()
		live = append(live, p.Ledger())
	}
	if len(live) == 0 {
		t.Fatal("no protocol of the fixture is registered")
	}
	out, err := r.Render("x")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, found := strings.Cut(string(out[MarkdownFile]), "# Integrity: what each party learns")
	sec, _, ended := strings.Cut(sec, "# The claim")
	if !found || !ended {
		t.Fatal("integrity section not found")
	}
	attacks := 0
	for _, led := range live {
		c := countClaims(led)
		row := fmt.Sprintf("| %s | %d | %d | %d | %d |", led.Protocol, c.All, c.Tested, c.All-c.Tested, c.Weak)
		if !strings.Contains(sec, row) {
			t.Errorf("%s: table lacks %q", led.Protocol, row)
		}
		for _, cl := range led.Claims {
			if !strings.Contains(sec, trimDot(cl.Statement)) {
				t.Errorf("%s: claim %q not printed", led.Protocol, cl.Statement)
			}
			if cl.Tested() && !strings.Contains(sec, "`"+cl.Test+"`") {
				t.Errorf("%s: test %s not printed", led.Protocol, cl.Test)
			}
			if strings.Contains(cl.Test, ".TestAdversarial/") {
				attacks++
			}
		}
	}
	if attacks == 0 {
		t.Error("no claim of the attack suite (TestAdversarial) reached the report")
	}
}
