// Package hetest holds the test-only helpers of package he and its
// engines: the door that lets insecure test presets through,
// deterministic randomness, and the key setup every engine's tests run. Never import it from non-test code
// (he's TestNoProductionDoor fails the build's tests if anything does).
package hetest

import (
	"io"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he/internal/core"
)

// AllowInsecure opens the test door for the rest of the test binary:
// literals marked Insecure (small rings that keep tests fast, far below
// 128-bit security) are accepted from now on. Literals above the bound
// that are not marked stay refused.
func AllowInsecure() {
	core.OpenInsecureDoor()
}

// Rand returns a deterministic io.Reader for tests; the seed is logged.
func Rand(tb testing.TB, seed byte) io.Reader {
	tb.Helper()
	tb.Logf("hetest: deterministic randomness, seed %d", seed)
	return rand.NewChaCha8([32]byte{seed})
}

// Keys runs an engine client's key setup and the server's parse of its
// bytes, failing tb on either error; it returns the parsed keys and the
// encoded bytes.
func Keys[P, K any](tb testing.TB, p P, setup func() ([]byte, error), parse func(P, []byte) (K, error)) (K, []byte) {
	tb.Helper()
	kb, err := setup()
	if err != nil {
		tb.Fatalf("hetest: key setup: %v", err)
	}
	keys, err := parse(p, kb)
	if err != nil {
		tb.Fatalf("hetest: parse keys: %v", err)
	}
	return keys, kb
}
