package bench

import (
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// voucherLen builds one threshold-psi voucher through the psi API and
// returns its encoded length.
func voucherLen(t *testing.T, k int) int {
	t.Helper()
	p, err := psi.NewThresholdPSI(psi.ThresholdParams{K: k, SyntheticRate: 0})
	if err != nil {
		t.Fatal(err)
	}
	db, err := psi.Synth(phash.PDQKind, 256, 16, 3)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := psi.RunSetup(srv, cli); err != nil {
		t.Fatal(err)
	}
	q, err := cli.NewQuery(db.Hashes[0])
	if err != nil {
		t.Fatal(err)
	}
	m, err := q.Start()
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

func TestRunThreshold(t *testing.T) {
	t.Run("no-synthetic", func(t *testing.T) {
		r, err := RunThreshold(ThresholdRunOptions{DBSize: 256, K: 5, SyntheticRate: 0, Unlisted: 20, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		// Without synthetic vouchers the account opens at exactly the
		// k-th listed voucher, with k genuine shares.
		if !r.Reconstructed || r.ListedSent != 5 || r.Genuine != 5 || r.Synthetic != 0 || r.Matches != 5 || r.OpenedBelowK != 4 {
			t.Errorf("run %+v: want opened at the 5th listed voucher", *r)
		}
		if want := voucherLen(t, 5); r.VoucherBytes != want {
			t.Errorf("voucher bytes %d, encoded voucher %d", r.VoucherBytes, want)
		}
		if r.UnlistedSent != 20 || r.Attempts < 1 || !(r.ClientMS > 0 && r.ServerUnlistedMS > 0 && r.DecodeMS > 0) {
			t.Errorf("run %+v: missing measurements", *r)
		}
	})
	t.Run("synthetic", func(t *testing.T) {
		r, err := RunThreshold(ThresholdRunOptions{DBSize: 256, K: 3, SyntheticRate: 0.3, Unlisted: 4, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		// Berlekamp-Welch opens only once genuine - synthetic >= k; the
		// server's synthetic count cannot exceed the device's.
		if r.Reconstructed && (r.Genuine-r.Synthetic < 3 || r.Synthetic > r.DeviceSynthetic) {
			t.Errorf("run %+v: opened with genuine - synthetic < k", *r)
		}
		if !strings.Contains(r.ShortfallNote, "genuine - synthetic >= k") {
			t.Errorf("shortfall not stated: %q", r.ShortfallNote)
		}
	})
	if _, err := RunThreshold(ThresholdRunOptions{DBSize: 16, K: 1}); err == nil {
		t.Error("k = 1 accepted")
	}
}
