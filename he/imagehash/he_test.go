package imagehash

import (
	"math"
	"testing"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// setup builds a client, its keys and a server for alg at lit.
func setup(t testing.TB, alg Alg, lit he.Literal) (Parameters, *Client, *Server) {
	t.Helper()
	p, err := NewParameters(Literal{Literal: lit, Alg: alg})
	require.NoError(t, err)
	c, err := NewClient(p, nil)
	require.NoError(t, err)
	keys, err := c.Keys()
	require.NoError(t, err)
	require.Len(t, keys, KeysSize(p))
	s, err := NewServer(p, keys)
	require.NoError(t, err)
	return p, c, s
}

// queryAnswer encrypts luma into a query and has s answer it, checking
// both sizes.
func queryAnswer(t testing.TB, c *Client, s *Server, luma []float64) (q, a []byte) {
	t.Helper()
	q, err := c.QueryLuma(luma)
	require.NoError(t, err)
	require.Len(t, q, QuerySize(c.p))
	a, err = s.Answer(q)
	require.NoError(t, err)
	require.Len(t, a, AnswerSize(c.p))
	return q, a
}

// TestEncryptedMatchesPlain runs the encrypted pipeline on the corpus at
// the default parameters. The coefficients must equal the float64 DCT
// within coefTol (relative to the largest possible output, 255 times the
// row norm), and every hash bit must equal the plaintext hasher's except
// for coefficients within that tolerance of the median.
func TestEncryptedMatchesPlain(t *testing.T) {
	imgs := corpus(t)
	if testing.Short() {
		imgs = imgs[:3]
	}
	// 2^-23 of full scale: CKKS at scale 2^40 leaves errors near 2^-25.
	const coefTol = 1.0 / (1 << 23)
	for _, alg := range []Alg{AlgPHash8, AlgPDQ} {
		t.Run(string(alg), func(t *testing.T) {
			p, c, s := setup(t, alg, Default)
			full := 255 * normaliser(alg)
			tol := coefTol * full
			worst, flips, near := 0.0, 0, 0
			for _, im := range imgs {
				q, err := c.Query(im.img)
				require.NoError(t, err)
				require.Len(t, q, QuerySize(p))
				a, err := s.Answer(q)
				require.NoError(t, err)
				require.Len(t, a, AnswerSize(p))
				res, err := c.Finish(a)
				require.NoError(t, err)
				luma, err := Luma(alg, im.img)
				require.NoError(t, err)
				want, err := PlainCoefficients(alg, luma)
				require.NoError(t, err)
				for i := range want {
					e := math.Abs(res.Coefficients[i] - want[i])
					worst = max(worst, e)
					require.LessOrEqualf(t, e, tol, "%s coefficient %d: %g vs %g", im.name, i, res.Coefficients[i], want[i])
				}
				ph, err := plainHasher(alg).Hash(im.img)
				require.NoError(t, err)
				d, err := phash.Distance(res.Hash, ph)
				require.NoError(t, err)
				n := NearMedian(alg, want, 2*tol)
				require.LessOrEqualf(t, d, n, "%s: %d bits differ, only %d coefficients within %g of the median", im.name, d, n, 2*tol)
				flips += d
				near += n
			}
			t.Logf("%s: %d images, worst coefficient error %.3g (%.3g of full scale %.4g), %d bits differ from %s, %d coefficients within 2x tolerance of the median",
				alg, len(imgs), worst, worst/full, full, flips, plainHasher(alg).Name(), near)
		})
	}
}

// TestSeededKeysRegenerate checks that the server rebuilds every Galois
// key, uniform component included, exactly as the client generated it.
func TestSeededKeysRegenerate(t *testing.T) {
	p, err := NewParameters(Literal{Literal: Default, Alg: AlgPHash8})
	require.NoError(t, err)
	c, err := NewClient(p, nil)
	require.NoError(t, err)
	gks, b, err := p.genKeys(c.sk, c.rng)
	require.NoError(t, err)
	require.Len(t, b, KeysSize(p))
	back, err := p.decodeKeys(b)
	require.NoError(t, err)
	require.Len(t, back, len(gks))
	for i := range gks {
		require.Equal(t, gks[i].GaloisElement, back[i].GaloisElement)
		require.True(t, gks[i].Equal(back[i]), "key %d", i)
	}
}
