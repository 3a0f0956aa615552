package threshold_test

import (
	"fmt"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// upload runs a voucher built outside the client's query through the
// server, through its encoding.
func (r *thresholdRig) upload(t *testing.T, v *threshold.Voucher) psi.Outcome {
	t.Helper()
	return psitest.Deliver(t, r.sess, v).Outcome()
}

// build returns a voucher for h from kind ("genuine", "synthetic",
// "stranger": always-opening junk from someone who has seen the account's
// header).
func (r *thresholdRig) build(t *testing.T, kind string, h phash.Hash) *threshold.Voucher {
	t.Helper()
	var v *threshold.Voucher
	var err error
	switch kind {
	case "genuine":
		v, err = threshold.GenuineVoucher(r.cli, h)
	case "synthetic":
		v, err = threshold.SyntheticVoucher(r.cli, h)
	default:
		v, err = threshold.StrangerVoucher(r.cli, r.cli.Account(), r.cli.Commit())
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestExactlyKWithSynthetic: with k genuine and z synthetic (or a
// stranger's junk) opened shares, z from 0 to 2k, the server reconstructs
// when the k-th genuine share opens, not before, and classifies every
// share; with k-1 genuine shares and 2k others it never does. The old
// Berlekamp-Welch decoder failed every case with z >= 1 (it needed
// genuine >= k + z).
func TestExactlyKWithSynthetic(t *testing.T) {
	const k = 5
	for _, other := range []string{"synthetic", "stranger"} {
		for _, z := range []int{0, 1, k, 2 * k} {
			for _, g := range []int{k - 1, k} {
				t.Run(fmt.Sprintf("%s/z=%d/g=%d", other, z, g), func(t *testing.T) {
					r := newThresholdRig(t, k, 0, 64)
					// Others first, then interleaved: the hardest order.
					var plan []string
					for i := 0; i < z; i++ {
						plan = append(plan, other)
					}
					for i := 0; i < g; i++ {
						plan = append(plan, "genuine")
						if i%2 == 0 && len(plan) > 2 {
							plan[len(plan)-1], plan[len(plan)/2] = plan[len(plan)/2], plan[len(plan)-1]
						}
					}
					gSent := 0
					for i, kind := range plan {
						h := r.db.Hashes[i]
						o := r.upload(t, r.build(t, kind, h))
						if kind == "genuine" {
							gSent++
						}
						rep := r.srv.Account(r.cli.Account())
						if rep.Reconstructed != (gSent >= k) {
							t.Fatalf("after %d uploads (%d genuine): reconstructed %v", i+1, gSent, rep.Reconstructed)
						}
						if !rep.Reconstructed && o.Known {
							t.Fatalf("upload %d: outcome %v before k", i, o)
						}
					}
					rep := r.srv.Account(r.cli.Account())
					if g < k {
						if rep.Reconstructed || len(rep.Matches) != 0 || rep.Opened != g+z {
							t.Fatalf("k-1 genuine: %+v", rep)
						}
						return
					}
					if rep.Genuine != k || rep.Synthetic != z || len(rep.Matches) != k || rep.Attempts != 1 {
						t.Fatalf("at k: %+v, want %d genuine, %d others, one attempt", rep, k, z)
					}
				})
			}
		}
	}
}

// TestReplayedVoucherSilent: a replayed voucher that opened is dropped
// like one that did not open, so replaying is no match-bit oracle.
func TestReplayedVoucherSilent(t *testing.T) {
	r := newThresholdRig(t, 3, 0, 64)
	v := r.build(t, "genuine", r.db.Hashes[0])
	r.upload(t, v)
	r.upload(t, v) // an error here would fail the test
	if rep := r.srv.Account(r.cli.Account()); rep.Opened != 1 || rep.Dropped != 1 || rep.Vouchers != 2 {
		t.Errorf("replay: %+v", rep)
	}
}

// TestStrangerJunkFillsCap demonstrates the ledger's weakness: a stranger
// who has seen an account's header sends always-opening junk. Detection
// sets it aside, but it fills the per-account cap (here MaxOpened = k+3),
// the owner's later genuine shares are dropped, and the account stays
// closed with k genuine matches sent.
func TestStrangerJunkFillsCap(t *testing.T) {
	const k = 3
	p, err := threshold.New(threshold.Params{K: k, MaxOpened: k + 3})
	if err != nil {
		t.Fatal(err)
	}
	r := newRigFor(t, p, nil)
	for i := 0; i < 4; i++ {
		r.upload(t, r.build(t, "stranger", r.db.Hashes[0]))
	}
	for i := 0; i < k; i++ {
		r.upload(t, r.build(t, "genuine", r.db.Hashes[i]))
	}
	rep := r.srv.Account(r.cli.Account())
	if rep.Reconstructed || rep.Opened != k+3 || rep.Dropped != 1 {
		t.Fatalf("after 4 junk and %d genuine shares: %+v, want closed, cap full, one genuine dropped", k, rep)
	}
	t.Logf("junk filled the cap: %+v", rep)
}

// TestDeviceOffPolynomialShare: a device's own share with the right
// detectable-hash values but y off f closes a dependency whose secret
// fails the commitment, so the account stays closed at k genuine-looking
// shares (evasion, which a device can always do); the bad row never joins
// the basis, so the next genuine share closes a dependency of genuine
// shares only and opens the account.
func TestDeviceOffPolynomialShare(t *testing.T) {
	const k = 3
	r := newThresholdRig(t, k, 0, 64)
	for i := 0; i < k-1; i++ {
		r.upload(t, r.build(t, "genuine", r.db.Hashes[i]))
	}
	bad, err := threshold.OffPolynomialVoucher(r.cli, r.db.Hashes[10])
	if err != nil {
		t.Fatal(err)
	}
	r.upload(t, bad)
	if rep := r.srv.Account(r.cli.Account()); rep.Reconstructed || rep.Attempts != 1 {
		t.Fatalf("after k-1 genuine and one off-polynomial share: %+v, want closed after one failed interpolation", rep)
	}
	r.upload(t, r.build(t, "genuine", r.db.Hashes[20]))
	rep := r.srv.Account(r.cli.Account())
	if !rep.Reconstructed || rep.Attempts != 2 {
		t.Fatalf("after the k-th genuine share: %+v, want open at the second interpolation", rep)
	}
	// The bad share's inner layer is the device's own, sealing a listed
	// hash, so it counts as that match: a device can only add its own
	// real matches this way.
	if rep.Genuine != k+1 || rep.Synthetic != 0 {
		t.Errorf("classification after opening: %+v", rep)
	}
}
