package imagehash

import (
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// TestPackRoundTrip packs random polynomials over moduli of every width
// the parameters use and checks the exact length and round trip.
func TestPackRoundTrip(t *testing.T) {
	seed := uint64(20261128)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for _, lit := range []he.Literal{Default, WithScale(20), WithScale(30)} {
		p, err := NewParameters(Literal{Literal: lit, Alg: AlgPHash8})
		require.NoError(t, err)
		moduli := append(p.ckks.Q(), p.ckks.P()...)
		poly := ring.NewPoly(p.ckks.N(), len(moduli)-1)
		for i, q := range moduli {
			for j := range poly.Coeffs[i] {
				poly.Coeffs[i][j] = r.Uint64N(q)
			}
			poly.Coeffs[i][0], poly.Coeffs[i][1] = 0, q-1
		}
		b := packPoly(nil, poly, moduli)
		require.Len(t, b, packedLen(p.ckks.N(), moduli))
		back := ring.NewPoly(p.ckks.N(), len(moduli)-1)
		require.NoError(t, unpackPoly(b, back, moduli))
		require.True(t, poly.Equal(&back))
	}
}

// TestDecodersReject feeds each decoder damaged messages.
func TestDecodersReject(t *testing.T) {
	p, c, s := setup(t, AlgPHash8, Default)
	other, err := NewParameters(Literal{Literal: WithScale(30), Alg: AlgPHash8})
	require.NoError(t, err)
	pdqParams, err := NewParameters(Literal{Literal: Default, Alg: AlgPDQ})
	require.NoError(t, err)
	luma := make([]float64, p.Inputs())
	q, a := queryAnswer(t, c, s, luma)
	keys, err := c.Keys()
	require.NoError(t, err)

	// Sets limb 0, coefficient 0 of the first packed polynomial at off to
	// all ones (>= q0, since q0 < 2^width).
	overflow := func(b []byte, off int) []byte {
		b = append([]byte(nil), b...)
		w := bits.Len64(p.ckks.Q()[0] - 1)
		for i := 0; i < w; i++ {
			b[off+i/8] |= 1 << (i % 8)
		}
		return b
	}
	damaged := func(b []byte) map[string][]byte {
		m := map[string][]byte{
			"empty":     nil,
			"header":    b[:core.HeaderLen],
			"truncated": b[:len(b)-1],
			"extended":  append(append([]byte(nil), b...), 0),
		}
		for name, at := range map[string]int{"magic": 0, "kind": 2, "version": 3, "params": 4} {
			x := append([]byte(nil), b...)
			x[at] ^= 0x40
			m[name] = x
		}
		return m
	}
	for name, b := range damaged(q) {
		_, err := s.Answer(b)
		require.Errorf(t, err, "query %s", name)
	}
	_, err = s.Answer(overflow(q, core.HeaderLen+core.SeedLen))
	require.ErrorContains(t, err, "modulus")
	for name, b := range damaged(a) {
		_, err := c.Finish(b)
		require.Errorf(t, err, "answer %s", name)
	}
	_, err = c.Finish(overflow(a, core.HeaderLen))
	require.ErrorContains(t, err, "modulus")
	_, err = c.Finish(q)
	require.Error(t, err, "query as answer")
	for name, b := range damaged(keys) {
		_, err := NewServer(p, b)
		require.Errorf(t, err, "keys %s", name)
	}
	_, err = NewServer(p, overflow(keys, core.HeaderLen+2+8+core.SeedLen))
	require.ErrorContains(t, err, "modulus")
	x := append([]byte(nil), keys...)
	x[core.HeaderLen+2] ^= 2 // galois element
	_, err = NewServer(p, x)
	require.ErrorContains(t, err, "galois element")
	_, err = NewServer(other, keys)
	require.Error(t, err, "keys under other parameters")
	_, err = NewServer(pdqParams, keys)
	require.Error(t, err, "keys for another algorithm")

	// Wrong inputs on the client side.
	y := append([]byte(nil), keys...)
	y[core.HeaderLen+2+8] ^= 1 // seed: decodes, but the keys no longer work
	s2, err := NewServer(p, y)
	require.NoError(t, err)
	a2, err := s2.Answer(q)
	require.NoError(t, err)
	res, err := c.Finish(a2)
	require.NoError(t, err)
	good, err := c.Finish(a)
	require.NoError(t, err)
	require.NotEqual(t, good.Coefficients, res.Coefficients, "a changed seed must change the result")

	_, err = c.QueryLuma(luma[:10])
	require.Error(t, err)
	_, err = Luma("nope", nil)
	require.Error(t, err)
	_, err = NewParameters(Literal{Alg: AlgPDQ, Literal: he.Literal{Name: "small", LogN: 12, LogQ: []int{40, 30}, LogP: []int{35}, LogScale: 30}})
	require.ErrorContains(t, err, "slots")
	_, err = NewParameters(Literal{Alg: AlgPHash8, Literal: he.Literal{Name: "big", LogN: 13, LogQ: []int{60, 50}, LogP: []int{60, 60}, LogScale: 50}})
	require.ErrorContains(t, err, "128-bit")
}
