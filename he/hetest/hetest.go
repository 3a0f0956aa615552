// Package hetest holds test-only helpers for code built on package he:
// the insecure small preset with the opt-in set, and deterministic
// randomness. Never import it from non-test code.
package hetest

import (
	"io"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he"
)

// Params returns the INSECURE PN12Test preset with AllowInsecure set. It
// runs the same circuit as the secure preset, fast, for tests only.
func Params(t testing.TB) he.Params {
	t.Helper()
	l := he.PN12Test
	l.AllowInsecure = true
	p, err := l.Params()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Rand returns a deterministic io.Reader for tests; the seed is logged.
func Rand(t testing.TB, seed byte) io.Reader {
	t.Helper()
	t.Logf("hetest: deterministic randomness, seed %d", seed)
	return rand.NewChaCha8([32]byte{seed})
}
