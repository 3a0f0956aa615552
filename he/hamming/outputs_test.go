package hamming

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
)

// n10Params is the insecure test preset at N = 2^10 (TESTS ONLY): groups
// of 1024 entries, so databases with several answer ciphertexts stay small.
func n10Params(t testing.TB) Parameters {
	t.Helper()
	hetest.AllowInsecure()
	l := H12Insecure
	l.Name, l.LogN = "H10Insecure", 10
	p, err := NewParameters(l)
	require.NoError(t, err)
	return p
}

type n10Fixture struct {
	p    Parameters
	c    *Client
	keys *Keys
}

func newN10Fixture(t testing.TB) n10Fixture {
	t.Helper()
	p := n10Params(t)
	c, err := NewClient(p, hetest.Rand(t, 3))
	require.NoError(t, err)
	keys, _ := hetest.Keys(t, p, c.Setup, ParseKeys)
	return n10Fixture{p: p, c: c, keys: keys}
}

// TestEveryDatabaseSize runs the protocol through the engine on database
// sizes whose groups do not divide evenly across the answer ciphertexts
// (9,216 entries at N = 2^10 failed with "output 1 at level 0" before
// every output ran the same product tree), and on sizes that are not a
// multiple of N: a member at the threshold matches, a hash beyond it does
// not.
func TestEveryDatabaseSize(t *testing.T) {
	f := newN10Fixture(t)
	r := rand.New(rand.NewPCG(10, 10))
	sizes := []int{1, 1023, 1025, 9 * 1024, 25*1024 + 3}
	if testing.Short() {
		sizes = []int{1, 9 * 1024}
	}
	for _, size := range sizes {
		db := make([][32]byte, size)
		for i := range db {
			db[i] = randHash(r, 256)
		}
		srv, err := NewServer(f.p, db, Options{})
		require.NoError(t, err, "size %d", size)
		target := r.IntN(size)
		for _, d := range []int{31, 40} {
			x := atDistance(r, db[target], 256, d)
			want, wantN := Match(db, x, 256, 31)
			got, gotN := runK(t, f, srv, x)
			require.Equal(t, want, got, "size %d (K = %d) distance %d", size, srv.Outputs(), d)
			require.LessOrEqual(t, gotN, wantN)
		}
		t.Logf("size %d: %d answer ciphertexts", size, srv.Outputs())
	}
}

func runK(t testing.TB, f n10Fixture, srv *Server, x [32]byte) (bool, int) {
	t.Helper()
	return run(t, f.p, srv, f.keys, f.c, x)
}

// plainOutputs is what a semi-honest server can compute for a guessed
// query x: F_{o,i} = prod over the groups g of output o of f(h_{g,i}),
// f(h) = prod_{r<=k} (h - r) mod t, h = a + B + pi*C - <x, y> (padding
// entries: B = n+1, C = 0, y = 0).
func plainOutputs(p Parameters, srv *Server, db [][32]byte, x [32]byte) [][]uint64 {
	n := p.lit.HashBits
	k, e := p.half()
	t := uint64(PlaintextModulus)
	w := 0
	for j := 0; j < n; j++ {
		w += int(bit(&x, j))
	}
	a, pi := (w+e)/2, (w+e)%2
	out := make([][]uint64, srv.Outputs())
	for o := range out {
		out[o] = make([]uint64, p.N())
		for i := range out[o] {
			v := uint64(1)
			for _, g := range srv.outputGroups(o) {
				h := a + n + 1 // padding entry, or the padding group
				if idx := g*p.N() + i; g < srv.db.groups && idx < len(db) {
					wy, dot := 0, 0
					for j := 0; j < n; j++ {
						wy += int(bit(&db[idx], j))
						dot += int(bit(&db[idx], j) & bit(&x, j))
					}
					h = a + wy/2 + pi*(wy%2) - dot
				}
				for r := 0; r <= k; r++ {
					v = v * ((uint64(h) + t - uint64(r)) % t) % t
				}
			}
			out[o][i] = v
		}
	}
	return out
}

// TestNoRatioLeak is the attack of issue 13 item 1: a semi-honest server
// that unmasks the reply holds y_o = R_o * F_o per slot; with one R for all
// outputs, y_0 * F'_1 = y_1 * F'_0 holds on every slot exactly when its
// guess x' is the client's hash, so it can confirm a guessed non-matching
// hash. With independent randomisers per output it holds on a slot only
// when R_0 = R_1 there (probability 1/(t-1)).
func TestNoRatioLeak(t *testing.T) {
	f := newN10Fixture(t)
	r := rand.New(rand.NewPCG(13, 1))
	db := make([][32]byte, 10*1024)
	for i := range db {
		db[i] = randHash(r, 256)
	}
	srv, err := NewServer(f.p, db, Options{})
	require.NoError(t, err)
	require.Equal(t, 2, srv.Outputs(), "10 groups at N = 2^10 need two answer ciphertexts")
	x := randHash(r, 256)
	if m, _ := Match(db, x, 256, 31); m {
		t.Fatal("random query matches; pick another seed")
	}
	q, cst, err := f.c.Query(x, srv.Outputs())
	require.NoError(t, err)
	ans, sst, err := srv.Answer(f.keys, q)
	require.NoError(t, err)
	rep, err := f.c.Finish(cst, ans)
	require.NoError(t, err)
	masks := sst.masks
	m, _, err := srv.Verdict(sst, rep)
	require.NoError(t, err)
	require.False(t, m)
	y := make([][]uint64, 2)
	vals := make([]uint64, f.p.N())
	nb := (f.p.N()*replyWidth + 7) / 8
	tt := uint64(PlaintextModulus)
	for o := range y {
		off := core.HeaderLen + 2 + o*nb
		require.NoError(t, unpackValues(rep[off:off+nb], vals))
		y[o] = make([]uint64, f.p.N())
		for i, v := range vals {
			y[o][i] = (v + tt - masks[o][i]) % tt
		}
	}
	consistent := func(guess [32]byte) int {
		F := plainOutputs(f.p, srv, db, guess)
		c := 0
		for i := range y[0] {
			if y[0][i]*F[1][i]%tt == y[1][i]*F[0][i]%tt {
				c++
			}
		}
		return c
	}
	flipped := x
	flipped[0] ^= 1
	truth, near, random := consistent(x), consistent(flipped), consistent(randHash(r, 256))
	t.Logf("slots consistent with the guess: true hash %d, one bit flipped %d, random %d (of %d)", truth, near, random, f.p.N())
	require.Less(t, truth, 16, "the server can confirm the client's hash from the ratios of its outputs")

	// Control: the server's model of F is right. A matching query's
	// unmasked reply is zero exactly where the model's F is.
	near2 := atDistance(r, db[5*1024+7], 256, 20)
	q, cst, err = f.c.Query(near2, srv.Outputs())
	require.NoError(t, err)
	ans, sst, err = srv.Answer(f.keys, q)
	require.NoError(t, err)
	rep, err = f.c.Finish(cst, ans)
	require.NoError(t, err)
	F := plainOutputs(f.p, srv, db, near2)
	zeros := 0
	for o := range F {
		off := core.HeaderLen + 2 + o*nb
		require.NoError(t, unpackValues(rep[off:off+nb], vals))
		for i, v := range vals {
			require.Equal(t, F[o][i] == 0, v == sst.masks[o][i], "output %d slot %d", o, i)
			if F[o][i] == 0 {
				zeros++
			}
		}
	}
	require.Positive(t, zeros)
}

// TestTernaryUniform checks the re-randomiser's ternary draw: a byte of 255
// is rejected, so every byte 0..254 maps to -1, 0 and 1 equally often.
func TestTernaryUniform(t *testing.T) {
	const q = 97
	var all [255]byte
	for i := range all {
		all[i] = byte(i)
	}
	// Every byte value once, with 255 interleaved: it must be skipped.
	var stream []byte
	for _, b := range all {
		stream = append(stream, b, 255)
	}
	stream = append(stream, make([]byte, 256)...) // padding for the reader's block
	out := make([]uint64, 255)
	if err := ternary(bytes.NewReader(stream), q, out); err != nil {
		t.Fatal(err)
	}
	count := map[uint64]int{}
	for _, v := range out {
		count[v]++
	}
	if count[0] != 85 || count[1] != 85 || count[q-1] != 85 || len(count) != 3 {
		t.Fatalf("ternary counts %v, want 85 each of 0, 1, q-1", count)
	}
	if err := ternary(bytes.NewReader(nil), q, out); err == nil {
		t.Fatal("ternary on an empty reader: want an error")
	}
}
