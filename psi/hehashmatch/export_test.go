package hehashmatch

import (
	"github.com/privmatch/privmatch/he/hashmatch"
	"github.com/privmatch/privmatch/he/hetest"
)

// The he toolkit refuses insecure presets unless its test door is open;
// the client still refuses them unless built from Test.
func init() { hetest.AllowInsecure() }

// Test is he-hash-match under hashmatch.HM13Insecure (N = 2^13, far below
// 128-bit security: TESTS ONLY), with real bootstrapping: seconds per
// bootstrap instead of Default's minutes per query.
var Test = WithPreset(hashmatch.HM13Insecure)
