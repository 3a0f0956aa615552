package hehashmatch_test

import (
	"image"
	"os"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/hehashmatch"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/stretchr/testify/require"
)

// slowEnv opts in to the attack suite (about 70 CPU-s and 5 GB at
// HM13Insecure, over the minute CI allows itself here) and to the
// audited setup's queries (minutes of bootstrapping each).
const slowEnv = "PRIVMATCH_HEHASHMATCH_SLOW"

// TestAdversarial runs psitest's attack suite for image protocols on
// he-hash-match at HM13Insecure, when PRIVMATCH_HEHASHMATCH_SLOW is set:
// setup messages and the query, edited on their way, must be refused (or,
// for a flipped bit of a setup message, refused or accepted) before the
// server computes on a query, every attack of psitest.ImageAttacks. Each
// edited session costs the server a setup (decoding 544 MB of keys,
// encoding the list).
func TestAdversarial(t *testing.T) {
	if os.Getenv(slowEnv) == "" {
		t.Skip("set " + slowEnv + "=1: he-hash-match setups at N = 2^13 (keys of 544 MB), about 70 CPU-s")
	}
	db, cases := fixture(t)
	psitest.TestAdversarialImage(t, hehashmatch.Test, db, psi.Options{Threshold: threshold}, cases[0].Image, psitest.ImageAttacks)
}

// TestAuditedSetup runs psitest's audited-setup suite on he-hash-match
// at HM13Insecure over TCP: the device checks the served head and
// parameters before it makes any key. Its honest sessions are setups
// alone, and with PRIVMATCH_HEHASHMATCH_SLOW=1 the first also queries a
// listed photo, which must match, and the server answering from another
// list under the published head is run with that query.
func TestAuditedSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("he-hash-match setups at N = 2^13 (keys of 544 MB): a minute")
	}
	db, cases := fixture(t)
	other, err := psi.Synth(phash.PHash8.Kind(), 64, 40, 23)
	require.NoError(t, err)
	var listed image.Image
	if os.Getenv(slowEnv) != "" {
		listed = cases[0].Image
	}
	psitest.TestAuditedSetupImage(t, hehashmatch.Test, db, other, psi.Options{Threshold: threshold}, listed)
}

// TestLedger checks the ledger's claims without running a query: each is
// well formed and names a test that exists (TestHEHashMatchImages checks
// them too, in minutes).
func TestLedger(t *testing.T) { psitest.CheckLedgerClaims(t, hehashmatch.Protocol) }
