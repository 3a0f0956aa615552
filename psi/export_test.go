package psi

// ProtocolsForTest is the registry's hash protocols less he-hamming and
// he-hamming-lsh, whose secure presets cost seconds per query: their
// conformance suites run in their packages under small test presets
// (he-hash-match's, which queries images, in psi/hehashmatch); and less
// threshold-psi, whose registry policy (k = 30, synthetic vouchers)
// withholds each query's result by design: its suite runs in
// psi/threshold at k = 1 without synthetic vouchers.
func ProtocolsForTest() []Protocol {
	var out []Protocol
	for _, p := range HashProtocols() {
		if p.Name() != "he-hamming" && p.Name() != "he-hamming-lsh" && p.Name() != "threshold-psi" {
			out = append(out, p)
		}
	}
	return out
}
