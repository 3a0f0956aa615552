package bench_test

import (
	"fmt"

	"github.com/privmatch/privmatch/bench"
)

// The chance that an innocent account with 1,000 images a year reaches
// Apple's threshold of 30 false matches, at a per-image false-match rate
// of one in a million, and how bursts of near-duplicate images change it.
func ExampleAccountRisk() {
	r, err := bench.AccountRisk(bench.DefaultAccountParams(1e-6, "example"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("independent: log10 P(flag) = %.1f\n", r.Log10FlagProbability)
	for _, b := range r.Bursts {
		fmt.Printf("bursts of %2d: log10 P(flag) = %.1f\n", b.BurstSize, b.Log10FlagProbability)
	}
	// Output:
	// independent: log10 P(flag) = -122.6
	// bursts of  1: log10 P(flag) = -122.6
	// bursts of  2: log10 P(flag) = -61.7
	// bursts of  3: log10 P(flag) = -41.4
	// bursts of  5: log10 P(flag) = -25.1
	// bursts of 10: log10 P(flag) = -12.8
	// bursts of 30: log10 P(flag) = -4.5
}
