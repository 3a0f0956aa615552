package kit

import (
	"strings"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestLedger: an embedded ledger decodes with its fill-ins written in and
// the transport claims appended; one with an unknown field panics naming
// the package.
func TestLedger(t *testing.T) {
	b := Fill([]byte(`{"protocol":"p","setup":"keys of {n} B","claims":[{"adversary":"network","statement":"s","holds":true}]}`), "{n}", "42")
	led := Ledger(b, "psi/x", "reordered")
	if led.Protocol != "p" || led.Setup != "keys of 42 B" {
		t.Fatalf("ledger %+v", led)
	}
	if want := 1 + len(psi.TransportClaims("psi/x", "reordered")); len(led.Claims) != want || led.Claims[0].Statement != "s" {
		t.Fatalf("%d claims (first %+v), want %d", len(led.Claims), led.Claims[0], want)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "psi/x") {
			t.Fatalf("bad ledger: recovered %v, want a panic naming psi/x", r)
		}
	}()
	Ledger([]byte(`{"protocol":"p","typo":1}`), "psi/x")
}

// TestExactPreambles: the constructors' shared checks refuse what each
// names, and pass a well-formed request.
func TestExactPreambles(t *testing.T) {
	db := &psi.Database{Kind: phash.PDQKind, Bits: 256}
	for _, c := range []struct {
		name string
		err  error
		want string // "" : no error
	}{
		{"server", ExactServer("p", db, psi.Options{}), ""},
		{"server threshold", ExactServer("p", db, psi.Options{Threshold: 3}), "threshold must be 0"},
		{"server nil db", ExactServer("p", nil, psi.Options{}), "nil database"},
		{"server bad kind", CheckDatabase("p", &psi.Database{Bits: 256}), "bad hash kind"},
		{"client", ExactClient("p", false, phash.PDQKind, 256, psi.Options{}), ""},
		{"client audited", ExactClient("p", true, phash.PDQKind, 256, psi.Options{Audit: &audit.Device{}}), ""},
		{"client refuses audit", ExactClient("p", false, phash.PDQKind, 256, psi.Options{Audit: &audit.Device{}}), "Options.Audit"},
		{"client threshold", ExactClient("p", true, phash.PDQKind, 256, psi.Options{Threshold: 1}), "threshold must be 0"},
		{"client bits", ExactClient("p", true, phash.PDQKind, 0, psi.Options{}), "bad hash kind"},
		{"audit match", AuditMatches("p", true, true), ""},
		{"audit missing", AuditMatches("p", true, false), "unaudited"},
		{"audit unasked", AuditMatches("p", false, true), "without an audit device"},
	} {
		if c.want == "" && c.err != nil || c.want != "" && (c.err == nil || !strings.Contains(c.err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, c.err, c.want)
		}
	}
}
