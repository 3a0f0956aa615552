package exact

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCellPoly: the server's fast cell polynomial equals binPoly, the
// reference, for cells of every size up to 71 items (PN14) and a larger
// prime t, reusing one scratch throughout.
func TestCellPoly(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s binPolyScratch
	for _, tm := range []uint64{65537, 786433, 2013265921} {
		b := newBarrett(tm)
		for x := uint64(0); x < 2000; x++ {
			v := r.Uint64() % (1 << 62)
			require.Equal(t, v%tm, b.red(v))
		}
		for _, n := range []int{0, 1, 2, 5, 19, 70, 71} {
			deg := 71
			seen := map[uint64]bool{}
			var u, w []uint64
			for len(u) < n {
				x := r.Uint64N(tm)
				if !seen[x] {
					seen[x] = true
					u = append(u, x)
					w = append(w, r.Uint64N(tm))
				}
			}
			rho := 1 + r.Uint64N(tm-1)
			want := binPoly(u, w, rho, tm, deg)
			got := make([]uint64, deg+1)
			cellPoly(got, u, w, rho, b, &s)
			require.Equal(t, want, got, "t=%d n=%d", tm, n)
			for i := range u {
				require.Equal(t, (tm-w[i])%tm, evalPoly(got, u[i], tm))
			}
		}
	}
}
