package hehamminglsh

import (
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/psi"
)

func init() { hetest.AllowInsecure() }

// TestLayout is P64's pool over hamming's insecure diagonal preset at
// N = 2^11 (1024 candidates, 16 tables): TESTS ONLY, so the protocol tests run in
// seconds and bucket from 1025 entries on.
var TestLayout = func() hamminglsh.Literal {
	l := hamminglsh.P64
	l.Name, l.Tables = "T16Insecure", 16
	l.HE = hamming.H12DInsecure
	l.HE.Name, l.HE.LogN = "PN11Insecure", 11
	return l
}()

// Test is he-hamming-lsh under TestLayout.
var Test psi.Protocol = lshProtocol{test: &TestLayout}
