package psi

// ProtocolsForTest is the registry less he-hamming and he-hamming-lsh,
// whose secure presets cost seconds per query: their conformance suites
// run in their packages under small test presets.
func ProtocolsForTest() []Protocol {
	var out []Protocol
	for _, p := range All() {
		if p.Name() != "he-hamming" && p.Name() != "he-hamming-lsh" {
			out = append(out, p)
		}
	}
	return out
}
