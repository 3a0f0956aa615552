package psi

// ProtocolsForTest is the registry less he-hamming, whose secure preset
// costs seconds per query: its conformance suite runs in psi/hehamming
// under a small test preset; and less threshold-psi, whose registry policy
// (k = 30, synthetic vouchers) withholds each query's result by design: its
// suite runs in psi/threshold at k = 1 without synthetic vouchers.
func ProtocolsForTest() []Protocol {
	var out []Protocol
	for _, p := range All() {
		if p.Name() != "he-hamming" && p.Name() != "threshold-psi" {
			out = append(out, p)
		}
	}
	return out
}
