package threshold_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi/threshold"
)

// TestReconstructionWorkBounded: a device (or anyone replaying an
// account's header with shares that open) pushes opened shares into one
// account. Before the maxKept every opened share at or above k triggered a
// decode of all shares held, O(m^3) with m unbounded; now the server keeps
// at most MaxOpened shares per account, drops the rest silently and
// attempts reconstruction at most MaxOpened-k+1 times.
func TestReconstructionWorkBounded(t *testing.T) {
	const k = 5
	r := newThresholdRigRand(t, k, 0.9, 64, seeded(3))
	const maxKept = 2*k + 16
	opened := 0
	for i := 0; i < 120; i++ {
		if o, synth := r.send(t, nonMatch(t, r.db, i)); synth {
			opened++
		} else if o.Known {
			t.Fatalf("voucher %d: outcome %v", i, o)
		}
	}
	rep := r.srv.Account(r.cli.Account())
	t.Logf("120 vouchers, %d synthetic: kept %d, dropped %d, %d attempts in %v", opened, rep.Opened, rep.Dropped, rep.Attempts, rep.DecodeTime)
	if opened <= maxKept {
		t.Fatalf("only %d synthetic vouchers: the test needs more than %d", opened, maxKept)
	}
	if rep.Opened != maxKept || rep.Dropped != opened-maxKept {
		t.Errorf("kept %d and dropped %d of %d opened shares, want %d kept", rep.Opened, rep.Dropped, opened, maxKept)
	}
	if rep.Attempts > maxKept-k+1 {
		t.Errorf("%d reconstruction attempts, want at most %d", rep.Attempts, maxKept-k+1)
	}
	if rep.Reconstructed {
		t.Error("an account of synthetic shares only was reconstructed")
	}
}

// TestMaxOpenedChecked: the maxKept must lie in k..MaxOpenedLimit.
func TestMaxOpenedChecked(t *testing.T) {
	for _, p := range []threshold.Params{{K: 5, MaxOpened: 4}, {K: 5, MaxOpened: threshold.MaxOpenedLimit + 1}, {K: 5, MaxOpened: -1}} {
		if _, err := threshold.New(p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if _, err := threshold.New(threshold.Params{K: 5, MaxOpened: 5}); err != nil {
		t.Error(err)
	}
}

// TestForeignCommitmentDoesNotLockOut: a stranger who has seen an
// account's identifier sends the first voucher under that account with
// another key commitment. Before the fix the account was bound to the
// first commitment and every later voucher of its owner was refused, so
// the owner's matches never reconstructed; now each commitment has its own
// bucket and the owner's k matches open as usual.
func TestForeignCommitmentDoesNotLockOut(t *testing.T) {
	const k = 3
	r := newThresholdRig(t, k, 0, 32)
	v := r.build(t, "genuine", r.db.Hashes[10])
	for i := range v.Commit {
		v.Commit[i] ^= 0x5a // another key's commitment
	}
	r.upload(t, v)
	for i := 0; i < k; i++ {
		r.send(t, r.db.Hashes[i])
	}
	if rep := r.srv.Account(r.cli.Account()); !rep.Reconstructed || rep.Genuine != k {
		t.Errorf("owner's %d matches after a foreign first voucher: %+v", k, rep)
	}
}

// TestForgedShareNotCountedAsMatch: a device holds its own account key, so
// it can seal an unlisted hash in a genuine share whose outer layer it
// forged from the public L; the share opens and, before the fix, the
// server recorded the unlisted hash as a match after reconstruction. Now
// a payload counts only if the table lists it.
func TestForgedShareNotCountedAsMatch(t *testing.T) {
	const k = 3
	r := newThresholdRig(t, k, 0, 32)
	unlisted := nonMatch(t, r.db, 5)
	v, err := threshold.ForgeShareVoucher(r.cli, unlisted)
	if err != nil {
		t.Fatal(err)
	}
	r.upload(t, v)
	if rep := r.srv.Account(r.cli.Account()); rep.Opened != 1 {
		t.Fatalf("forged share did not open (control): %+v", rep)
	}
	for i := 0; i < k-1; i++ {
		r.send(t, r.db.Hashes[i])
	}
	rep := r.srv.Account(r.cli.Account())
	if !rep.Reconstructed {
		t.Fatalf("k shares on the polynomial did not reconstruct: %+v", rep)
	}
	for _, h := range rep.Matches {
		if h == unlisted {
			t.Error("the server recorded an unlisted hash as a match")
		}
	}
	if rep.Genuine != k-1 {
		t.Errorf("genuine %d, want the %d listed vouchers", rep.Genuine, k-1)
	}
}
