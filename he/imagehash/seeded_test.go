package imagehash

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// manyClientsSeed seeds the ChaCha8 stream the seeds of keys and queries
// are read from in TestManyFreshClients. Under it, fresh clients 9, 12
// and 15 at Default had keys that regenerated wrongly under an earlier
// regenerator that reused one sampler view across gadget entries (chosen
// for that: over 960 clients under seeds 1..40, 17 had such keys); the
// toolkit's RedrawC1 replays Lattigo's key generator instead.
const manyClientsSeed = 10

// withKeys returns a server for other evaluation keys that reuses s's
// encoded matrix (NewServer re-encodes it, about 0.4 s per client).
func (s *Server) withKeys(evk *rlwe.MemEvaluationKeySet) *Server {
	hp := hefloat.Parameters{Parameters: s.p.ckks}
	eval := hefloat.NewEvaluator(hp, evk)
	return &Server{p: s.p, lt: s.lt, eval: eval, ltEval: hefloat.NewLinearTransformationEvaluator(eval)}
}

// TestManyFreshClients makes many fresh clients, seeds of keys and
// queries drawn from a fixed ChaCha8 stream, and checks for each that the
// server rebuilds every Galois key exactly (both components) and that the
// decrypted DCT block of one random luma equals the float64 DCT within
// 2^-23 of full scale. Seeded keys once regenerated wrongly whenever
// rejection sampling rejected a draw in an early gadget entry: about one
// phash8 client in 55 at Default, every client at WithScale(35), whose
// 46- and 36-bit primes reject half of the draws.
func TestManyFreshClients(t *testing.T) {
	nDefault := 16
	if testing.Short() {
		nDefault = 10
	}
	for _, tc := range []struct {
		name    string
		lit     he.Literal
		clients int
		tol     float64 // of full scale
	}{
		{"scale=35", WithScale(35), 3, 1.0 / (1 << 18)},
		{"scale=40", Default, nDefault, 1.0 / (1 << 23)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var key [32]byte
			binary.LittleEndian.PutUint64(key[:], manyClientsSeed)
			rng := rand.NewChaCha8(key)
			t.Logf("seeds of keys and queries from ChaCha8 seeded with %d", manyClientsSeed)
			p, err := NewParameters(Literal{Literal: tc.lit, Alg: AlgPHash8})
			require.NoError(t, err)
			full := 255 * p.norm
			var base *Server
			worst := 0.0
			for ci := range tc.clients {
				c, err := NewClient(p, rng)
				require.NoError(t, err)
				gks, b, err := p.genKeys(c.sk, c.rng)
				require.NoError(t, err)
				back, err := p.decodeKeys(b)
				require.NoError(t, err)
				for i := range gks {
					for r, row := range gks[i].Value {
						for k, vec := range row {
							require.Truef(t, vec[0].Equal(&back[i].Value[r][k][0]), "client %d key %d (galois %d) entry (%d, %d): masked part differs", ci, i, gks[i].GaloisElement, r, k)
							require.Truef(t, vec[1].Equal(&back[i].Value[r][k][1]), "client %d key %d (galois %d) entry (%d, %d): regenerated uniform part differs", ci, i, gks[i].GaloisElement, r, k)
						}
					}
				}
				evk := rlwe.NewMemEvaluationKeySet(nil, back...)
				var s *Server
				if base == nil {
					base, err = NewServer(p, b)
					require.NoError(t, err)
					s = base
				} else {
					s = base.withKeys(evk)
				}
				luma := make([]float64, p.Inputs())
				for j := range luma {
					luma[j] = float64(rng.Uint64() % 256)
				}
				_, a := queryAnswer(t, c, s, luma)
				res, err := c.Finish(a)
				require.NoError(t, err)
				want, err := PlainCoefficients(AlgPHash8, luma)
				require.NoError(t, err)
				for i := range want {
					e := math.Abs(res.Coefficients[i]-want[i]) / full
					worst = max(worst, e)
					require.LessOrEqualf(t, e, tc.tol, "client %d coefficient %d: %g vs %g", ci, i, res.Coefficients[i], want[i])
				}
			}
			t.Logf("%d fresh clients at %s: keys regenerate exactly, worst coefficient error %.3g of full scale", tc.clients, p, worst)
		})
	}
}
