package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/privmatch/privmatch/bench"
)

// fmtBytes prints a byte count in SI units.
func fmtBytes(n float64) string {
	switch {
	case n < 0:
		return "-" + fmtBytes(-n)
	case n < 1000:
		return fmt.Sprintf("%.0f B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", n/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", n/1e6)
	}
	return fmt.Sprintf("%.2f GB", n/1e9)
}

// fmtMS prints milliseconds with sensible precision.
func fmtMS(ms float64) string {
	switch {
	case ms == 0:
		return "0"
	case ms < 0.01:
		return fmt.Sprintf("%.1f µs", ms*1000)
	case ms < 10:
		return fmt.Sprintf("%.3g ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmtSeconds(ms / 1000)
}

// fmtSeconds prints seconds, switching to minutes, hours or days.
func fmtSeconds(s float64) string {
	switch {
	case s < 0.1:
		return fmtMS(s * 1000)
	case s < 1:
		return fmt.Sprintf("%.3g s", s)
	case s < 120:
		return fmt.Sprintf("%.1f s", s)
	case s < 7200:
		return fmt.Sprintf("%.1f min", s/60)
	case s < 2*86400:
		return fmt.Sprintf("%.1f h", s/3600)
	}
	return fmt.Sprintf("%.1f days", s/86400)
}

// fmtRate prints a probability in scientific notation when small.
func fmtRate(p float64) string {
	switch {
	case p == 0:
		return "0"
	case p >= 0.01:
		return fmt.Sprintf("%.3g", p)
	}
	return strings.Replace(fmt.Sprintf("%.2e", p), "e-0", "e-", 1)
}

// fmtLog10 prints a probability from its log10, so it stays finite when
// the probability underflows.
func fmtLog10(l bench.Log10, p float64) string {
	if math.IsInf(float64(l), -1) {
		return "0"
	}
	if p > 1e-300 {
		return fmtRate(p)
	}
	return fmt.Sprintf("10^%.1f", float64(l))
}

func fmtPct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

func fmtCount(x float64) string {
	switch {
	case x == 0:
		return "0"
	case x >= 1e6 && x < 1e15:
		return fmtInt(x)
	case x >= 1e6 || x < 0.01:
		return fmtRate(x)
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

// sizeLabel prints a database size as a power of two when it is one.
func sizeLabel(n int) string {
	if n > 0 && n&(n-1) == 0 {
		e := 0
		for 1<<e < n {
			e++
		}
		return fmt.Sprintf("2^%d (%d)", e, n)
	}
	return strconv.Itoa(n)
}

// fmtInt writes a whole number with thousands separators (1,000,000).
func fmtInt(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1e15 {
		return fmtRate(x)
	}
	s := strconv.FormatInt(int64(math.Round(math.Abs(x))), 10)
	var b strings.Builder
	if x < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
