// Package protocols registers every protocol of psi's registry. Import it
// for its side effect wherever psi.ByName, psi.Names or psi.All must see
// them all (the command, the report, the examples):
//
//	import _ "github.com/privmatch/privmatch/psi/protocols"
//
// psi cannot import its protocol packages (they import psi), so the list
// lives here, one import per protocol package; each registers itself in
// its init, and psi seals the registry at its first lookup.
package protocols

import (
	_ "github.com/privmatch/privmatch/psi/heexact"      // he-exact
	_ "github.com/privmatch/privmatch/psi/hehamming"    // he-hamming
	_ "github.com/privmatch/privmatch/psi/hehamminglsh" // he-hamming-lsh
	_ "github.com/privmatch/privmatch/psi/hehashmatch"  // he-hash-match
	_ "github.com/privmatch/privmatch/psi/ondevice"     // on-device-list
	_ "github.com/privmatch/privmatch/psi/oprf"         // oprf-psi
	_ "github.com/privmatch/privmatch/psi/plaintext"    // plaintext-server
	_ "github.com/privmatch/privmatch/psi/threshold"    // threshold-psi
)
