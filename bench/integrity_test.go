package bench

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/bench/benchtest"
	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/psi/threshold"
)

func TestMeasureAudit(t *testing.T) {
	pts, err := MeasureAudit([]int{256, 1000}, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 {
		t.Fatalf("%d points", len(pts))
	}
	for _, p := range pts {
		// A signed head of log "db": name length byte, name, epoch, size,
		// root, parameter digest, history root, ed25519 signature.
		if p.SignedHeadBytes != 1+2+8+8+32+32+32+64 {
			t.Errorf("n=%d: signed head %d B", p.Size, p.SignedHeadBytes)
		}
		if p.ProvedEntries != auditProved || p.FullVerifyMS <= 0 || p.VerifyEntryUS <= 0 || p.PhoneFullVerifyMS != 10*p.FullVerifyMS {
			t.Errorf("n=%d: %+v", p.Size, p)
		}
		if p.ConsistencyFrom != p.Size-p.Size/10 || p.ConsistencyBytes != 1+32*p.ConsistencyHashes {
			t.Errorf("n=%d: consistency %+v", p.Size, p)
		}
	}
	// Every leaf of a tree of 2^8 leaves has an audit path of 8 hashes:
	// a count byte and 32 bytes each.
	if p := pts[0]; p.InclusionHashes != 8 || p.InclusionBytes != 1+32*8 {
		t.Errorf("n=256: inclusion %d hashes, %d B; want 8, 257", p.InclusionHashes, p.InclusionBytes)
	}
	// n=1000: the longest path is ceil(log2 1000) = 10.
	if p := pts[1]; p.InclusionHashes > 10 || p.InclusionBytes != audit.ProofSize(p.InclusionHashes) {
		t.Errorf("n=1000: inclusion %d hashes, %d B", p.InclusionHashes, p.InclusionBytes)
	}
	if _, err := MeasureAudit([]int{1}, 1, 1); err == nil {
		t.Error("size 1 accepted")
	}
}

func TestAnalyseThreshold(t *testing.T) {
	a := &Accuracy{Algorithm: "pdq", Collision: &CollisionResult{Algorithm: "pdq", Threshold: 31},
		PerImageRate: 0, PerImageRateHigh: 1e-3, Recall: 0.9}
	a.Collision.AtThreshold.Pairs = 55
	ta, err := AnalyseThreshold(30, 0.01, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(ta.Leak) != len(leakPoints) || ta.Choice == nil || !strings.Contains(ta.RateSource, "upper end") {
		t.Fatalf("analysis %+v", ta)
	}
	// The chosen k is the smallest with P(Bin(1000, 1e-3) >= k) <= 1e-12.
	tail := func(k int64) float64 { return math.Exp(LogBinomUpperTail(1000, k, 1e-3)) }
	if k := ta.Choice.K; ta.Choice.PerImageRate != 1e-3 || tail(k) > 1e-12 || tail(k-1) <= 1e-12 {
		t.Errorf("chose k=%d at p=%g: tail(k)=%g tail(k-1)=%g", k, ta.Choice.PerImageRate, tail(k), tail(k-1))
	}
	// An ideal decoder at recall 0.9 opens with probability >= 1/2 at
	// the smallest t with P(Bin(t, 0.9*0.99) >= 30) >= 1/2.
	var want int64
	for s := int64(30); s <= ta.MaxShared; s++ {
		if math.Exp(LogBinomUpperTail(s, 30, 0.9*0.99)) >= 0.5 {
			want = s
			break
		}
	}
	if ta.Shared50Exact != want || ta.Shared50Robust != 0 && ta.Shared50Robust < ta.Shared50Exact {
		t.Errorf("even-chance counts exact %d (want %d), robust %d", ta.Shared50Exact, want, ta.Shared50Robust)
	}
	if ta, err := AnalyseThreshold(5, 0.01, nil); err != nil || ta.Choice != nil || len(ta.Detection) != 0 {
		t.Errorf("without accuracy: %+v, %v", ta, err)
	}
}

func TestMeasureEncryptedHash(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS key generation and evaluation take a few seconds")
	}
	c, err := Open(filepath.Join("..", "testdata", "photos"))
	if err != nil {
		t.Skip("corpus testdata/photos not found")
	}
	defer c.Close()
	runs, err := MeasureEncryptedHash(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs", len(runs))
	}
	for _, r := range runs {
		p, err := imagehash.NewParameters(imagehash.Literal{Literal: imagehash.Default, Alg: imagehash.Alg(r.Algorithm)})
		if err != nil {
			t.Fatal(err)
		}
		if r.QueryBytes != imagehash.QuerySize(p) || r.AnswerBytes != imagehash.AnswerSize(p) || r.KeysBytes != imagehash.KeysSize(p) {
			t.Errorf("%s: sizes %+v", r.Algorithm, r)
		}
		// The distance is not bounded here: about one fresh client key in
		// thirty gives an unrelated hash on every query (seen while
		// writing this test; a he/imagehash issue), and the report shows
		// the distance as measured.
		if r.Bits != p.Outputs() || r.Distance < 0 || r.Distance > r.Bits {
			t.Errorf("%s: distance %d of %d bits", r.Algorithm, r.Distance, r.Bits)
		}
		t.Logf("%s: %d of %d bits differ from the plaintext hash", r.Algorithm, r.Distance, r.Bits)
	}
	if _, err := MeasureEncryptedHash(c, len(c.Items)); err == nil {
		t.Error("missing item accepted")
	}
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
		if want := benchtest.VoucherLen(t, threshold.Params{K: 5, SyntheticRate: 0}, 16, 3); r.VoucherBytes != want {
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
		// The server opens at exactly k genuine shares, synthetic ones
		// present; its synthetic count cannot exceed the device's.
		if !r.Reconstructed || r.Genuine < 3 || r.Synthetic > r.DeviceSynthetic {
			t.Errorf("run %+v: want opened at k genuine", *r)
		}
		if !strings.Contains(r.ShortfallNote, "exactly k genuine") {
			t.Errorf("shortfall not stated: %q", r.ShortfallNote)
		}
	})
	if _, err := RunThreshold(ThresholdRunOptions{DBSize: 16, K: 1}); err == nil {
		t.Error("k = 1 accepted")
	}
}
