package hashmatch

import (
	"slices"
	"testing"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// TestKeysSeeded generates the seeded keys at the insecure test
// parameters, decodes them and checks that the decoded keys work: a
// rotation and a relinearised product under the circuit's keys, and a
// rotation under a bootstrapping Galois key at the bootstrapping chain's
// top level; then that bad encodings are refused.
func TestKeysSeeded(t *testing.T) {
	p, c := insecureClient(t, "bootstrapping keys at N = 2^13: seconds")
	keys, err := c.Keys()
	require.NoError(t, err)
	require.Equal(t, KeysSize(p), keys.BinarySize())
	data, err := keys.MarshalBinary()
	require.NoError(t, err)
	got, err := UnmarshalKeys(p, data)
	require.NoError(t, err)
	ks, err := got.decode()
	require.NoError(t, err)
	unseeded := ks.evk.BinarySize() + ks.btp.BinarySize()
	circ, boot := keys.Count()
	t.Logf("%d circuit + %d bootstrapping keys: %d B seeded, %d B in Lattigo's encoding (ratio %.3f)",
		circ, boot, keys.BinarySize(), unseeded, float64(keys.BinarySize())/float64(unseeded))
	require.Less(t, keys.BinarySize(), unseeded*6/10)

	// The circuit's keys: rotate by one and square.
	vals := make([]float64, nSlots)
	for i := range vals {
		vals[i] = float64(i%17) / 17
	}
	ecd := hefloat.NewEncoder(p.residual)
	pt := hefloat.NewPlaintext(p.residual, p.residual.MaxLevel())
	pt.LogDimensions = dims
	require.NoError(t, ecd.Encode(vals, pt))
	ct, err := c.enc.EncryptNew(pt)
	require.NoError(t, err)
	eval := hefloat.NewEvaluator(p.residual, ks.evk)
	rot, err := eval.RotateNew(ct, 1)
	require.NoError(t, err)
	sq, err := eval.MulRelinNew(ct, ct)
	require.NoError(t, err)
	got1, got2 := c.decryptSlots(rot), c.decryptSlots(sq)
	for i := range vals {
		require.InDelta(t, vals[(i+1)%nSlots], got1[i], 1e-4, "rotation slot %d", i)
		require.InDelta(t, vals[i]*vals[i]*p.residual.DefaultScale().Float64(), got2[i]*sq.Scale.Float64()/p.residual.DefaultScale().Float64(), 1e-2*p.residual.DefaultScale().Float64(), "square slot %d", i)
	}

	// A bootstrapping Galois key (a rotation the bootstrapping circuit
	// uses) at the top of the bootstrapping chain.
	bp := p.btp.BootstrappingParameters
	k, els := 0, p.btpGalois()
	for r := 1; r < nSlots && k == 0; r++ {
		if slices.Contains(els, bp.GaloisElement(r)) {
			k = r
		}
	}
	require.NotZero(t, k, "no rotation among the bootstrapping keys")
	becd := hefloat.NewEncoder(bp)
	bpt := hefloat.NewPlaintext(bp, bp.MaxLevel())
	bpt.LogDimensions = dims
	require.NoError(t, becd.Encode(vals, bpt))
	bct, err := rlwe.NewEncryptor(bp, c.sk).EncryptNew(bpt)
	require.NoError(t, err)
	brot, err := hefloat.NewEvaluator(bp, ks.btp.MemEvaluationKeySet).RotateNew(bct, k)
	require.NoError(t, err)
	got3 := make([]float64, nSlots)
	require.NoError(t, becd.Decode(rlwe.NewDecryptor(bp, c.sk).DecryptNew(brot), got3))
	for i := range vals {
		require.InDelta(t, vals[(i+k)%nSlots], got3[i], 1e-4, "bootstrapping rotation by %d, slot %d", k, i)
	}

	// Every bootstrapping key, the encapsulation keys included: one real
	// bootstrap of a level-1 ciphertext.
	be, err := bootstrapping.NewEvaluator(p.btp, ks.btp)
	require.NoError(t, err)
	low := ct.CopyNew()
	eval.DropLevel(low, low.Level()-1)
	booted, err := evalBootstrapper{be}.Bootstrap(low)
	require.NoError(t, err)
	got4 := c.decryptSlots(booted)
	worst := 0.0
	for i := range vals {
		worst = max(worst, abs(got4[i]-vals[i]))
	}
	t.Logf("one bootstrap at the test parameters: worst error %.2g", worst)
	require.Less(t, worst, 1e-3)

	t.Run("bad", func(t *testing.T) {
		for name, mut := range map[string]func([]byte) []byte{
			"truncated": func(b []byte) []byte { return b[:len(b)-1] },
			"extended":  func(b []byte) []byte { return append(b, 0) },
			"kind":      func(b []byte) []byte { b[2] ^= 1; return b },
			"params":    func(b []byte) []byte { b[5] ^= 1; return b },
		} {
			_, err := UnmarshalKeys(p, mut(append([]byte(nil), data...)))
			require.Error(t, err, name)
		}
		// An unreduced residue, and a wrong Galois element, pass the
		// header check and are caught by the decoder.
		b := append([]byte(nil), data...)
		for i := core.HeaderLen + core.SeedLen; i < core.HeaderLen+core.SeedLen+8; i++ {
			b[i] = 0xff
		}
		k, err := UnmarshalKeys(p, b)
		require.NoError(t, err)
		_, err = k.decode()
		require.Error(t, err)
		b = append([]byte(nil), data...)
		res, _ := p.codecs()
		off := core.HeaderLen + core.GadgetSize(res, &rlwe.NewRelinearizationKey(p.residual).GadgetCiphertext)
		b[off] ^= 1
		k, err = UnmarshalKeys(p, b)
		require.NoError(t, err)
		_, err = k.decode()
		require.ErrorContains(t, err, "galois element")
	})
}
