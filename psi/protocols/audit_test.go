package protocols_test

import (
	"strings"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	_ "github.com/privmatch/privmatch/psi/protocols"
)

// TestAuditRefusedWhereUnsupported checks that a client asked to audit its
// list either supports the check (oprf-psi, threshold-psi, he-exact, he-hamming, he-hamming-lsh,
// he-hash-match: their servers are psi.Auditable) or refuses to be built,
// so no device believes it checked a list it did not. Image protocols
// (he-hash-match) are built for the phash8 hashes they compute.
func TestAuditRefusedWhereUnsupported(t *testing.T) {
	auditing := map[string]bool{"oprf-psi": true, "threshold-psi": true, "he-exact": true, "he-hamming": true, "he-hamming-lsh": true, "he-hash-match": true}
	opts := psi.Options{Audit: &audit.Device{}}
	for _, p := range psi.All() {
		t.Run(p.Name(), func(t *testing.T) {
			kind, bits := phash.PDQKind, 256
			if _, ok := p.(psi.ImageProtocol); ok {
				kind, bits = phash.PHash8.Kind(), phash.PHash8.Bits()
			}
			_, err := p.NewClient(kind, bits, opts)
			if auditing[p.Name()] {
				if err != nil {
					t.Fatalf("%s refused an audited client: %v", p.Name(), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "Options.Audit") {
				t.Fatalf("want a refusal naming Options.Audit, got %v", err)
			}
		})
	}
}
