package exact

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/stretchr/testify/require"
)

type binnedFixture struct {
	p    Parameters
	srv  *BinnedServer
	cli  *BinnedClient
	keys *Keys
	db   [][32]byte
	r    *rand.ChaCha8
	load time.Duration // NewBinnedServer's wall time
}

func newBinnedFixture(t testing.TB, lit Literal, n int) *binnedFixture {
	t.Helper()
	hetest.AllowInsecure()
	p, err := NewParameters(lit)
	require.NoError(t, err)
	r := rand.NewChaCha8([32]byte{4})
	db := randHashes(r, n)
	start := time.Now()
	srv, err := NewBinnedServer(p, db, rand.NewChaCha8([32]byte{5}))
	require.NoError(t, err)
	load := time.Since(start)
	cli, err := NewBinnedClient(p, srv.Bins(), rand.NewChaCha8([32]byte{6}))
	require.NoError(t, err)
	keys, kb := hetest.Keys(t, srv, cli.Setup, (*BinnedServer).ParseKeys)
	require.Equal(t, BinnedKeysSize(p, srv.Bins()), len(kb))
	t.Logf("%s; %d entries in %d bins; keys %d B", p, n, srv.Bins(), len(kb))
	return &binnedFixture{p: p, srv: srv, cli: cli, keys: keys, db: db, r: r, load: load}
}

// reply runs Query, Answer and Finish for h, checking every size.
func (f *binnedFixture) reply(t testing.TB, h [32]byte) ([]byte, []byte, *VerdictState) {
	t.Helper()
	return roundTrip(t, h, f.cli.Query, f.keys, f.srv.Answer, f.cli.Finish,
		[3]int{QuerySize(f.p), BinnedAnswerSize(f.p), BinnedReplySize(f.p)})
}

func (f *binnedFixture) run(t testing.TB, h [32]byte) bool {
	t.Helper()
	_, reply, vst := f.reply(t, h)
	m, err := f.srv.Verdict(vst, reply)
	require.NoError(t, err)
	return m
}

// checkBinnedNoise measures the noise margin of a real answer.
func checkBinnedNoise(t testing.TB, f *binnedFixture) {
	t.Helper()
	ans, _, _ := f.reply(t, f.db[1])
	raw, err := decompressLevel0(f.p, ans[len(ans)-compressedSize(f.p):])
	require.NoError(t, err)
	used, avail := noiseBits(f.cli.sk, &ciphertext{params: f.p, ct: raw})
	t.Logf("answer noise: |m + t*e| up to 2^%.1f of 2^%.1f (margin %.1f bits)", used, avail, avail-used)
	require.Greater(t, avail-used, 3.0, "noise margin too small")
}

func TestBinnedMembership(t *testing.T) {
	f := newBinnedFixture(t, PN12BTest, 5000)
	for _, idx := range []int{0, 2500, 4999} {
		require.True(t, f.run(t, f.db[idx]), "member %d not matched", idx)
	}
	flip := f.db[77]
	flip[5] ^= 0x10
	require.False(t, f.run(t, flip), "one-bit neighbour matched")
	for _, h := range randHashes(f.r, 3) {
		require.False(t, f.run(t, h))
	}
	checkBinnedNoise(t, f)
}

// TestBinnedPN13B runs the 128-bit preset at 2^16 entries and measures
// its noise margin (slow: skipped under -short).
func TestBinnedPN13B(t *testing.T) {
	if testing.Short() {
		t.Skip("PN13B round trip takes seconds; skipped under -short")
	}
	f := newBinnedFixture(t, PN13B, 1<<16)
	require.True(t, f.run(t, f.db[4321]))
	require.False(t, f.run(t, randHashes(f.r, 1)[0]))
	checkBinnedNoise(t, f)
}

func TestBinnedTamper(t *testing.T) {
	f := newBinnedFixture(t, PN12BTest, 2000)
	C := BinSize(f.p)
	vals := make([]uint64, 2*C)
	for _, pos := range []int{0, C / 2, C - 1} {
		_, reply, vst := f.reply(t, f.db[3])
		got, err := decodeReply(f.p, reply, 2*C)
		require.NoError(t, err)
		copy(vals, got)
		vals[pos] = (vals[pos] + 1) % f.p.T()
		_, err = f.srv.Verdict(vst, encodeReply(f.p, vals))
		require.ErrorIs(t, err, ErrTampered, "altered position %d", pos)
	}
	// A reply is used once.
	_, reply, vst := f.reply(t, f.db[3])
	_, err := f.srv.Verdict(vst, reply)
	require.NoError(t, err)
	_, err = f.srv.Verdict(vst, reply)
	require.Error(t, err)
}

func TestBinsFor(t *testing.T) {
	p, err := NewParameters(PN13B)
	require.NoError(t, err)
	for _, n := range []int{1, 1 << 16, 1 << 18, 1 << 20, 1 << 22} {
		b, err := BinsFor(p, n)
		require.NoError(t, err)
		require.LessOrEqual(t, overflowLog2(n, b, binCapacity(p)), float64(OverflowLog2))
		if b > 1 {
			require.Greater(t, overflowLog2(n, b-1, binCapacity(p)), float64(OverflowLog2), "n=%d: %d bins not the fewest", n, b)
		}
		t.Logf("n=2^%.0f: %d bins, mean load %.0f of %d, expansion levels %d", math.Log2(float64(n)), b, float64(n)/float64(b), binCapacity(p), binnedExpandLog(b))
	}
	_, err = BinsFor(p, MaxBins(p)*BinSize(p)+1)
	require.ErrorIs(t, err, ErrTooLarge)
}

// TestBinnedWorkers: the expansion splits its tree over the evaluators
// (one per GOMAXPROCS); members match and non-members do not whatever the
// split, including a worker count that is not a power of two.
func TestBinnedWorkers(t *testing.T) {
	f := newBinnedFixture(t, PN12BTest, 3000)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3, 8} {
		runtime.GOMAXPROCS(procs)
		require.True(t, f.run(t, f.db[procs]), "procs=%d: member not matched", procs)
		require.False(t, f.run(t, randHashes(f.r, 1)[0]), "procs=%d: non-member matched", procs)
	}
}

// TestBinnedConcurrentAnswers runs three Answers at once against one
// binned server (run with -race).
func TestBinnedConcurrentAnswers(t *testing.T) {
	f := newBinnedFixture(t, PN12BTest, 1000)
	concurrentAnswers(t, f.db[5:8], f.cli.Query, f.keys, f.srv.Answer, f.cli.Finish, f.srv.Verdict)
}

// TestBinnedSelectorNotOneHot: a client sending a selector whose weights
// do not sum to one cannot force a match. The all-zero query (selector and
// felts zero) would make every difference zero without the server's fresh
// R term; a selector naming a member's bin twice (weight 2) leaves R in
// every difference too. Both give no match and no error.
func TestBinnedSelectorNotOneHot(t *testing.T) {
	f := newBinnedFixture(t, PN12BTest, 2000)
	h := f.db[9]
	for name, fill := range map[string]func([]uint64){
		"zero": func([]uint64) {},
		"weight 2": func(pT []uint64) {
			pT[BinOf(h, f.srv.Bins())] = 2
			for k, v := range fingerprintOf(h) {
				pT[f.srv.Bins()+k] = 2 * uint64(v)
			}
		},
	} {
		q, st, err := f.cli.queryCoeffs(fill)
		require.NoError(t, err)
		ans, vst, err := f.srv.Answer(f.keys, q)
		require.NoError(t, err)
		reply, err := f.cli.Finish(st, ans)
		require.NoError(t, err)
		m, err := f.srv.Verdict(vst, reply)
		require.NoError(t, err, name)
		require.False(t, m, "%s: forced a match", name)
	}
	require.True(t, f.run(t, h), "the member itself still matches")
}
