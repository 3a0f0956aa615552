package psi

// ProtocolsForTest is the registry's hash protocols less he-hamming, whose
// secure preset costs seconds per query: its conformance suite runs in
// psi/hehamming under a small test preset (he-hash-match's, which queries
// images, in psi/hehashmatch).
func ProtocolsForTest() []Protocol {
	var out []Protocol
	for _, p := range HashProtocols() {
		if p.Name() != "he-hamming" {
			out = append(out, p)
		}
	}
	return out
}
