package bench

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestChooseThreshold(t *testing.T) {
	for _, p := range []float64{1e-6, 1e-4, 1e-3, 1e-2} {
		c, err := ChooseThreshold(p, 1000, 1e-12)
		if err != nil {
			t.Fatal(err)
		}
		if c.FlagRate > 1e-12 {
			t.Errorf("p=%g: k=%d flag rate %g above target", p, c.K, c.FlagRate)
		}
		if c.K > 1 {
			if prev := math.Exp(LogBinomUpperTail(1000, c.K-1, p)); prev <= 1e-12 {
				t.Errorf("p=%g: k-1=%d already meets the target (%g)", p, c.K-1, prev)
			}
		}
		t.Logf("p=%g n=1000 target 1e-12: k=%d (flag rate %.3g)", p, c.K, c.FlagRate)
	}
}

// Monte Carlo agrees with the exact detection and leak computations.
func TestDetectionAndLeakMonteCarlo(t *testing.T) {
	seed := uint64(42)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	const k, n, trials = 10, 200, 20000
	r, s := 0.8, 0.05
	pts, err := Detection(k, n, 30, r, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []int64{10, 15, 20, 30} {
		var exact, robust int
		for i := 0; i < trials; i++ {
			g, z := 0, 0
			for j := int64(0); j < n; j++ {
				switch u := rng.Float64(); {
				case u < s:
					z++
				case j < tt && rng.Float64() < r:
					g++
				}
			}
			if g >= k {
				exact++
			}
			if g-z >= k {
				robust++
			}
		}
		p := pts[tt-1]
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"exact", float64(exact) / trials, p.Exact}, {"robust", float64(robust) / trials, p.Robust}} {
			if sd := math.Sqrt(c.want*(1-c.want)/trials) + 1e-4; math.Abs(c.got-c.want) > 5*sd {
				t.Errorf("t=%d %s: simulated %.4f, exact %.4f", tt, c.name, c.got, c.want)
			}
		}
	}
	lp, err := ThresholdLeak(k, n, s)
	if err != nil {
		t.Fatal(err)
	}
	// Simulated TV: histogram of m at t=0 and t=k-1.
	h0, h1 := make([]float64, n+1), make([]float64, n+1)
	for i := 0; i < trials; i++ {
		for _, c := range []struct {
			t int
			h []float64
		}{{0, h0}, {k - 1, h1}} {
			m := c.t
			for j := c.t; j < n; j++ {
				if rng.Float64() < s {
					m++
				}
			}
			c.h[m]++
		}
	}
	tv := 0.0
	for j := range h0 {
		tv += math.Abs(h0[j]-h1[j]) / trials / 2
	}
	if math.Abs(tv-lp.TV) > 0.03 {
		t.Errorf("TV simulated %.3f, exact %.3f", tv, lp.TV)
	}
	if z, _ := ThresholdLeak(k, n, 0); z.TV != 1 || z.ExactGuess < 0.999 {
		t.Errorf("without synthetic vouchers the count is exact: %+v", z)
	}
}

func TestFlagsimTables(t *testing.T) {
	if testing.Short() {
		t.Skip("tables only")
	}
	for _, s := range []float64{0, 0.005, 0.01, 0.02, 0.05, 0.1} {
		for _, n := range []int64{100, 1000, 10000} {
			lp, err := ThresholdLeak(30, n, s)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("leak k=30 s=%g n=%d: TV(0 vs 29)=%.3f mean-abs-err=%.2f exact-guess=%.3f", s, n, lp.TV, lp.MeanAbsError, lp.ExactGuess)
		}
	}
	for _, s := range []float64{0, 0.01, 0.05} {
		pts, _ := Detection(30, 1000, 60, 1, s)
		for _, tt := range []int64{29, 30, 35, 40, 50, 60} {
			p := pts[tt-1]
			t.Logf("detect k=30 n=1000 r=1 s=%g shared=%d: exact %.3f robust %.3f", s, tt, p.Exact, p.Robust)
		}
	}
}
