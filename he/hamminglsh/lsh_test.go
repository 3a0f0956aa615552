package hamminglsh

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// testLiteral is P64's layout over hamming's insecure diagonal preset at
// N = 2^11 (C = 1024 candidates, 16 tables): TESTS ONLY.
func testLiteral() Literal {
	hetest.AllowInsecure()
	l := P64
	l.Name = "T16"
	l.HE = hamming.H12DInsecure
	l.HE.Name, l.HE.LogN = "PN11Insecure", 11
	l.Tables = 16
	return l
}

func testParams(t testing.TB) Parameters {
	t.Helper()
	p, err := NewParameters(testLiteral())
	require.NoError(t, err)
	return p
}

func randItem(r *rand.Rand) (x [32]byte) {
	for i := range x {
		x[i] = byte(r.Uint32())
	}
	return x
}

func flip(r *rand.Rand, x [32]byte, d int) [32]byte {
	for _, j := range r.Perm(256)[:d] {
		x[j/8] ^= 1 << (j % 8)
	}
	return x
}

func TestPermutation(t *testing.T) {
	a := permutation("s", 3, 256)
	require.Equal(t, a, permutation("s", 3, 256), "not deterministic")
	require.NotEqual(t, a, permutation("s", 4, 256), "label ignored")
	b := slices.Clone(a)
	slices.Sort(b)
	for i, v := range b {
		require.Equal(t, i, v, "not a permutation")
	}
}

// TestKeyBits: k = ceil(log2(2 L n / C)) above the capacity, 0 up to it,
// refused beyond the pool.
func TestKeyBits(t *testing.T) {
	p, err := NewParameters(P64)
	require.NoError(t, err)
	for _, tc := range []struct{ n, k int }{{1, 0}, {1 << 13, 0}, {1<<13 + 1, 8}, {1 << 20, 14}, {1<<20 + 1, 15}, {1 << 22, 16}, {1 << 24, 18}} {
		k, err := p.KeyBits(tc.n)
		require.NoError(t, err)
		require.Equal(t, tc.k, k, "n=%d", tc.n)
	}
	l := P64
	l.Pool = 8
	p, err = NewParameters(l)
	require.NoError(t, err)
	_, err = p.KeyBits(1 << 20)
	require.Error(t, err)
}

func TestNewParametersRefuses(t *testing.T) {
	for name, f := range map[string]func(*Literal){
		"pool-0": func(l *Literal) { l.Pool = 0 }, "pool-65": func(l *Literal) { l.Pool = 65 },
		"tables-0": func(l *Literal) { l.Tables = 0 }, "tables-over-capacity": func(l *Literal) { l.Tables = 1<<14 + 1 },
	} {
		l := P64
		f(&l)
		_, err := NewParameters(l)
		require.Error(t, err, name)
	}
}

// TestCollide: the clear rule agrees with the keys the client sends, a
// hash always collides with itself, and collisions get rarer with k.
func TestCollide(t *testing.T) {
	p := testParams(t)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < 200; i++ {
		x := randItem(r)
		y := flip(r, x, r.IntN(64))
		for _, k := range []int{0, 4, 13} {
			kx, ky := p.Keys(x, k), p.Keys(y, k)
			same := false
			for t := range kx {
				same = same || kx[t] == ky[t]
			}
			require.Equal(t, same, p.Collide(x, y, k))
			require.True(t, p.Collide(x, x, k))
		}
	}
}

// TestLeakedBits measures what the bucket keys reveal: from the keys
// alone (no other knowledge) the server reads the query's bit at every
// leaked position, those positions are within the pool, and at P64's k
// for 2^20 entries they are the whole pool of 64 bits; at k = 0 nothing.
func TestLeakedBits(t *testing.T) {
	p, err := NewParameters(P64)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{0, 8, 14, 18} {
		leaked := p.LeakedPositions(k)
		x := randItem(r)
		mask, val := p.revealed(p.Keys(x, k), k)
		read := bits.OnesCount64(mask)
		require.Equal(t, len(leaked), read)
		for i, j := range p.pool {
			if mask>>i&1 == 1 {
				require.Equal(t, bit(&x, j), val>>i&1, "bit %d", j)
				require.Contains(t, leaked, j)
			}
		}
		require.LessOrEqual(t, read, P64.Pool)
		t.Logf("k=%d: the server reads %d bits of the query hash", k, read)
		if k >= 8 {
			require.Equal(t, P64.Pool, read, "k=%d", k)
		}
		if k == 0 {
			require.Zero(t, read)
		}
	}
}

func TestKeysRoundTrip(t *testing.T) {
	l := testLiteral()
	l.Tables = 15 // 15 k bits leave padding for odd k
	p, err := NewParameters(l)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{0, 1, 5, 13, 40} {
		keys := make([]uint64, p.lit.Tables)
		for i := range keys {
			keys[i] = r.Uint64() & (1<<k - 1)
		}
		b := p.packKeys(nil, keys, k)
		require.Len(t, b, p.keysLen(k))
		got, err := p.unpackKeys(b, k)
		require.NoError(t, err)
		require.Equal(t, keys, got)
		if k%8 != 0 {
			b[len(b)-1] |= 0x80
			_, err = p.unpackKeys(b, k)
			require.Error(t, err, "padding bit accepted")
		}
	}
}

// TestItemBitOrder: the engine's bit j is phash's Bit(j).
func TestItemBitOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	h, err := phash.NewHash("pdq", 256, b)
	require.NoError(t, err)
	x := Item(h)
	for j := 0; j < 256; j++ {
		require.Equal(t, h.Bit(j), bit(&x, j) == 1, "bit %d", j)
	}
}

// FuzzKeys: the bucket-key decoder refuses bytes or decodes them to keys
// that pack back to the same bytes, every key below 2^k.
func FuzzKeys(f *testing.F) {
	p := testParams(f)
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, p.keysLen(13)), uint8(13))
	f.Add([]byte{0xff, 0xff}, uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, k8 uint8) {
		k := int(k8) % (MaxKeyBits + 1)
		keys, err := p.unpackKeys(b, k)
		if err != nil {
			return
		}
		for _, v := range keys {
			if v>>k != 0 {
				t.Fatalf("key %x above %d bits", v, k)
			}
		}
		if got := p.packKeys(nil, keys, k); string(got) != string(b) {
			t.Fatalf("round trip: %x -> %x", b, got)
		}
	})
}
