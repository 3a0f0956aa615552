package hashmatch

import (
	"crypto/rand"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// TestBootstrapPrecision bootstraps 4096 values uniform in [-1, 1] once
// and logs the output level and worst error, for the parameter set named
// by PRIVMATCH_HASHMATCH_BTP: "default" (Default) or "lattigo55" (Default's
// residual chain with Lattigo's EvalMod scale 2^55, above the 128-bit
// bound: for diagnosis only).
func TestBootstrapPrecision(t *testing.T) {
	name := os.Getenv("PRIVMATCH_HASHMATCH_BTP")
	if name == "" {
		t.Skip("set PRIVMATCH_HASHMATCH_BTP=default|lattigo55")
	}
	lit := Default
	insecure := false
	switch name {
	case "default":
	case "lattigo55":
		lit.EvalModLogScale = 55
		insecure = true
	case "ratio8":
		lit.LogMessageRatio = 8
	case "q4":
		lit.LogQ = []int{40, 31, 31, 31, 31}
		lit.EvalModLogScale = 55
	default:
		t.Fatalf("unknown set %q", name)
	}
	p, err := newParams(lit, insecure)
	require.NoError(t, err)
	t.Logf("%s: %s", name, p)
	sk := p.residual
	kgen := newKeyGen(p)
	s := kgen.GenSecretKeyNew()
	bp := p.btp
	slots := nSlots
	ldims := dims
	if os.Getenv("PRIVMATCH_HASHMATCH_BTP_FULL") == "1" {
		btLit := bootstrapping.ParametersLiteral{
			CoeffsToSlotsFactorizationDepthAndLogScales: lit.CoeffsToSlots,
			SlotsToCoeffsFactorizationDepthAndLogScales: lit.SlotsToCoeffs,
			EvalModLogScale: &lit.EvalModLogScale,
			LogN:            &lit.LogN,
		}
		bp, err = bootstrapping.NewParametersFromLiteral(p.residual, btLit)
		require.NoError(t, err)
		slots = p.residual.MaxSlots()
		ldims = p.residual.LogMaxDimensions()
		t.Logf("full slots: %d, logQP %.1f", slots, bp.BootstrappingParameters.LogQP())
	}
	btk, _, err := bp.GenEvaluationKeys(s)
	require.NoError(t, err)
	be, err := bootstrapping.NewEvaluator(bp, btk)
	require.NoError(t, err)
	ecd := hefloat.NewEncoder(sk)
	vals := make([]float64, slots)
	buf := make([]byte, slots)
	_, _ = rand.Read(buf)
	for i := range vals {
		vals[i] = float64(int(buf[i])-128) / 128
	}
	for _, lvl := range []int{1, 2} {
		pt := hefloat.NewPlaintext(sk, lvl)
		pt.LogDimensions = ldims
		require.NoError(t, ecd.Encode(vals, pt))
		ct, err := newEnc(p, s).EncryptNew(pt)
		require.NoError(t, err)
		t0 := time.Now()
		var out *rlwe.Ciphertext
		if os.Getenv("PRIVMATCH_HASHMATCH_BTP_EVAL") == "1" {
			out, err = be.Evaluate(ct)
		} else {
			out, err = be.Bootstrap(ct)
		}
		require.NoError(t, err)
		got := make([]float64, slots)
		require.NoError(t, ecd.Decode(newDec(p, s).DecryptNew(out), got))
		worst := 0.0
		for i := range vals {
			worst = max(worst, math.Abs(got[i]-vals[i]))
		}
		t.Logf("%s: level %d -> %d (dims %v), worst error %.2e (2^%.1f), %.1f s wall", name, lvl, out.Level(), out.LogDimensions, worst, math.Log2(worst), time.Since(t0).Seconds())
	}
}
