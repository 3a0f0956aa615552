package hamming

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
)

// TestSeededKeysRegenerate checks that the server redraws, from the seed
// alone, exactly the uniform halves Lattigo's key generator drew, for the
// relinearisation key and a Galois key, and that a different seed does not.
func TestSeededKeysRegenerate(t *testing.T) {
	p := testParams(t, 256, 31)
	c, err := NewClient(p, nil)
	require.NoError(t, err)
	seed := []byte("0123456789abcdef0123456789abcdef")
	kgen, err := seededKeyGenerator(p, seed)
	require.NoError(t, err)
	rlk := kgen.GenRelinearizationKeyNew(c.sk)
	kgen, err = seededKeyGenerator(p, seed)
	require.NoError(t, err)
	gk := kgen.GenGaloisKeyNew(expandGaloisElements(p)[3], c.sk)
	for _, g := range []*rlwe.GadgetCiphertext{&rlk.GadgetCiphertext, &gk.GadgetCiphertext} {
		re := g.CopyNew()
		other := g.CopyNew()
		require.NoError(t, regenerateC1(p, seed, re))
		require.NoError(t, regenerateC1(p, []byte("another seed of thirty-two bytes"), other))
		for i := range g.Value {
			for j := range g.Value[i] {
				require.True(t, g.Value[i][j][1].Equal(&re.Value[i][j][1]), "component %d,%d", i, j)
				require.False(t, g.Value[i][j][1].Equal(&other.Value[i][j][1]), "component %d,%d", i, j)
			}
		}
	}
	p14, err := NewParams(PN14)
	require.NoError(t, err)
	require.Less(t, p14.KeysSize(), 64<<20, "one-time keys goal")
}
