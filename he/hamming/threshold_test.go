package hamming

import (
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// TestThresholdPolynomial evaluates the threshold circuit on every h in
// [0, n/2+1] (one per slot) at the level the distance stage leaves it and
// compares each slot with prod_{r<=k}(h - r) mod t, for thresholds whose
// factor counts take every path (no quadratic, odd and even pair counts,
// the h - k/2 factor). It also checks thresholdLeaves: the result sits at
// the level outputsFor plans with.
func TestThresholdPolynomial(t *testing.T) {
	for _, thr := range []int{0, 1, 4, 5, 10, 15, 31} {
		p := testParams(t, 256, thr)
		c, err := NewClient(p, hetest.Rand(t, 5))
		require.NoError(t, err)
		keys, _ := hetest.Keys(t, p, c.Setup, ParseKeys)
		k, _ := p.half()
		n := p.lit.HashBits
		vals := make([]uint64, p.N())
		for i := range vals {
			vals[i] = uint64(i % (n/2 + 2))
		}
		pt := bgv.NewPlaintext(p.bgv, p.bgv.MaxLevel()-1)
		require.NoError(t, c.ecd.Encode(vals, pt))
		ct, err := rlwe.NewEncryptor(p.bgv, c.sk).EncryptNew(pt)
		require.NoError(t, err)
		f, err := threshold(keys.eval.ShallowCopy(), ct, k)
		require.NoError(t, err)
		require.Equal(t, treeLevel(p.thresholdLeaves()), f.Level(), "T=%d", thr)
		got := make([]uint64, p.N())
		require.NoError(t, c.ecd.Decode(c.dec.DecryptNew(f), got))
		tm := uint64(PlaintextModulus)
		for i, h := range vals {
			want := uint64(1)
			for r := uint64(0); r <= uint64(k); r++ {
				want = want * ((h + tm - r) % tm) % tm
			}
			require.Equal(t, want, got[i], "T=%d h=%d", thr, h)
		}
	}
}
