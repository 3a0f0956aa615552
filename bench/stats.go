package bench

import (
	"fmt"
	"math"
)

// logChoose returns ln C(n, k) via lgamma.
func logChoose(n, k float64) float64 {
	a, _ := math.Lgamma(n + 1)
	b, _ := math.Lgamma(k + 1)
	c, _ := math.Lgamma(n - k + 1)
	return a - b - c
}

// logBinomPMF returns ln P(X = k) for X ~ Bin(n, p), with 0 < p < 1.
func logBinomPMF(n, k int64, p float64) float64 {
	return logChoose(float64(n), float64(k)) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
}

// logAddExp returns ln(e^a + e^b) without overflow.
func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// tailCutoff is how far (in natural-log units) below the largest term a
// decreasing run of binomial terms may fall before the sum stops: the
// remaining terms add less than n*e^-80 relative, under 1e-20 for any n
// below 1e14.
const tailCutoff = 80

// LogBinomUpperTail returns ln P(X >= k) for X ~ Bin(n, p), summing the
// probability terms in log space (log-sum-exp over lgamma-based terms).
// Terms are unimodal, so summation stops once they have fallen 80 nats
// below the largest one past the mode.
func LogBinomUpperTail(n, k int64, p float64) float64 {
	switch {
	case k <= 0:
		return 0
	case k > n:
		return math.Inf(-1)
	case p <= 0:
		return math.Inf(-1)
	case p >= 1:
		return 0
	}
	mode := int64(float64(n+1) * p)
	acc, best := math.Inf(-1), math.Inf(-1)
	for i := k; i <= n; i++ {
		t := logBinomPMF(n, i, p)
		acc = logAddExp(acc, t)
		best = max(best, t)
		if i > mode && t < best-tailCutoff {
			break
		}
	}
	return acc
}

// logBinomCDF returns ln P(X <= k) for X ~ Bin(n, p), summing downwards
// from k in log space with the same stopping rule as LogBinomUpperTail.
func logBinomCDF(n, k int64, p float64) float64 {
	switch {
	case k < 0:
		return math.Inf(-1)
	case k >= n:
		return 0
	case p <= 0:
		return 0
	case p >= 1:
		return math.Inf(-1)
	}
	mode := int64(float64(n+1) * p)
	acc, best := math.Inf(-1), math.Inf(-1)
	for i := k; i >= 0; i-- {
		t := logBinomPMF(n, i, p)
		acc = logAddExp(acc, t)
		best = max(best, t)
		if i < mode && t < best-tailCutoff {
			break
		}
	}
	return acc
}

// logPoissonUpperTail returns ln P(Y >= k) for Y ~ Poisson(lambda), in log
// space, the approximation of the binomial tail for small p.
func logPoissonUpperTail(lambda float64, k int64) float64 {
	if k <= 0 {
		return 0
	}
	if lambda <= 0 {
		return math.Inf(-1)
	}
	acc, best := math.Inf(-1), math.Inf(-1)
	ll := math.Log(lambda)
	for i := k; ; i++ {
		lg, _ := math.Lgamma(float64(i) + 1)
		t := float64(i)*ll - lambda - lg
		acc = logAddExp(acc, t)
		best = max(best, t)
		if float64(i) > lambda && t < best-tailCutoff {
			break
		}
	}
	return acc
}

// IdealRate returns the false-match rate of an ideal hash of the given
// length, whose bits are independent fair coins: P(Bin(bits, 1/2) <= t),
// computed in log space.
func IdealRate(bits, t int) float64 {
	return math.Exp(logBinomCDF(int64(bits), int64(t), 0.5))
}

// logBetaPrefix returns ln(x^a (1-x)^b / B(a,b)).
func logBetaPrefix(x, a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return a*math.Log(x) + b*math.Log1p(-x) - (la + lb - lab)
}

// betacf evaluates the continued fraction of the incomplete beta function
// by the modified Lentz method (Numerical Recipes 6.4).
func betacf(x, a, b float64) float64 {
	const tiny = 1e-300
	const eps = 1e-16
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m < 10_000_000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		// The even step, then the odd one.
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		c, d = lentzStep(aa, c, d)
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		c, d = lentzStep(aa, c, d)
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// lentzStep advances the modified Lentz recurrences by one partial
// numerator aa: c = 1 + aa/c and d = 1/(1 + aa*d), each kept away from 0.
func lentzStep(aa, c, d float64) (float64, float64) {
	const tiny = 1e-300
	d = 1 + aa*d
	if math.Abs(d) < tiny {
		d = tiny
	}
	c = 1 + aa/c
	if math.Abs(c) < tiny {
		c = tiny
	}
	return c, 1 / d
}

// regIncBeta returns the regularised incomplete beta function I_x(a, b).
func regIncBeta(x, a, b float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	if x < (a+1)/(a+b+2) {
		return math.Exp(logBetaPrefix(x, a, b)) * betacf(x, a, b) / a
	}
	return 1 - math.Exp(logBetaPrefix(1-x, b, a))*betacf(1-x, b, a)/b
}

// betaQuantile returns x with I_x(a, b) = q, by safeguarded Newton
// iteration inside a shrinking bracket.
func betaQuantile(q, a, b float64) float64 {
	lo, hi := 0.0, 1.0
	// Start from a normal approximation of the beta distribution.
	mean := a / (a + b)
	sd := math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)))
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	x := mean + z*sd
	if !(x > 0 && x < 1) {
		x = mean
	}
	for it := 0; it < 400; it++ {
		f := regIncBeta(x, a, b) - q
		if f == 0 {
			return x
		}
		if f < 0 {
			lo = x
		} else {
			hi = x
		}
		d := betaPDF(x, a, b)
		nx := x - f/d
		if !(nx > lo && nx < hi) || d == 0 || math.IsInf(d, 0) || math.IsNaN(nx) {
			// Bisect, geometrically when the bracket spans orders of magnitude.
			if lo > 0 && hi/lo > 4 {
				nx = math.Sqrt(lo * hi)
			} else if lo == 0 {
				nx = hi / 16
			} else {
				nx = (lo + hi) / 2
			}
		}
		if math.Abs(nx-x) <= 1e-15*x || hi-lo <= 1e-16*hi {
			return nx
		}
		x = nx
	}
	return x
}

// betaPDF returns the Beta(a, b) density at x.
func betaPDF(x, a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return math.Exp((a-1)*math.Log(x) + (b-1)*math.Log1p(-x) - (la + lb - lab))
}

// Interval is a confidence interval for a proportion.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// Confidence is the coverage, such as 0.95.
	Confidence float64 `json:"confidence"`
}

// ClopperPearson returns the exact (Clopper-Pearson) two-sided interval
// for a binomial proportion after k events in n trials: the bounds are
// the Beta(k, n-k+1) and Beta(k+1, n-k) quantiles at (1-conf)/2 and
// (1+conf)/2, with the closed forms 1-(α/2)^(1/n) and (α/2)^(1/n) at
// k = 0 and k = n.
func ClopperPearson(k, n int64, conf float64) (Interval, error) {
	if n <= 0 || k < 0 || k > n || !(conf > 0 && conf < 1) {
		return Interval{}, fmt.Errorf("bench: clopper-pearson: need 0 <= k <= n, n > 0, 0 < conf < 1 (k=%d n=%d conf=%v)", k, n, conf)
	}
	alpha := 1 - conf
	iv := Interval{Confidence: conf}
	fk, fn := float64(k), float64(n)
	switch {
	case k == 0:
		iv.Low = 0
		iv.High = -math.Expm1(math.Log(alpha/2) / fn)
	case k == n:
		iv.Low = math.Exp(math.Log(alpha/2) / fn)
		iv.High = 1
	default:
		iv.Low = betaQuantile(alpha/2, fk, fn-fk+1)
		iv.High = betaQuantile(1-alpha/2, fk+1, fn-fk)
	}
	return iv, nil
}

// RuleOfThree returns 3/n, the approximate 95% upper bound on a rate after
// zero events in n trials.
func RuleOfThree(n int64) float64 { return 3 / float64(n) }
