package hamming

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDatabaseStorage checks the packed stores: coefficients mod t (17
// bits, bit 16 included) round-trip through putCoef/getCoef, and MemBytes
// counts 2.125 bytes per bit for them, 4.25 per narrow prime and 8 per
// wide prime, plus the base values.
func TestDatabaseStorage(t *testing.T) {
	p := testParams(t, 64, 10)
	db := make([][32]byte, 5)
	N := p.N()
	for _, tc := range []struct {
		limbs, narrow, wide int
		coef                bool
	}{{0, 0, 0, true}, {3, 3, 0, true}, {9, 8, 1, true}, {10, 8, 2, false}} {
		d, err := preprocess(p, db, tc.limbs, 1)
		require.NoError(t, err)
		require.Equal(t, []int{tc.narrow, tc.wide}, []int{d.narrow, d.wide})
		bitsN := d.cols * N // one group
		want := 8*N + bitsN*(4*tc.narrow+8*tc.wide) + bitsN*tc.narrow/4
		if tc.coef {
			want += 2*bitsN + bitsN/8
		}
		require.Equal(t, want, d.memBytes(), "%d limbs", tc.limbs)
		if !tc.coef {
			continue
		}
		v := make([]uint64, N)
		for i := range v {
			v[i] = uint64(i*7919) % PlaintextModulus
		}
		v[1] = PlaintextModulus - 1
		clear(d.coefLo)
		clear(d.coefHi)
		d.putCoef(0, 2, v)
		got := make([]uint64, N)
		d.getCoef(0, 2, got)
		require.Equal(t, v, got)
	}
}
