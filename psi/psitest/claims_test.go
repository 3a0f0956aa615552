package psitest

import (
	"fmt"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// TestClaimErrors: a well-formed claim passes; each kind of bad claim is
// reported, one error each.
func TestClaimErrors(t *testing.T) {
	good := psi.Claim{Adversary: psi.MaliciousServer, Statement: "s", Holds: true, Test: "psi/psitest.TestClaimErrors"}
	untested := psi.Claim{Adversary: psi.Network, Statement: "s"}
	if errs := claimErrors("p", psi.Ledger{Claims: []psi.Claim{good, untested}}); len(errs) != 0 {
		t.Errorf("good claims: %v", errs)
	}
	for name, c := range map[string]psi.Claim{
		"no adversary":  {Statement: "s"},
		"odd adversary": {Adversary: "everyone", Statement: "s"},
		"no statement":  {Adversary: psi.SemiHonest, Statement: " "},
		"missing test":  {Adversary: psi.SemiHonest, Statement: "s", Test: "psi/psitest.TestNoSuchAttack"},
		"missing dir":   {Adversary: psi.SemiHonest, Statement: "s", Test: "psi/nosuch.TestClaimErrors"},
		"not a test":    {Adversary: psi.SemiHonest, Statement: "s", Test: "psi/psitest.claimErrors"},
		"no dir":        {Adversary: psi.SemiHonest, Statement: "s", Test: "TestClaimErrors"},
	} {
		if errs := claimErrors("p", psi.Ledger{Claims: []psi.Claim{good, c}}); len(errs) != 1 {
			t.Errorf("%s: %d errors %v, want 1", name, len(errs), errs)
		} else {
			t.Logf("%s: %v", name, errs[0])
		}
	}
	if errs := claimErrors("p", psi.Ledger{}); fmt.Sprint(errs) != "[p: ledger lists no claims]" {
		t.Errorf("no claims: %v", errs)
	}
}

// TestClaimNamesAttack: a claim may name one of the suite's attacks as a
// subtest of an existing test, and no other subtest.
func TestClaimNamesAttack(t *testing.T) {
	ok := psi.Claim{Adversary: psi.Network, Statement: "s", Holds: true, Test: "psi/plaintext.TestAdversarial/" + AttackTruncated}
	bad := psi.Claim{Adversary: psi.Network, Statement: "s", Holds: true, Test: "psi/plaintext.TestAdversarial/no-such-attack"}
	if errs := claimErrors("p", psi.Ledger{Claims: []psi.Claim{ok}}); len(errs) != 0 {
		t.Errorf("attack subtest: %v", errs)
	}
	if errs := claimErrors("p", psi.Ledger{Claims: []psi.Claim{bad}}); len(errs) != 1 {
		t.Errorf("unknown subtest: %v, want one error", errs)
	}
}
