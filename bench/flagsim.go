package bench

import (
	"fmt"
	"math"
)

// ThresholdChoice is the smallest threshold k whose innocent-account
// false-flag probability meets a target, from AccountRisk's model.
type ThresholdChoice struct {
	PerImageRate  float64 `json:"per_image_rate"`
	ImagesPerYear int64   `json:"images_per_year"`
	TargetRate    float64 `json:"target_rate"`
	// K is the smallest k with P(Bin(n, p) >= k) <= TargetRate; FlagRate
	// is that probability.
	K        int64   `json:"k"`
	FlagRate float64 `json:"flag_rate"`
}

// ChooseThreshold finds the smallest k (up to n) meeting target for an
// account of n images a year at per-image false-match rate p.
func ChooseThreshold(p float64, n int64, target float64) (ThresholdChoice, error) {
	c := ThresholdChoice{PerImageRate: p, ImagesPerYear: n, TargetRate: target}
	for k := int64(1); k <= n; k++ {
		ap := DefaultAccountParams(p, "ChooseThreshold")
		ap.ImagesPerYear.Value, ap.Threshold.Value, ap.BurstSizes = float64(n), float64(k), nil
		r, err := AccountRisk(ap)
		if err != nil {
			return c, fmt.Errorf("bench: choose threshold: %w", err)
		}
		if r.FlagProbability <= target {
			c.K, c.FlagRate = k, r.FlagProbability
			return c, nil
		}
	}
	return c, fmt.Errorf("bench: choose threshold: no k <= %d meets %g at p = %g", n, target, p)
}

// DetectionPoint is the chance that an account sharing Shared listed
// images is opened.
type DetectionPoint struct {
	Shared int64 `json:"shared"`
	// Exact is P(at least k genuine matches): an ideal decoder at
	// threshold k, what threshold-psi's server needs. Robust is
	// P(genuine - synthetic >= k): what its earlier Berlekamp-Welch
	// reconstruction needed.
	Exact  float64 `json:"exact"`
	Robust float64 `json:"robust"`
}

// Detection returns, for t = 1..maxShared listed images in an account of
// n uploads, the probability the account is opened, given per-image
// recall r (a shared copy still matches) and synthetic rate s (each
// voucher is synthetic with probability s, replacing a genuine share if
// it had one). Exact arithmetic by dynamic programming over the
// difference genuine - synthetic.
func Detection(k, n, maxShared int64, r, s float64) ([]DetectionPoint, error) {
	if k < 1 || n < 1 || maxShared < 0 || maxShared > n || !(r >= 0 && r <= 1) || !(s >= 0 && s < 1) {
		return nil, fmt.Errorf("bench: detection: bad parameters k=%d n=%d t=%d r=%v s=%v", k, n, maxShared, r, s)
	}
	pg, pz := r*(1-s), s
	var out []DetectionPoint
	for t := int64(1); t <= maxShared; t++ {
		// Listed images: +1 (genuine) w.p. pg, -1 (synthetic) w.p. pz.
		off := t
		d := make([]float64, 2*t+1)
		d[off] = 1
		for i := int64(0); i < t; i++ {
			nd := make([]float64, len(d))
			for j, v := range d {
				if v == 0 {
					continue
				}
				nd[j] += v * (1 - pg - pz)
				if j+1 < len(nd) {
					nd[j+1] += v * pg
				}
				if j > 0 {
					nd[j-1] += v * pz
				}
			}
			d = nd
		}
		// Other images: -1 w.p. s each; P(D >= k) sums over the
		// synthetic count among them.
		robust := 0.0
		for j, v := range d {
			diff := int64(j) - off
			if v == 0 || diff < k {
				continue
			}
			// need synthetic-from-others <= diff - k
			robust += v * math.Exp(logBinomCDF(n-t, diff-k, s))
		}
		out = append(out, DetectionPoint{Shared: t, Exact: math.Exp(LogBinomUpperTail(t, k, pg)), Robust: math.Min(1, robust)})
	}
	return out, nil
}

// LeakPoint is what threshold-psi's server learns below the threshold for
// one synthetic rate and upload count.
type LeakPoint struct {
	Synthetic float64 `json:"synthetic_rate"`
	Uploads   int64   `json:"uploads"`
	K         int64   `json:"k"`
	// TV is the total variation distance between the opened count m
	// with no matches and with k-1 matches: the best advantage any test
	// on m has in telling an account with nothing from one just below
	// the threshold.
	TV float64 `json:"tv_0_vs_k_minus_1"`
	// MeanAbsError is the server's mean absolute error estimating the
	// true match count t by the posterior mean given m, with t uniform
	// on 0..k-1; ExactGuess the probability its posterior mode equals t.
	MeanAbsError float64 `json:"mean_abs_error"`
	ExactGuess   float64 `json:"exact_guess"`
}

// openedPMF returns P(m = j) for j = 0..n when t of n images match: every
// listed image opens (genuinely or as synthetic), others open w.p. s.
func openedPMF(n, t int64, s float64) []float64 {
	pm := make([]float64, n+1)
	for j := int64(0); j <= n-t; j++ {
		switch {
		case s == 0:
			if j == 0 {
				pm[t] = 1
			}
		default:
			pm[t+j] = math.Exp(logBinomPMF(n-t, j, s))
		}
	}
	return pm
}

// ThresholdLeak computes what the opened count m = t + Bin(n - t, s)
// tells the server about the true match count t below the threshold.
func ThresholdLeak(k, n int64, s float64) (LeakPoint, error) {
	if k < 2 || n < k || !(s >= 0 && s < 1) {
		return LeakPoint{}, fmt.Errorf("bench: threshold leak: bad parameters k=%d n=%d s=%v", k, n, s)
	}
	lp := LeakPoint{Synthetic: s, Uploads: n, K: k}
	pmfs := make([][]float64, k)
	for t := int64(0); t < k; t++ {
		pmfs[t] = openedPMF(n, t, s)
	}
	for j := range pmfs[0] {
		lp.TV += math.Abs(pmfs[0][j]-pmfs[k-1][j]) / 2
	}
	prior := 1 / float64(k)
	for m := int64(0); m <= n; m++ {
		var z, mean float64
		mode, best := int64(0), -1.0
		for t := int64(0); t < k; t++ {
			w := pmfs[t][m] * prior
			z += w
			mean += w * float64(t)
			if w > best {
				best, mode = w, t
			}
		}
		if z == 0 {
			continue
		}
		mean /= z
		for t := int64(0); t < k; t++ {
			w := pmfs[t][m] * prior
			lp.MeanAbsError += w * math.Abs(mean-float64(t))
			if t == mode {
				lp.ExactGuess += w
			}
		}
	}
	return lp, nil
}
