package core

import "sync/atomic"

// insecureOK is the test door: while it is shut (the default, and always
// in production builds) NewParams refuses literals marked Insecure. Only
// he/hetest opens it; TestNoProductionDoor checks that no other non-test
// file does.
var insecureOK atomic.Bool

// OpenInsecureDoor lets NewParams accept literals marked Insecure for the
// rest of the process. Call it only from he/hetest.
func OpenInsecureDoor() { insecureOK.Store(true) }

func insecureAllowed() bool { return insecureOK.Load() }

// InsecureAllowed reports whether the test door is open: engines with
// their own parameter checks (he/hashmatch) accept insecure presets only
// then.
func InsecureAllowed() bool { return insecureAllowed() }
