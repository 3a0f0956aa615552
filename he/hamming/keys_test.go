package hamming

import (
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
)

// lattigoBytes is Lattigo's own full encoding of a gadget ciphertext, both
// halves of every component.
func lattigoBytes(t *testing.T, g *rlwe.GadgetCiphertext) []byte {
	t.Helper()
	b, err := g.MarshalBinary()
	require.NoError(t, err)
	return b
}

// TestSeededKeysRegenerate: over many seeds, the keys the server decodes
// from the seeded encoding (the toolkit's codec) equal the client's byte
// for byte, both halves of every component of the relinearisation key and
// of every Galois key (the expansion's, and the diagonal circuit's
// rotations with four key-switching primes); the public key too.
func TestSeededKeysRegenerate(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	pe := testParams(t, 256, 31) // opens the test door
	pd, err := NewParameters(H12DInsecure)
	require.NoError(t, err)
	for s := 0; s < seeds; s++ {
		p := pe
		if s%2 == 1 {
			p = pd
		}
		c, err := NewClient(p, hetest.Rand(t, byte(s)))
		require.NoError(t, err)
		km, err := c.genKeys()
		require.NoError(t, err)
		b := km.marshal(p)
		require.Equal(t, p.KeysSize(), len(b))
		k, err := ParseKeys(p, b)
		require.NoError(t, err)
		rlk, err := k.evk.GetRelinearizationKey()
		require.NoError(t, err)
		require.Equal(t, lattigoBytes(t, &km.rlk.GadgetCiphertext), lattigoBytes(t, &rlk.GadgetCiphertext), "seed %d: relinearisation key", s)
		for i, gk := range km.gks {
			got, err := k.evk.GetGaloisKey(gk.GaloisElement)
			require.NoError(t, err)
			require.Equal(t, lattigoBytes(t, &gk.GadgetCiphertext), lattigoBytes(t, &got.GadgetCiphertext), "seed %d: galois key %d", s, i)
		}
		require.True(t, km.pk[0].Equal(&k.pk[0]) && km.pk[1].Equal(&k.pk[1]), "seed %d: public key", s)
	}
	for _, l := range []Literal{H14, H14D} {
		p14, err := NewParameters(l)
		require.NoError(t, err)
		require.Less(t, p14.KeysSize(), 64<<20, "%s: one-time keys goal", l.Name)
	}
}
