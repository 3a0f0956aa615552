package hamming

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/stretchr/testify/require"
)

// testParams returns the insecure test preset (N = 2^12) with the given hash
// length and threshold.
func testParams(t testing.TB, bits, thr int) Parameters {
	t.Helper()
	hetest.AllowInsecure()
	l := H12Insecure
	l.HashBits, l.Threshold = bits, thr
	p, err := NewParameters(l)
	require.NoError(t, err)
	return p
}

func randHash(r *rand.Rand, nbits int) (h [32]byte) {
	for i := 0; i < nbits; i++ {
		if r.IntN(2) == 1 {
			h[i/8] |= 1 << (i % 8)
		}
	}
	return h
}

// atDistance flips d distinct bits of h among the first nbits.
func atDistance(r *rand.Rand, h [32]byte, nbits, d int) [32]byte {
	for _, j := range r.Perm(nbits)[:d] {
		h[j/8] ^= 1 << (j % 8)
	}
	return h
}

// run executes the whole protocol once.
func run(t testing.TB, p Parameters, srv *Server, keys *Keys, c *Client, x [32]byte) (bool, int) {
	t.Helper()
	_, _, rep, sst := exchange(t, p, srv, keys, c, x)
	m, n, err := srv.Verdict(sst, rep)
	require.NoError(t, err)
	return m, n
}

// exchange runs Query, Answer and Finish for x, checking every message's
// size, and returns the three messages and the server's verdict state.
func exchange(t testing.TB, p Parameters, srv *Server, keys *Keys, c *Client, x [32]byte) (q, ans, rep []byte, sst *VerdictState) {
	t.Helper()
	q, cst, err := c.Query(x, srv.Outputs())
	require.NoError(t, err)
	require.Len(t, q, p.QuerySize(srv.Outputs()))
	ans, sst, err = srv.Answer(keys, q)
	require.NoError(t, err)
	require.Len(t, ans, p.AnswerSize(srv.Outputs()))
	rep, err = c.Finish(cst, ans)
	require.NoError(t, err)
	require.Len(t, rep, p.ReplySize(srv.Outputs()))
	return q, ans, rep, sst
}

func TestProtocolMatchesReference(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for _, tc := range []struct {
		name      string
		bits, thr int
		size      int
	}{
		{"bits=256/t=31/db=3N", 256, 31, 3 * 4096},
		{"bits=64/t=10/db=100", 64, 10, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testParams(t, tc.bits, tc.thr)
			db := make([][32]byte, tc.size)
			for i := range db {
				db[i] = randHash(r, tc.bits)
			}
			srv, err := NewServer(p, db, Options{FloodBits: floodForTest})
			require.NoError(t, err)
			c, err := NewClient(p, nil)
			require.NoError(t, err)
			keys, kb := hetest.Keys(t, p, c.Setup, ParseKeys)
			require.Len(t, kb, p.KeysSize())
			target := r.IntN(tc.size)
			for _, d := range []int{tc.thr - 1, tc.thr, tc.thr + 1} {
				x := atDistance(r, db[target], tc.bits, d)
				want, wantN := Match(db, x, tc.bits, tc.thr)
				got, gotN := run(t, p, srv, keys, c, x)
				require.Equal(t, want, got, "distance %d", d)
				require.Equal(t, d <= tc.thr, got, "distance %d", d)
				require.LessOrEqual(t, gotN, wantN)
				if want {
					require.Positive(t, gotN)
				}
			}
		})
	}
}

var floodForTest = 0 // default flooding

// TestPreEncodeAgrees runs the protocol with the database pre-encoded at
// every prime (no coefficients kept), at three narrow primes, at nine
// (one wide prime stored, one lifted) and at none: the verdicts must agree
// with the reference at and just beyond the threshold.
func TestPreEncodeAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	p := testParams(t, 64, 10)
	db := make([][32]byte, 300)
	for i := range db {
		db[i] = randHash(r, 64)
	}
	c, err := NewClient(p, nil)
	require.NoError(t, err)
	keys, _ := hetest.Keys(t, p, c.Setup, ParseKeys)
	for _, opt := range []Options{{PreEncode: true}, {PreEncodeLimbs: 3}, {PreEncodeLimbs: 9}, {}} {
		srv, err := NewServer(p, db, opt)
		require.NoError(t, err)
		for _, d := range []int{10, 11} {
			x := atDistance(r, db[r.IntN(len(db))], 64, d)
			want, _ := Match(db, x, 64, 10)
			got, _ := run(t, p, srv, keys, c, x)
			require.Equal(t, want, got, "options %+v distance %d", opt, d)
		}
	}
}
