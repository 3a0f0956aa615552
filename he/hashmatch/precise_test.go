package hashmatch

import (
	"crypto/rand"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// TestPreciseBootstrap bootstraps 4096 values uniform in [-1, 1] and in
// [-2, 2] (the range of signFine's stage outputs) with Lattigo's
// bootstrapper and with preciseBootstrapper, and checks that the refined
// worst error is smaller (2 times at the insecure test preset, where it
// runs in seconds; 8 times at Default, with PRIVMATCH_HASHMATCH_BTP=default,
// about 10 GB and a minute) and one level lower.
func TestPreciseBootstrap(t *testing.T) {
	if testing.Short() {
		t.Skip("real bootstrapping keys (seconds)")
	}
	// At the test preset a plain bootstrap is already within a few times
	// of the rescaling floor the refinement's division adds (scale 2^40);
	// at Default it is far above it (scale 2^31, EvalMod's error).
	lit, gain := HM13Insecure, 2.0
	if os.Getenv("PRIVMATCH_HASHMATCH_BTP") == "default" {
		lit, gain = Default, 8
	}
	p, err := newParams(lit, true)
	require.NoError(t, err)
	s := rlwe.NewKeyGenerator(p.btp.BootstrappingParameters).GenSecretKeyNew()
	btk, _, err := p.btp.GenEvaluationKeys(s)
	require.NoError(t, err)
	be, err := bootstrapping.NewEvaluator(p.btp, btk)
	require.NoError(t, err)
	ecd := hefloat.NewEncoder(p.residual)
	dec := rlwe.NewDecryptor(p.residual, s)
	for _, amp := range []float64{1, 2} {
		vals := make([]float64, nSlots)
		buf := make([]byte, 2*nSlots)
		_, err := rand.Read(buf)
		require.NoError(t, err)
		for i := range vals {
			vals[i] = amp * (float64(int(buf[2*i])<<8|int(buf[2*i+1])) - 32768) / 32768
		}
		pt := hefloat.NewPlaintext(p.residual, 1)
		pt.LogDimensions = dims
		require.NoError(t, ecd.Encode(vals, pt))
		ct, err := rlwe.NewEncryptor(p.residual, s).EncryptNew(pt)
		require.NoError(t, err)
		worst := func(c *rlwe.Ciphertext) float64 {
			got := make([]float64, nSlots)
			require.NoError(t, ecd.Decode(dec.DecryptNew(c), got))
			w := 0.0
			for i := range vals {
				w = max(w, math.Abs(got[i]-vals[i]))
			}
			return w
		}
		plain, err := be.Evaluate(ct.CopyNew())
		require.NoError(t, err)
		pb := &preciseBootstrapper{Bootstrapper: evalBootstrapper{be}, eval: hefloat.NewEvaluator(p.residual, nil), n: 1}
		refined, err := pb.Bootstrap(ct)
		require.NoError(t, err)
		wp, wr := worst(plain), worst(refined)
		t.Logf("%s, values in [-%v, %v]: plain worst error 2^%.1f at level %d, refined 2^%.1f at level %d", p.lit.Name, amp, amp, math.Log2(wp), plain.Level(), math.Log2(wr), refined.Level())
		require.Less(t, wr, wp/gain, "refined bootstrap not %vx more precise", gain)
		require.Equal(t, plain.Level()-1, refined.Level())
		// Once n is spent it passes through.
		again, err := pb.Bootstrap(ct)
		require.NoError(t, err)
		require.Equal(t, plain.Level(), again.Level())
	}
}
