package exact

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExactEvasionBound checks the O(m) walk against the maximum of
// Evasion over every a, and the 1/(e(t+1)) approximation.
func TestExactEvasionBound(t *testing.T) {
	for _, c := range [][2]int{{1024, 64}, {4096, 256}, {5120, 320}, {16384, 1024}, {100, 0}, {40, 39}} {
		m, tr := c[0], c[1]
		brute := 0.0
		for a := 1; a <= m-tr; a++ {
			brute = max(brute, Evasion(m, tr, a))
		}
		got := EvasionBound(m, tr)
		require.InEpsilon(t, brute, got, 1e-9, "m=%d t=%d", m, tr)
		t.Logf("m=%d t=%d bound %.4g, 1/(e(t+1)) %.4g", m, tr, got, 1/(2.718281828*float64(tr+1)))
	}
	b := EvasionBound(65536, 4096)
	require.InEpsilon(t, 1/(2.718281828*4097), b, 0.05)
	require.Zero(t, EvasionBound(10, 10))
}
