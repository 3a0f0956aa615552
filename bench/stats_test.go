package bench

import (
	"math"
	"math/big"
	"testing"
)

// bigBinomTail returns P(X >= k) for X ~ Bin(n, p) by direct summation in
// 256-bit floating point.
func bigBinomTail(n, k int64, p float64) float64 {
	prec := uint(256)
	sum := new(big.Float).SetPrec(prec)
	bp := new(big.Float).SetPrec(prec).SetFloat64(p)
	bq := new(big.Float).SetPrec(prec).Sub(big.NewFloat(1).SetPrec(prec), bp)
	for i := k; i <= n; i++ {
		c := new(big.Float).SetPrec(prec).SetInt(new(big.Int).Binomial(n, i))
		for j := int64(0); j < i; j++ {
			c.Mul(c, bp)
		}
		for j := int64(0); j < n-i; j++ {
			c.Mul(c, bq)
		}
		sum.Add(sum, c)
	}
	f, _ := sum.Float64()
	return f
}

func relClose(got, want, tol float64) bool {
	if want == 0 {
		return got == 0
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func TestBinomTailsAgainstBigFloat(t *testing.T) {
	for _, c := range []struct {
		n, k int64
		p    float64
	}{
		{10, 0, 0.3}, {10, 3, 0.3}, {10, 10, 0.3}, {50, 30, 1e-3}, {200, 30, 1e-4},
		{200, 5, 0.02}, {120, 60, 0.5}, {300, 250, 0.9}, {256, 31, 0.5},
	} {
		want := bigBinomTail(c.n, c.k, c.p)
		got := math.Exp(LogBinomUpperTail(c.n, c.k, c.p))
		if !relClose(got, want, 1e-11) {
			t.Errorf("upper tail n=%d k=%d p=%v: %g, want %g", c.n, c.k, c.p, got, want)
		}
		// CDF at k-1 is the complement of the tail at k.
		wantCDF := 1 - want
		if c.k > 0 && wantCDF > 1e-3 {
			gotCDF := math.Exp(logBinomCDF(c.n, c.k-1, c.p))
			if !relClose(gotCDF, wantCDF, 1e-11) {
				t.Errorf("cdf n=%d k=%d p=%v: %g, want %g", c.n, c.k-1, c.p, gotCDF, wantCDF)
			}
		}
	}
}

func TestIdealRate(t *testing.T) {
	// Exact: sum of C(bits, i) for i <= t over 2^bits, in big integers.
	for _, c := range []struct{ bits, t int }{{256, 31}, {256, 90}, {64, 10}, {256, 128}, {64, 0}, {144, 64}} {
		num := new(big.Int)
		for i := 0; i <= c.t; i++ {
			num.Add(num, new(big.Int).Binomial(int64(c.bits), int64(i)))
		}
		q := new(big.Float).SetPrec(256).SetInt(num)
		q.Quo(q, new(big.Float).SetPrec(256).SetMantExp(big.NewFloat(1), c.bits))
		want, _ := q.Float64()
		if got := IdealRate(c.bits, c.t); !relClose(got, want, 1e-11) {
			t.Errorf("IdealRate(%d, %d) = %g, want %g", c.bits, c.t, got, want)
		}
	}
	// The anchors in the project background: about 8e-38 and 1e-6.
	if r := IdealRate(256, 31); r < 7e-38 || r > 9e-38 {
		t.Errorf("IdealRate(256,31) = %g", r)
	}
}

func TestPoissonTail(t *testing.T) {
	// Against a direct float sum of the complement for moderate lambda.
	for _, c := range []struct {
		l float64
		k int64
	}{{0.5, 1}, {3, 2}, {3, 10}, {20, 30}} {
		cdf, term := 0.0, math.Exp(-c.l)
		for i := int64(0); i < c.k; i++ {
			cdf += term
			term *= c.l / float64(i+1)
		}
		if got := math.Exp(logPoissonUpperTail(c.l, c.k)); !relClose(got, 1-cdf, 1e-10) {
			t.Errorf("poisson tail l=%v k=%d: %g, want %g", c.l, c.k, got, 1-cdf)
		}
	}
}

func TestClopperPearsonTabulated(t *testing.T) {
	// Values from R's binom.test (exact Clopper-Pearson, 95%).
	for _, c := range []struct {
		k, n      int64
		low, high float64
	}{
		{0, 10, 0, 0.3084971},
		{1, 10, 0.002528579, 0.4450161},
		{5, 10, 0.187086, 0.812914},
		{10, 10, 0.6915029, 1},
		{0, 100, 0, 0.03621669},
		{50, 100, 0.3983211, 0.6016789},
	} {
		iv, err := ClopperPearson(c.k, c.n, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if !relClose(iv.Low, c.low, 2e-6) || !relClose(iv.High, c.high, 2e-6) {
			t.Errorf("CP(%d/%d) = [%.9g, %.9g], want [%.9g, %.9g]", c.k, c.n, iv.Low, iv.High, c.low, c.high)
		}
	}
	if _, err := ClopperPearson(3, 2, 0.95); err == nil {
		t.Error("k > n accepted")
	}
}

func TestClopperPearsonDefinition(t *testing.T) {
	// At the bounds, the binomial tails equal alpha/2 exactly: P(X >= k; pL)
	// and P(X <= k; pU), checked by direct big.Float summation at small n
	// and by the log-space sums at large n.
	for _, c := range []struct{ k, n int64 }{{1, 7}, {3, 40}, {17, 60}, {199, 200}, {2, 1000}} {
		iv, _ := ClopperPearson(c.k, c.n, 0.95)
		if got := bigBinomTail(c.n, c.k, iv.Low); !relClose(got, 0.025, 1e-8) {
			t.Errorf("k=%d n=%d: P(X>=k; low=%g) = %g", c.k, c.n, iv.Low, got)
		}
		if got := 1 - bigBinomTail(c.n, c.k+1, iv.High); !relClose(got, 0.025, 1e-8) {
			t.Errorf("k=%d n=%d: P(X<=k; high=%g) = %g", c.k, c.n, iv.High, got)
		}
	}
	// At n near 5e9, lgamma of numbers near 1e11 leaves about 1e-5 of
	// absolute error in every log term, on both sides of this check.
	for _, c := range []struct{ k, n int64 }{{1, 1e9}, {12345, 4_999_950_000}, {2_000_000_000, 4_999_950_000}} {
		iv, _ := ClopperPearson(c.k, c.n, 0.95)
		if got := math.Exp(LogBinomUpperTail(c.n, c.k, iv.Low)); !relClose(got, 0.025, 1e-4) {
			t.Errorf("k=%d n=%d: P(X>=k; low=%g) = %g", c.k, c.n, iv.Low, got)
		}
		if got := math.Exp(logBinomCDF(c.n, c.k, iv.High)); !relClose(got, 0.025, 1e-4) {
			t.Errorf("k=%d n=%d: P(X<=k; high=%g) = %g", c.k, c.n, iv.High, got)
		}
	}
}

// BenchmarkRates times RatesFromCounts (one exact interval per threshold)
// on a histogram of 5e9 pairs spread like real 256-bit hash distances.
func BenchmarkRates(b *testing.B) {
	pc := PairCounts{Bits: 256, Counts: make([]int64, 257)}
	for d := range pc.Counts {
		x := float64(d-128) / 20
		pc.Counts[d] = int64(2.5e8 * math.Exp(-x*x/2))
		pc.Compared += pc.Counts[d]
	}
	b.Run("bits=256/pairs=5e9", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := RatesFromCounts(pc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
