package bench

import "github.com/privmatch/privmatch/psi"

// slowProtocols are left out of the tests of this package's measurement
// machinery: one he-hamming query costs seconds to tens of seconds at its
// only secure preset, and Feasibility treats it exactly as any other
// protocol. Its correctness is tested in psi and he/hamming, its cost by
// BenchmarkPSI and the report itself.
var slowProtocols = map[string]bool{"he-hamming": true, "he-hamming-lsh": true, "he-hash-match": true}

// testProtocols returns the registered protocols less slowProtocols.
func testProtocols() []psi.Protocol {
	var ps []psi.Protocol
	for _, p := range psi.All() {
		if !slowProtocols[p.Name()] {
			ps = append(ps, p)
		}
	}
	return ps
}
