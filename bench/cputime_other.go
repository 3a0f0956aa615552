//go:build !unix

package bench

// cpuSeconds is unavailable here; benchmarks omit the per-CPU-second rate.
func cpuSeconds() float64 { return 0 }
