package core

import "fmt"

// Recover is the panic-to-error boundary around Lattigo calls: deferred
// at the top of every function that hands outside bytes or key material
// to Lattigo, it turns a panic into an error prefixed by what (for
// example "hamming: answer") and sets *err.
//
//	defer core.Recover(&err, "hamming: answer")
func Recover(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: malformed input (%v)", what, r)
	}
}
