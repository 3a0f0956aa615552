package bench

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"
)

func TestAccountRiskAgainstBigFloat(t *testing.T) {
	for _, c := range []struct {
		p    float64
		n, k int64
	}{{1e-3, 200, 30}, {0.05, 300, 30}, {1e-6, 150, 3}, {0.2, 60, 30}} {
		ap := DefaultAccountParams(c.p, "test")
		ap.ImagesPerYear.Value, ap.Threshold.Value = float64(c.n), float64(c.k)
		r, err := AccountRisk(ap)
		if err != nil {
			t.Fatal(err)
		}
		want := bigBinomTail(c.n, c.k, c.p)
		if !relClose(r.FlagProbability, want, 1e-10) || !relClose(float64(r.Log10FlagProbability), math.Log10(want), 1e-10) {
			t.Errorf("p=%v n=%d k=%d: %g, want %g", c.p, c.n, c.k, r.FlagProbability, want)
		}
		if r.ExpectedFlagged != ap.Users.Value*r.FlagProbability || r.MeetsClaim != (want <= 1e-12) {
			t.Errorf("expected flagged or claim wrong: %+v", r)
		}
		// Bursts: B=1 is the independent model; each B matches a direct
		// computation.
		for _, b := range r.Bursts {
			nb, need := c.n/int64(b.BurstSize), (c.k+int64(b.BurstSize)-1)/int64(b.BurstSize)
			w := bigBinomTail(nb, need, c.p)
			if b.Bursts != nb || b.Needed != need || !relClose(b.FlagProbability, w, 1e-10) {
				t.Errorf("burst %d: %+v, want P=%g", b.BurstSize, b, w)
			}
		}
		if r.Bursts[0].BurstSize != 1 || r.Bursts[0].FlagProbability != r.FlagProbability {
			t.Error("B=1 differs from the independent model")
		}
		// The largest per-image rate meeting the claim does meet it, and
		// a slightly larger one does not.
		lt := LogBinomUpperTail(c.n, c.k, r.MaxRateForClaim)
		lt2 := LogBinomUpperTail(c.n, c.k, r.MaxRateForClaim*1.001)
		if lt > math.Log(1e-12)+1e-9 || lt2 <= math.Log(1e-12) {
			t.Errorf("max rate %g: log tail %v, next %v", r.MaxRateForClaim, lt, lt2)
		}
	}
}

func TestAccountRiskApple(t *testing.T) {
	// Poisson agrees with the binomial for small p, and the tail underflows
	// float64 only in FlagProbability, never in its log10.
	ap := DefaultAccountParams(1e-12, "test")
	ap.ImagesPerYear.Value = 100000
	r, err := AccountRisk(ap)
	if err != nil {
		t.Fatal(err)
	}
	// The Poisson form overstates the leading term by about
	// exp(k(k-1)/2n), 0.0019 in log10 here.
	if d := float64(r.PoissonLog10FlagProbability - r.Log10FlagProbability); d < 0.0015 || d > 0.0025 {
		t.Errorf("binomial %v vs Poisson %v", r.Log10FlagProbability, r.PoissonLog10FlagProbability)
	}
	// Direct: for tiny np the tail is its first term C(n,30) p^30 (1-p)^(n-30)
	// to 1 part in 1e6; C(n,30) exactly in big integers.
	c := new(big.Float).SetInt(new(big.Int).Binomial(100000, 30))
	mant := c.MantExp(c)
	m, _ := c.Float64()
	want := math.Log10(m) + float64(mant)*math.Log10(2) + 30*math.Log10(1e-12) + float64(100000-30)*math.Log1p(-1e-12)/math.Ln10
	if math.Abs(float64(r.Log10FlagProbability)-want) > 1e-8 { // lgamma near 1e6 carries ~1e-10 each
		t.Errorf("log10 P = %v, want %v", r.Log10FlagProbability, want)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("result not JSON-serialisable: %v", err)
	}
	// p = 0: probability 0, log10 -Inf, encoded as null and read back.
	z, err := AccountRisk(DefaultAccountParams(0, "none observed"))
	if err != nil || z.FlagProbability != 0 || !math.IsInf(float64(z.Log10FlagProbability), -1) {
		t.Fatalf("p=0: %+v %v", z, err)
	}
	js, err := json.Marshal(z)
	if err != nil {
		t.Fatal(err)
	}
	var back AccountResult
	if err := json.Unmarshal(js, &back); err != nil || !math.IsInf(float64(back.Log10FlagProbability), -1) || back.Params.Threshold != z.Params.Threshold {
		t.Fatalf("JSON round trip: %v %+v", err, back)
	}
	for _, bad := range []AccountParams{DefaultAccountParams(-1, ""), DefaultAccountParams(2, "")} {
		if _, err := AccountRisk(bad); err == nil {
			t.Error("bad rate accepted")
		}
	}
	// Bursts make flags more likely.
	for i := 1; i < len(r.Bursts); i++ {
		if r.Bursts[i].Log10FlagProbability <= r.Bursts[i-1].Log10FlagProbability {
			t.Errorf("burst %d not riskier than %d", r.Bursts[i].BurstSize, r.Bursts[i-1].BurstSize)
		}
	}
}

func TestPPV(t *testing.T) {
	r, err := PPV(0.9, 1e-3, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.9 * 1e-4 / (0.9*1e-4 + 1e-3*(1-1e-4))
	if math.Abs(r.PPV-want) > 1e-15 {
		t.Fatalf("PPV %v, want %v", r.PPV, want)
	}
	if _, err := PPV(1.5, 0, 0); err == nil {
		t.Fatal("recall 1.5 accepted")
	}
}
