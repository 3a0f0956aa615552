package psitest

import (
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestOraclesDecide: the adaptive attack flags an alteration whose
// reaction follows the match bit, and not one whose reaction follows the
// values sent (here a coin per probe, seeded) or that is malformed.
func TestOraclesDecide(t *testing.T) {
	db := Database(t, 8, 1)
	a := &adversary{listed: db.Hashes[0], near: FlipBit(t, db.Hashes[0], 1)}
	alts := []alteration{{name: "x", alter: func(b, _ []byte) []byte { return b }}}
	oracle := func(h phash.Hash, _ func(b, prev []byte) []byte) (string, bool) {
		if h == a.listed {
			return "server error", false
		}
		return "completed", false
	}
	if got := a.oracles(t, oracle, alts); len(got) != 1 {
		t.Errorf("a reaction that follows the match bit: %v, want one finding", got)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	coin := func(phash.Hash, func(b, prev []byte) []byte) (string, bool) {
		if rng.IntN(2) == 0 {
			return "server error", false
		}
		return "completed", false
	}
	if got := a.oracles(t, coin, alts); len(got) != 0 {
		t.Errorf("a reaction that follows a coin: %v, want none", got)
	}
	malformed := func(h phash.Hash, f func(b, prev []byte) []byte) (string, bool) {
		r, _ := oracle(h, f)
		return r, true
	}
	if got := a.oracles(t, malformed, alts); len(got) != 0 {
		t.Errorf("malformed alterations: %v, want none", got)
	}
}

// TestCoverage: the attack suite fails a ledger that names no claim for an
// attack that ran, or names one for an attack that skipped, and passes
// one that names exactly the attacks that ran.
func TestCoverage(t *testing.T) {
	test := "psi/x.TestAdversarial"
	ran := map[string]bool{AttackTruncated: true, AttackTiming: true}
	skipped := map[string]bool{AttackTiming: true}
	claim := func(attack string) psi.Claim {
		return psi.Claim{Adversary: psi.Network, Statement: "s", Holds: true, Test: test + "/" + attack}
	}
	for _, tc := range []struct {
		name   string
		claims []psi.Claim
		errs   int
	}{
		{"exact", []psi.Claim{claim(AttackTruncated)}, 0},
		{"missing", nil, 1},
		{"names a skipped attack", []psi.Claim{claim(AttackTruncated), claim(AttackTiming)}, 1},
	} {
		if errs := coverage(psi.Ledger{Protocol: "x", Claims: tc.claims}, test, ran, skipped); len(errs) != tc.errs {
			t.Errorf("%s: %v, want %d errors", tc.name, errs, tc.errs)
		}
	}
}
