package exact

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
)

// lattigoBytes is Lattigo's own full encoding of a gadget ciphertext, both
// halves of every component.
func lattigoBytes(t *testing.T, g *rlwe.GadgetCiphertext) []byte {
	b, err := g.MarshalBinary()
	require.NoError(t, err)
	return b
}

// TestEvaluationKeysRegenerate: over many seeds, the server's keys decoded
// from the seeded encoding equal the client's byte for byte, both halves of
// every component of every gadget ciphertext (a replay that drifted by one
// sampler buffer would garble some keys only: hamming once lost 1 client
// in ~56 that way, hence many seeds).
func TestEvaluationKeysRegenerate(t *testing.T) {
	p := testParams(t)
	plan, err := newCircuitPlan(p)
	require.NoError(t, err)
	const seeds = 40
	rng := rand.NewChaCha8([32]byte{7})
	sk := newSecretKey(p)
	for s := 0; s < seeds; s++ {
		rots := exactRotations
		if s%4 != 0 {
			rots = exactRotations[:1] // cheaper; the relinearisation key is always there
		}
		ek, err := sk.genEvaluationKeys(rots, plan.evalLevel, rng)
		require.NoError(t, err)
		_, got := keysRoundTrip(t, p, ek)
		require.Equal(t, lattigoBytes(t, &ek.rlk.GadgetCiphertext), lattigoBytes(t, &got.rlk.GadgetCiphertext), "seed %d: relinearisation key", s)
		require.Len(t, got.gks, len(rots))
		for i := range ek.gks {
			require.Equal(t, lattigoBytes(t, &ek.gks[i].GadgetCiphertext), lattigoBytes(t, &got.gks[i].GadgetCiphertext), "seed %d: galois key %d", s, i)
			require.Equal(t, ek.gks[i].GaloisElement, got.gks[i].GaloisElement)
			require.Equal(t, ek.gks[i].NthRoot, got.gks[i].NthRoot)
		}
	}
}
