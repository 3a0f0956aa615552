package main

import (
	"github.com/privmatch/privmatch/he/hashmatch"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/hehashmatch"
)

// he-hash-match costs minutes and about 10 GB per query at its only
// secure preset, so this test binary, and the privmatch it runs for the
// scripts (testdata/script/hash_match.txtar), serve and query it at
// hashmatch.HM13Insecure: the he toolkit's test door is opened here, in a
// _test.go file, which no release build compiles. Every other protocol
// name resolves as in production.
func init() {
	hetest.AllowInsecure()
	test := hehashmatch.WithPreset(hashmatch.HM13Insecure)
	protocolByName = func(name string) (psi.Protocol, error) {
		if name == test.Name() {
			return test, nil
		}
		return psi.ByName(name)
	}
}
