package imagehash

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzSetup returns a phash8 client and server at the default parameters
// with a valid query and answer, built once per fuzz target.
func fuzzSetup(f *testing.F) (Parameters, *Client, *Server, []byte, []byte) {
	p, c, s := setup(f, AlgPHash8, Default)
	q, err := c.QueryLuma(make([]float64, p.Inputs()))
	require.NoError(f, err)
	a, err := s.Answer(q)
	require.NoError(f, err)
	return p, c, s, q, a
}

// FuzzAnswer: a query either fails to decode or has exactly QuerySize
// bytes and yields an answer of AnswerSize bytes (any in-range first
// component with any seed is a valid ciphertext).
func FuzzAnswer(f *testing.F) {
	p, _, s, q, _ := fuzzSetup(f)
	f.Add(q)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := s.Answer(data)
		if err != nil {
			return
		}
		require.Len(t, data, QuerySize(p))
		require.Len(t, a, AnswerSize(p))
	})
}

// FuzzFinish: an answer either fails to decode or has exactly AnswerSize
// bytes and gives Outputs coefficients and a 64-bit hash.
func FuzzFinish(f *testing.F) {
	p, c, _, _, a := fuzzSetup(f)
	f.Add(a)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := c.Finish(data)
		if err != nil {
			return
		}
		require.Len(t, data, AnswerSize(p))
		require.Len(t, res.Coefficients, p.Outputs())
		require.Equal(t, 64, res.Hash.Bits())
	})
}

// FuzzKeys: keys either fail to decode or have exactly KeysSize bytes.
func FuzzKeys(f *testing.F) {
	p, err := NewParameters(Literal{Literal: Default, Alg: AlgPHash8})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := NewServer(p, data); err == nil {
			require.Len(t, data, KeysSize(p))
		}
	})
}
