package psi

import (
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hetest"
)

// This file is the tests' door into the package: protocol values that
// accept insecure presets and accessors of internal state. None of it is
// in a production build.

// The he toolkit refuses insecure presets unless its test door is open;
// psi's own clients still refuse them unless built from the values below.
func init() { hetest.AllowInsecure() }

// HEExactInsecure is he-exact with a client that accepts he's insecure
// test presets.
var HEExactInsecure Protocol = heExactProtocol{allowInsecure: true}

// heHammingTestLiteral is PN10Insecure: hamming's PN12Insecure test
// preset (same moduli) at N = 2^10, far below 128-bit security: TESTS
// ONLY. It keeps the conformance suite, the TCP and the transcript tests
// to seconds (PN14 costs 7-16 s per query on two cores); each test still
// checks the verdict against the plaintext distance at t and t+1.
var heHammingTestLiteral = func() *hamming.Literal {
	l := hamming.H12Insecure
	l.Name, l.LogN = "PN10Insecure", 10
	return &l
}()

// HEHammingTest is he-hamming under PN10Insecure; BenchmarkPSI and the
// end-to-end test in cmd/privmatch run the registered HEHamming (PN14).
var HEHammingTest Protocol = heHammingProtocol{test: heHammingTestLiteral}

// ProtocolsForTest is the registry with he-hamming swapped for HEHammingTest.
func ProtocolsForTest() []Protocol {
	var out []Protocol
	for _, p := range All() {
		if p.Name() == heHammingName {
			p = HEHammingTest
		}
		out = append(out, p)
	}
	return out
}

// HEHammingItem exports heHammingItem to the external tests.
var HEHammingItem = heHammingItem
