package hashmatch

import (
	"math"
	"testing"
)

// TestMaskBound checks the statistical distance the package doc states for
// the masked reveal: 32 slots of v*K + R with K < 2^7 and R uniform below
// 2^44 hide the verdict (v <= 1) to about 2^-32, and a count of up to |DB|
// to |DB| times that.
func TestMaskBound(t *testing.T) {
	if got := maskBound(1); got > math.Exp2(-31) || got < math.Exp2(-33) {
		t.Fatalf("verdict mask bound 2^%.2f, the doc states about 2^-32", math.Log2(got))
	}
	if got, one := maskBound(1024), maskBound(1); math.Abs(got-1024*one) > 1e-9*got {
		t.Fatalf("count mask bound %g, want 1024 x %g", got, one)
	}
}
