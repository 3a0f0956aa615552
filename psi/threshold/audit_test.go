package threshold_test

import (
	"strings"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/threshold"
)

// TestAuditRefused: threshold-psi cannot yet check its table against a
// published head, so a client asked to must refuse to be built.
func TestAuditRefused(t *testing.T) {
	p, err := threshold.New(threshold.Params{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.NewClient(phash.PDQKind, 256, psi.Options{Audit: &audit.Device{}})
	if err == nil || !strings.Contains(err.Error(), "Options.Audit") {
		t.Fatalf("want a refusal naming Options.Audit, got %v", err)
	}
}
