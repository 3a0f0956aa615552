package bench

import (
	"math"
	"testing"
)

func TestPerImage(t *testing.T) {
	if got, want := perImage(1e-7, 1e6), -math.Expm1(-0.1-5e-9); math.Abs(got-want) > 1e-13 { // n*log1p(-r) = -0.1 - 5e-9 - O(1e-15)
		t.Errorf("perImage = %v", got)
	}
	if perImage(1, 5) != 1 || perImage(0, 1e6) != 0 {
		t.Error("perImage edge cases")
	}
}
