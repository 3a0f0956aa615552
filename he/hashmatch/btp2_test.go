package hashmatch

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
	"github.com/tuneinsight/lattigo/v5/utils"
	"github.com/tuneinsight/lattigo/v5/utils/sampling"
)

// TestBootstrapLattigoDense bootstraps with Lattigo's own
// N15QP880H16384H32 set as its tests do (diagnosis; opt in with
// PRIVMATCH_HASHMATCH_BTP2=full or sparse).
func TestBootstrapLattigoDense(t *testing.T) {
	mode := os.Getenv("PRIVMATCH_HASHMATCH_BTP2")
	if mode == "" {
		t.Skip("set PRIVMATCH_HASHMATCH_BTP2=full|sparse|mine")
	}
	ps := bootstrapping.DefaultParametersDense[3]
	ps.BootstrappingParams.LogN = utils.Pointy(ps.SchemeParams.LogN)
	if mode == "mine" {
		ps.SchemeParams.LogQ = Default.LogQ
		ps.BootstrappingParams.EvalModLogScale = utils.Pointy(Default.EvalModLogScale)
		ps.BootstrappingParams.LogSlots = utils.Pointy(logSlots)
		ps.BootstrappingParams.LogMessageRatio = utils.Pointy(11)
	}
	if mode == "n16shape" {
		ps.SchemeParams.LogQ = Default.LogQ
		ps.BootstrappingParams.SlotsToCoeffsFactorizationDepthAndLogScales = [][]int{{39}, {39}, {39}}
		ps.BootstrappingParams.CoeffsToSlotsFactorizationDepthAndLogScales = [][]int{{56}, {56}, {56}, {56}}
		ps.BootstrappingParams.EvalModLogScale = nil
		ps.BootstrappingParams.LogSlots = utils.Pointy(logSlots)
	}
	if mode == "mine2" {
		ps.SchemeParams.LogQ = Default.LogQ
		ps.BootstrappingParams.SlotsToCoeffsFactorizationDepthAndLogScales = Default.SlotsToCoeffs
		ps.BootstrappingParams.CoeffsToSlotsFactorizationDepthAndLogScales = Default.CoeffsToSlots
		ps.BootstrappingParams.EvalModLogScale = utils.Pointy(Default.EvalModLogScale)
		ps.BootstrappingParams.LogP = Default.LogP
		ps.BootstrappingParams.LogSlots = utils.Pointy(logSlots)
	}
	if mode == "n16at15" {
		ps = bootstrapping.DefaultParametersSparse[0]
		ps.SchemeParams.LogN = 15
		ps.BootstrappingParams.LogN = utils.Pointy(15)
		ps.BootstrappingParams.LogSlots = utils.Pointy(logSlots)
	}
	if mode == "sparse" {
		ps.BootstrappingParams.LogSlots = utils.Pointy(logSlots)
	}
	params, err := hefloat.NewParametersFromLiteral(ps.SchemeParams)
	require.NoError(t, err)
	btpParams, err := bootstrapping.NewParametersFromLiteral(params, ps.BootstrappingParams)
	require.NoError(t, err)
	if os.Getenv("PRIVMATCH_HASHMATCH_BTP2_RATIO") == "1" {
		// As Lattigo's own tests do for fewer slots.
		btpParams.Mod1ParametersLiteral.LogMessageRatio += min(max(15-btpParams.LogMaxSlots(), 0), 8)
	}
	t.Logf("%s: residual %v, logQP %.1f, slots 2^%d", mode, params.LogQ(), btpParams.BootstrappingParameters.LogQP(), btpParams.LogMaxSlots())
	sk := rlwe.NewKeyGenerator(btpParams.BootstrappingParameters).GenSecretKeyNew()
	ecd := hefloat.NewEncoder(params)
	enc := rlwe.NewEncryptor(params, sk)
	dec := rlwe.NewDecryptor(params, sk)
	evk, _, err := btpParams.GenEvaluationKeys(sk)
	require.NoError(t, err)
	eval, err := bootstrapping.NewEvaluator(btpParams, evk)
	require.NoError(t, err)
	values := make([]float64, 1<<btpParams.LogMaxSlots())
	for i := range values {
		values[i] = sampling.RandFloat64(-1, 1)
	}
	pt := hefloat.NewPlaintext(params, 0)
	pt.Scale = params.DefaultScale()
	if os.Getenv("PRIVMATCH_HASHMATCH_BTP2_RATIO") == "1" {
		pt.Scale = rlwe.NewScale(params.DefaultScale().Float64() / 8)
	}
	pt.LogDimensions = btpParams.LogMaxDimensions()
	require.NoError(t, ecd.Encode(values, pt))
	ct, err := enc.EncryptNew(pt)
	require.NoError(t, err)
	t0 := time.Now()
	var out *rlwe.Ciphertext
	if os.Getenv("PRIVMATCH_HASHMATCH_BTP2_EVAL") == "1" {
		out, err = eval.Evaluate(ct)
	} else {
		out, err = eval.Bootstrap(ct)
	}
	require.NoError(t, err)
	got := make([]float64, len(values))
	require.NoError(t, ecd.Decode(dec.DecryptNew(out), got))
	worst := 0.0
	for i := range values {
		worst = max(worst, math.Abs(got[i]-values[i]))
	}
	t.Logf("%s: level 0 -> %d of %d, worst error %.2e (2^%.1f), %.1f s wall", mode, out.Level(), params.MaxLevel(), worst, math.Log2(worst), time.Since(t0).Seconds())
}
