package heexact

import (
	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/psi"
)

// The he toolkit refuses insecure presets unless its test door is open;
// the client still refuses them unless built from Insecure.
func init() { hetest.AllowInsecure() }

// Insecure is he-exact with a client that accepts he's insecure test
// presets (tests only).
var Insecure psi.Protocol = heExactProtocol{allowInsecure: true}

// Small is he-exact whose server uses he/exact's INSECURE PN12Test preset
// and whose client accepts it (tests only): the attack suite runs on it so
// that CI stays fast.
var Small psi.Protocol = heExactProtocol{allowInsecure: true, test: &exact.PN12Test}

// SmallBinned is Small on he/exact's INSECURE binned test preset
// PN12BTest (tests only).
var SmallBinned psi.Protocol = heExactProtocol{allowInsecure: true, test: &exact.PN12BTest}

// WithMaxOPRF is he-exact whose server grants max OPRF evaluations per
// session, with a client that accepts insecure test presets.
func WithMaxOPRF(max int) psi.Protocol { return heExactProtocol{allowInsecure: true, maxOPRF: max} }
