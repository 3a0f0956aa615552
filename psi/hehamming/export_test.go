package hehamming

import (
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/psi"
)

// The he toolkit refuses insecure presets unless its test door is open;
// the client still refuses them unless built from Test.
func init() { hetest.AllowInsecure() }

// testLiteral is PN10Insecure: hamming's H12Insecure test preset (same
// moduli) at N = 2^10, far below 128-bit security: TESTS ONLY. It keeps
// the conformance suite and the protocol tests to seconds (H14 costs
// 7-16 s per query on two cores); each test still checks the verdict
// against the plaintext distance at t and t+1.
var testLiteral = func() *hamming.Literal {
	l := hamming.H12Insecure
	l.Name, l.LogN = "PN10Insecure", 10
	return &l
}()

// Test is he-hamming under PN10Insecure; the end-to-end test in
// cmd/privmatch runs the registered Protocol (H14).
var Test psi.Protocol = heHammingProtocol{test: testLiteral}

// Item exports heHammingItem to the external tests.
var Item = heHammingItem
