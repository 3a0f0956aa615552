package hamming

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/stretchr/testify/require"
)

// TestDiagonalMatchesReference runs the diagonal circuit at the insecure
// preset (and, without -short, at H14D) against the clear reference: the
// verdict just inside, at and beyond the threshold, and the count of zero
// slots, which in the one group is exactly the count of entries within
// the threshold. Flooding is off so that the circuit's own decryption
// error is measured: it must stay a bit below the budget q0/(2t).
func TestDiagonalMatchesReference(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	hetest.AllowInsecure()
	cases := []struct {
		name      string
		lit       Literal
		bits, thr int
		size      int
	}{
		{"H12D/bits=256/t=31/db=N/2", H12DInsecure, 256, 31, 2048},
		{"H12D/bits=64/t=10/db=100", H12DInsecure, 64, 10, 100},
		{"H12D/bits=128/t=0/db=2000", H12DInsecure, 128, 0, 2000},
		{"H12D/bits=64/t=31/db=1", H12DInsecure, 64, 31, 1},
	}
	if !testing.Short() {
		cases = append(cases, struct {
			name      string
			lit       Literal
			bits, thr int
			size      int
		}{"H14D/bits=256/t=31/db=N/2-5", H14D, 256, 31, 1<<13 - 5})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lit
			l.HashBits, l.Threshold = tc.bits, tc.thr
			p, err := NewParameters(l)
			require.NoError(t, err)
			db := make([][32]byte, tc.size)
			for i := range db {
				db[i] = randHash(r, tc.bits)
			}
			target := r.IntN(tc.size)
			db[(target+1)%tc.size] = atDistance(r, db[target], tc.bits, 2) // two entries near the query
			srv, err := NewServer(p, db, Options{FloodBits: -1})
			require.NoError(t, err)
			require.Equal(t, 1, srv.Outputs())
			c, err := NewClient(p, nil)
			require.NoError(t, err)
			keys, kb := hetest.Keys(t, p, c.Setup, ParseKeys)
			require.Len(t, kb, p.KeysSize())
			for _, d := range []int{tc.thr - 1, tc.thr, tc.thr + 1} {
				if d < 0 {
					continue
				}
				x := atDistance(r, db[target], tc.bits, d)
				want, wantN := Match(db, x, tc.bits, tc.thr)
				_, ans, rep, sst := exchange(t, p, srv, keys, c, x)
				got, gotN, err := srv.Verdict(sst, rep)
				require.NoError(t, err)
				require.Equal(t, want, got, "distance %d", d)
				require.Equal(t, wantN, gotN, "distance %d: zero slots", d)
				noise, budget := answerNoise(t, c, ans)
				t.Logf("distance %d: %d matching slots, circuit noise 2^%.1f, budget 2^%.1f", d, gotN, noise, budget)
				require.Less(t, noise, budget-1, "distance %d", d)
			}
		})
	}
}

// TestDiagonalRefuses: a threshold deeper than H14D's chain, a hash
// length that is not a power of two, and more entries than columns.
func TestDiagonalRefuses(t *testing.T) {
	l := H14D
	l.Threshold = 32
	_, err := NewParameters(l)
	require.ErrorContains(t, err, "threshold 32")
	l = H14D
	l.HashBits = 200
	_, err = NewParameters(l)
	require.ErrorContains(t, err, "power of two")
	hetest.AllowInsecure()
	p, err := NewParameters(H12DInsecure)
	require.NoError(t, err)
	_, err = NewServer(p, make([][32]byte, p.GroupSize()+1), Options{})
	require.ErrorContains(t, err, "at most")
}
