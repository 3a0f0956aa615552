package hehashmatch_test

import (
	"image"
	"os"
	"testing"
	"time"

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

// TestReplayedKeys, with PRIVMATCH_HEHASHMATCH_SLOW set, replays one
// client's key upload into another client's setup: the server accepts
// it (psi's transport does not authenticate, and nothing ties the keys
// to a session), so a replayed setup is not refused before the server
// computes; the ledger states it. About 20 CPU-s and 5 GB at
// HM13Insecure.
func TestReplayedKeys(t *testing.T) {
	if os.Getenv(slowEnv) == "" {
		t.Skip("set " + slowEnv + "=1: two key sets and setups at N = 2^13")
	}
	db, _ := fixture(t)
	opts := psi.Options{Threshold: threshold}
	srv, err := hehashmatch.Test.NewServer(db, opts)
	require.NoError(t, err)
	newClient := func() psi.Client {
		cli, err := hehashmatch.Test.NewClient(db.Kind, db.Bits, opts)
		require.NoError(t, err)
		return cli
	}
	sv := psitest.Serve(t, srv, db, psi.ServeOptions{Timeout: 5 * time.Minute})
	first := psitest.AttackImages(t, sv, newClient(), db.Kind, db.Bits, nil)
	require.False(t, first.Failed(), "honest setup: %s", first)
	var keys []byte
	for _, f := range first.Frames {
		if f.Dir == psi.Up && f.Exchange == 0 {
			keys = f.Bytes
		}
	}
	require.NotEmpty(t, keys)
	replay := func(f psitest.Frame) []byte {
		if f.Dir == psi.Up && f.Exchange == 0 {
			require.NotEqual(t, keys, f.Bytes, "two clients made the same keys")
			return keys
		}
		return f.Bytes
	}
	at := psitest.AttackImages(t, sv, newClient(), db.Kind, db.Bits, replay)
	t.Logf("another client's keys replayed into a setup: %s", at)
	require.False(t, at.Failed(), "the server refused replayed keys; the ledger says it accepts them")
}

// TestLedger checks the ledger's claims without running a query: each is
// well formed and names a test that exists (TestHEHashMatchImages checks
// them too, in minutes).
func TestLedger(t *testing.T) { psitest.CheckLedgerClaims(t, hehashmatch.Protocol) }
