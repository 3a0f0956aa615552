package psi

import (
	"fmt"
	"slices"
	"strings"
)

// Fact is one thing a party can learn from a run.
type Fact string

// Facts a ledger lists. They are coarse on purpose: a policy reader should
// be able to compare protocols by them.
const (
	// FactNothing: the party learns nothing beyond what it knew.
	FactNothing Fact = "nothing"
	// FactMatchBit: whether the query matched.
	FactMatchBit Fact = "match bit"
	// FactQueryHash: the client's hash itself.
	FactQueryHash Fact = "query hash"
	// FactQueryBits: some bits of the client's hash (the ledger's notes
	// say how many).
	FactQueryBits Fact = "bits of the query hash"
	// FactMatchedEntry: which database entry matched.
	FactMatchedEntry Fact = "matched entry"
	// FactDatabase: the whole database in the clear.
	FactDatabase Fact = "whole database"
	// FactDatabaseSize: how many entries the database has (up to padding).
	FactDatabaseSize Fact = "database size"
	// FactMessageSizes: the sizes and number of messages.
	FactMessageSizes Fact = "message sizes"
	// FactTiming: when messages are sent and how long each side takes.
	FactTiming Fact = "timing"
	// FactQueryHappened: that the client ran a query at all.
	FactQueryHappened Fact = "that a query happened"
)

// View is what one party learns on a match and on a non-match.
type View struct {
	OnMatch    []Fact `json:"on_match"`
	OnNonMatch []Fact `json:"on_non_match"`
	// Notes qualify the facts in words.
	Notes string `json:"notes,omitempty"`
}

// Ledger is a protocol's written account of its leakage and its security
// model. It is data: reports print it (String) or embed it (JSON).
type Ledger struct {
	Protocol string `json:"protocol"`
	// ResultTo says who learns the match bit: "server", "client" or
	// "both".
	ResultTo string `json:"result_to"`
	// Setup says what a client downloads once, if anything.
	Setup   string `json:"setup"`
	Server  View   `json:"server"`
	Client  View   `json:"client"`
	Network View   `json:"network"`
	// Model is the security model under which the views hold, such as
	// "semi-honest".
	Model string `json:"model"`
	// MaliciousServer and MaliciousClient say what a party that deviates
	// from the protocol can do.
	MaliciousServer string `json:"malicious_server"`
	MaliciousClient string `json:"malicious_client"`
	// Claimed lists properties that are argued, not tested by this
	// project's code.
	Claimed []string `json:"claimed"`
	// Claims are the ledger's statements one by one, each with the
	// adversary it holds against and the attack test that tries to break
	// it (Test empty: claimed, not tested).
	Claims []Claim `json:"claims,omitempty"`
}

// Adversary names who a ledger claim is made against.
type Adversary string

// The adversaries a ledger claim can name.
const (
	SemiHonest      Adversary = "semi-honest"
	MaliciousClient Adversary = "malicious client"
	MaliciousServer Adversary = "malicious server"
	Network         Adversary = "network"
)

// Claim is one ledger statement: against whom it holds, what it says, and
// the test that attacks it. A claim whose Test is empty is printed as
// "claimed, not tested"; a claim that records a known weakness sets Holds
// to false and names the test that demonstrates the attack.
type Claim struct {
	Adversary Adversary `json:"adversary"`
	// Statement says, in plain words, what the adversary learns or can do.
	Statement string `json:"statement"`
	// Holds is false when the statement describes an attack that works.
	Holds bool `json:"holds"`
	// Test names the attack test (package and test function) that checks
	// the statement, empty when none does.
	Test string `json:"test,omitempty"`
}

// Tested reports whether an attack test checks the claim.
func (c Claim) Tested() bool { return c.Test != "" }

// String prints the claim on one line.
func (c Claim) String() string {
	status := "claimed, not tested"
	if c.Tested() {
		status = "tested by " + c.Test
	}
	if !c.Holds {
		status = "known weakness; " + status
	}
	return fmt.Sprintf("[%s] %s (%s)", c.Adversary, c.Statement, status)
}

// TransportClaims are the claims every protocol makes about its messages
// on psi's drivers, each checked by psitest.TestAdversarial run from the
// protocol's package directory dir (such as "psi/oprf"): malformed,
// misplaced and mismatched messages end a session cleanly. except names
// attacks that do not apply to the protocol (psitest skips them). Replays,
// echoes, adaptive clients and timing differ by protocol: each ledger
// states its own.
func TransportClaims(dir string, except ...string) []Claim {
	return AttackClaims(dir, transportClaims, except...)
}

// AttackRow is one ledger claim checked by an attack of
// psitest.TestAdversarial (or, with an attack name starting "Test", by
// that test of the protocol's package), written on one line.
type AttackRow struct {
	Attack    string
	Adversary Adversary
	Holds     bool
	Statement string
}

// AttackClaims turns rows into claims whose tests are
// dir.TestAdversarial/<attack> (dir.<attack> for an attack starting
// "Test"), leaving out the attacks named in except.
func AttackClaims(dir string, rows []AttackRow, except ...string) []Claim {
	var out []Claim
	for _, r := range rows {
		if slices.Contains(except, r.Attack) {
			continue
		}
		test := dir + ".TestAdversarial/" + r.Attack
		if strings.HasPrefix(r.Attack, "Test") {
			test = dir + "." + r.Attack
		}
		out = append(out, Claim{Adversary: r.Adversary, Statement: r.Statement, Holds: r.Holds, Test: test})
	}
	return out
}

var transportClaims = []AttackRow{
	{"truncated", Network, true, "a message cut short, from either side, ends the session with an error naming it, never a panic or a hang; the server goes on serving"},
	{"oversized", Network, true, "a message longer than its parameters fix, from either side, ends the session with an error naming it; the server goes on serving"},
	{"bit-flipped", Network, true, "a message with a flipped bit ends the session with an error or completes, never a panic or a hang; the server goes on serving"},
	{"reordered", Network, true, "a message of another step sent in place of the expected one ends the session cleanly (error or completion)"},
	{"wrong-params", MaliciousClient, true, "a client of other hashes (kind or length), or of another protocol, is refused at the hello, with an error naming both"},
}

// String prints the ledger as an aligned text block.
func (l Ledger) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "protocol %s (result to %s; model: %s)\n", l.Protocol, l.ResultTo, l.Model)
	fmt.Fprintf(&b, "  setup: %s\n", l.Setup)
	row := func(who string, v View) {
		fmt.Fprintf(&b, "  %-8s on match: %s\n", who, facts(v.OnMatch))
		fmt.Fprintf(&b, "  %-8s on non-match: %s\n", "", facts(v.OnNonMatch))
		if v.Notes != "" {
			fmt.Fprintf(&b, "  %-8s note: %s\n", "", v.Notes)
		}
	}
	row("server", l.Server)
	row("client", l.Client)
	row("network", l.Network)
	fmt.Fprintf(&b, "  malicious server: %s\n", l.MaliciousServer)
	fmt.Fprintf(&b, "  malicious client: %s\n", l.MaliciousClient)
	for _, c := range l.Claimed {
		fmt.Fprintf(&b, "  claimed, not tested: %s\n", c)
	}
	for _, c := range l.Claims {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	return b.String()
}

func facts(fs []Fact) string {
	if len(fs) == 0 {
		return string(FactNothing)
	}
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Learns reports whether the party ("server", "client" or "network")
// learns f on a match (match true) or a non-match.
func (l Ledger) Learns(party string, match bool, f Fact) bool {
	var v View
	switch party {
	case "server":
		v = l.Server
	case "client":
		v = l.Client
	case "network":
		v = l.Network
	default:
		return false
	}
	fs := v.OnNonMatch
	if match {
		fs = v.OnMatch
	}
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}
