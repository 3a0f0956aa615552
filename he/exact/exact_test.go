package exact

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

func testParams(t testing.TB) Parameters {
	t.Helper()
	l := PN12Test
	hetest.AllowInsecure()
	p, err := NewParameters(l)
	require.NoError(t, err)
	return p
}

func randHashes(r *rand.ChaCha8, n int) [][32]byte {
	out := make([][32]byte, n)
	for i := range out {
		r.Read(out[i][:])
	}
	return out
}

type exactFixture struct {
	p      Parameters
	srv    *Server
	cli    *Client
	keys   *Keys
	db     [][32]byte
	seedRd *rand.ChaCha8
}

func newExactFixture(t testing.TB, n int) *exactFixture {
	t.Helper()
	p := testParams(t)
	r := rand.NewChaCha8([32]byte{1})
	db := randHashes(r, n)
	srv, err := NewServer(p, db, rand.NewChaCha8([32]byte{2}))
	require.NoError(t, err)
	cli, err := NewClient(p, rand.NewChaCha8([32]byte{3}))
	require.NoError(t, err)
	keys, kb := hetest.Keys(t, p, cli.Setup, ParseKeys)
	ks, err := KeysSize(p)
	require.NoError(t, err)
	require.Equal(t, ks, len(kb))
	return &exactFixture{p: p, srv: srv, cli: cli, keys: keys, db: db, seedRd: r}
}

// run performs one query and returns the server's verdict.
func (f *exactFixture) run(t testing.TB, h [32]byte) (bool, []byte, error) {
	t.Helper()
	reply, vst := f.reply(t, h)
	m, err := f.srv.Verdict(vst, reply)
	return m, reply, err
}

// reply runs Query, Answer and Finish for h, checking every message's
// size, and returns the client's reply and the server's verdict state.
func (f *exactFixture) reply(t testing.TB, h [32]byte) ([]byte, *VerdictState) {
	t.Helper()
	_, reply, vst := roundTrip(t, h, f.cli.Query, f.keys, f.srv.Answer, f.cli.Finish,
		[3]int{QuerySize(f.p), AnswerSize(f.p, f.srv.Partitions()), ReplySize(f.p, f.srv.Partitions())})
	return reply, vst
}

// roundTrip runs Query, Answer and Finish for h, requires each message
// to have its size in want (query, answer, reply) and returns the
// answer, the reply and the server's verdict state.
func roundTrip[K any](t testing.TB, h [32]byte, query func([32]byte) ([]byte, *QueryState, error), keys K,
	answer func(K, []byte) ([]byte, *VerdictState, error), finish func(*QueryState, []byte) ([]byte, error), want [3]int) ([]byte, []byte, *VerdictState) {
	t.Helper()
	q, st, err := query(h)
	require.NoError(t, err)
	ans, vst, err := answer(keys, q)
	require.NoError(t, err)
	reply, err := finish(st, ans)
	require.NoError(t, err)
	require.Equal(t, want, [3]int{len(q), len(ans), len(reply)}, "message sizes")
	return ans, reply, vst
}

func TestExactMembership(t *testing.T) {
	f := newExactFixture(t, 12000) // cells ~85% full: worst-case noise
	t.Logf("%s; partitions=%d traps=%d positions=%d", f.p, f.srv.Partitions(), f.srv.Traps(), f.srv.Positions())
	for i, idx := range []int{0, 1234, 11999} {
		m, _, err := f.run(t, f.db[idx])
		require.NoError(t, err)
		require.True(t, m, "member %d not matched", i)
	}
	flip := f.db[77]
	flip[5] ^= 0x10
	m, _, err := f.run(t, flip)
	require.NoError(t, err)
	require.False(t, m, "one-bit neighbour matched")
	for _, h := range randHashes(f.seedRd, 3) {
		m, _, err := f.run(t, h)
		require.NoError(t, err)
		require.False(t, m)
	}
	checkNoise(t, f)
}

// TestExactPN14 runs the production preset once (slow: skipped under -short).
func TestExactPN14(t *testing.T) {
	if testing.Short() {
		t.Skip("PN14 round trip takes several seconds; skipped under -short")
	}
	p, err := NewParameters(PN14)
	require.NoError(t, err)
	r := rand.NewChaCha8([32]byte{9})
	db := randHashes(r, 5000)
	srv, err := NewServer(p, db, r)
	require.NoError(t, err)
	cli, err := NewClient(p, r)
	require.NoError(t, err)
	keys, kb := hetest.Keys(t, p, cli.Setup, ParseKeys)
	f := &exactFixture{p: p, srv: srv, cli: cli, keys: keys, db: db, seedRd: r}
	t.Logf("%s; keys %d B", p, len(kb))
	m, _, err := f.run(t, db[4321])
	require.NoError(t, err)
	require.True(t, m)
	m, _, err = f.run(t, randHashes(r, 1)[0])
	require.NoError(t, err)
	require.False(t, m)
	checkNoise(t, f)
}

// checkNoise logs and bounds the noise left in an answer.
func checkNoise(t *testing.T, f *exactFixture) {
	q, st, err := f.cli.Query(f.db[1])
	require.NoError(t, err)
	ans, _, err := f.srv.Answer(f.keys, q)
	require.NoError(t, err)
	_ = st
	cs := compressedSize(f.p)
	for g := 0; g < 2*f.srv.Answers(); g++ { // the values, then the check copies
		raw, err := decompressLevel0(f.p, ans[core.HeaderLen+1+g*cs:core.HeaderLen+1+(g+1)*cs])
		require.NoError(t, err)
		ct := &ciphertext{params: f.p, ct: raw}
		used, avail := noiseBits(f.cli.sk, ct)
		t.Logf("answer %d noise: |m + t*e| up to 2^%.1f of 2^%.1f (margin %.1f bits)", g, used, avail, avail-used)
		// Decompression adds up to t*2^15 (c0 rounding, deterministic) plus a
		// sub-Gaussian c1*s term; 3 bits of margin over the observed maximum
		// leave that term tens of standard deviations from failure.
		require.Greater(t, avail-used, 3.0, "noise margin too small")
	}
}

func TestExactMaskedAndTamper(t *testing.T) {
	f := newExactFixture(t, 2000)
	reply, vst := f.reply(t, f.db[10])
	all, err := decodeReply(f.p, reply, 2*len(vst.expected))
	require.NoError(t, err)
	vals := all[:len(vst.expected)]
	// Masked: the raw results are 0 at the matching cell and traps; the
	// client sees uniform values, so zeros are as rare as 1/t.
	zeros := 0
	for _, v := range all {
		if v == 0 {
			zeros++
		}
	}
	require.LessOrEqual(t, zeros, 5, "reply looks unmasked")
	// Honest reply: match, no tampering.
	saved := *vst
	m, err := f.srv.Verdict(vst, reply)
	require.NoError(t, err)
	require.True(t, m)
	// Replay of a used state is refused.
	_, err = f.srv.Verdict(vst, reply)
	require.Error(t, err)

	// Statistical tamper test: alter a random set of a positions, (1) the
	// values only: the keyed check catches every one; (2) values and check
	// copies moved by a guessed key: caught but with probability 1/(t-1)
	// per position; (3) as a forger who knew this query's key: only the
	// traps remain, and they catch at the rates their formula gives.
	mPos, traps := len(vals), f.srv.Traps()
	r := rand.New(rand.NewPCG(42, 7))
	t.Logf("seed (42,7); positions=%d traps=%d trap evasion bound=%.4g forgery bound=%.4g", mPos, traps, EvasionBound(mPos, traps), ForgeryBound(f.p))
	const trials = 20000
	for _, a := range []int{1, 16, 128} {
		var evaded, detected [3]int
		for range trials {
			idx := r.Perm(mPos)[:a]
			for mode := 0; mode < 3; mode++ {
				tv := append([]uint64(nil), all...)
				for _, i := range idx {
					d := 1 + r.Uint64N(f.p.T()-1)
					tv[i] = (tv[i] + d) % f.p.T()
					switch mode {
					case 1:
						tv[mPos+i] = (tv[mPos+i] + 1 + r.Uint64N(f.p.T()-1)) % f.p.T()
					case 2:
						tv[mPos+i] = (tv[mPos+i] + saved.key[i]*d) % f.p.T()
					}
				}
				s := saved
				m, err := f.srv.Verdict(&s, encodeReply(f.p, tv))
				switch {
				case errors.Is(err, ErrTampered):
					detected[mode]++
				case err != nil:
					t.Fatal(err)
				case !m:
					evaded[mode]++
				}
			}
		}
		t.Logf("a=%d: detected %d, %d, %d of %d (values only, guessed key, known key)", a, detected[0], detected[1], detected[2], trials)
		require.Equal(t, trials, detected[0], "a=%d: an alteration of the values alone passed the keyed check", a)
		require.LessOrEqual(t, trials-detected[1], 1+int(4*float64(trials)*ForgeryBound(f.p)), "a=%d: guessed keys pass too often", a)
		pe, pd := Evasion(mPos, traps, a), Detection(mPos, traps, a)
		se := 4*math.Sqrt(pe*(1-pe)/trials) + 1.0/trials
		sd := 4*math.Sqrt(pd*(1-pd)/trials) + 1.0/trials
		t.Logf("a=%d, known key: evaded %d/%d (theory %.4f), detected %d/%d (theory %.4f)", a, evaded[2], trials, pe, detected[2], trials, pd)
		require.InDelta(t, pe, float64(evaded[2])/trials, se, "evasion rate a=%d", a)
		require.InDelta(t, pd, float64(detected[2])/trials, sd, "detection rate a=%d", a)
	}
}

// TestKnownTrapsDoNotHelp is the adaptive client of issue 13 item 2: it
// knows every trap position (as a client that learned them by probing
// did) and alters every other position to turn a match into "no match".
// Before the keyed check that evaded every time; now it is caught. A
// probe that alters one trap and a probe that alters one real position
// get the same error, so probing tells the client nothing about where the
// traps are.
func TestKnownTrapsDoNotHelp(t *testing.T) {
	f := newExactFixture(t, 2000)
	reply, vst := f.reply(t, f.db[10])
	n := len(vst.expected)
	all, err := decodeReply(f.p, reply, 2*n)
	require.NoError(t, err)
	saved := *vst
	verdict := func(edit func(v []uint64)) (bool, error) {
		tv := append([]uint64(nil), all...)
		edit(tv)
		s := saved
		return f.srv.Verdict(&s, encodeReply(f.p, tv))
	}
	m, err := verdict(func(v []uint64) {
		for i := 0; i < n; i++ {
			if !saved.trap[i] {
				v[i] = (v[i] + 1) % f.p.T()
			}
		}
	})
	require.ErrorIs(t, err, ErrTampered, "known traps let the client suppress the match (match %v)", m)
	trap, real := -1, -1
	for i := 0; i < n && (trap < 0 || real < 0); i++ {
		if saved.trap[i] {
			trap = i
		} else {
			real = i
		}
	}
	_, errTrap := verdict(func(v []uint64) { v[trap] = (v[trap] + 1) % f.p.T() })
	_, errReal := verdict(func(v []uint64) { v[real] = (v[real] + 1) % f.p.T() })
	require.ErrorIs(t, errTrap, ErrTampered)
	require.ErrorIs(t, errReal, ErrTampered)
	require.Equal(t, errTrap.Error(), errReal.Error(), "the verdict tells a trap from a real position")
}

func TestPlaceItems(t *testing.T) {
	r := rand.NewChaCha8([32]byte{11})
	const cells, capacity = 64, 40
	fps := make([]fingerprint, 0, cells*capacity*95/100)
	for range cap(fps) {
		var h [32]byte
		r.Read(h[:])
		fps = append(fps, fingerprintOf(h))
	}
	order := make([]int, cells)
	for i := range order {
		order[i] = i
	}
	got, err := placeItems(fps, order, cells, capacity)
	require.NoError(t, err)
	n := 0
	for _, c := range got {
		require.LessOrEqual(t, len(c), capacity)
		for j := 0; j < feltsPerItem; j++ {
			seen := map[uint16]bool{}
			for _, f := range c {
				require.False(t, seen[f[j]], "column %d repeats a felt", j)
				seen[f[j]] = true
			}
		}
		n += len(c)
	}
	require.Equal(t, len(fps), n, "every entry placed exactly once")
	_, err = placeItems(fps, order, cells, capacity*90/100)
	require.ErrorIs(t, err, ErrTooLarge)
}

// TestExactConcurrentAnswers runs two Answers at once against one server
// (run with -race to check the evaluator copies and the rng guard). The
// client is not goroutine-safe, so it finishes sequentially.
func TestExactConcurrentAnswers(t *testing.T) {
	f := newExactFixture(t, 500)
	concurrentAnswers(t, f.db[5:7], f.cli.Query, f.keys, f.srv.Answer, f.cli.Finish, f.srv.Verdict)
}

// concurrentAnswers answers the members hs at once and checks that each
// matches.
func concurrentAnswers[K any](t *testing.T, hs [][32]byte, query func([32]byte) ([]byte, *QueryState, error), keys K,
	answer func(K, []byte) ([]byte, *VerdictState, error), finish func(*QueryState, []byte) ([]byte, error), verdict func(*VerdictState, []byte) (bool, error)) {
	t.Helper()
	type res struct {
		ans []byte
		vst *VerdictState
		err error
	}
	var sts []*QueryState
	outs := make([]chan res, len(hs))
	for i, h := range hs {
		q, st, err := query(h)
		require.NoError(t, err)
		sts = append(sts, st)
		outs[i] = make(chan res, 1)
		go func(c chan res) {
			ans, vst, err := answer(keys, q)
			c <- res{ans, vst, err}
		}(outs[i])
	}
	for i, c := range outs {
		r := <-c
		require.NoError(t, r.err)
		reply, err := finish(sts[i], r.ans)
		require.NoError(t, err)
		m, err := verdict(r.vst, reply)
		require.NoError(t, err)
		require.True(t, m)
	}
}

// decompressLevel0 rebuilds one answer ciphertext (NTT form) from its
// compressed bytes, for the noise measurements.
func decompressLevel0(p Parameters, src []byte) (*rlwe.Ciphertext, error) {
	ct := bgv.NewCiphertext(p.bgv, 1, 0)
	scale, err := unpackLevel0(p, src, ct.Value[0].Coeffs[0], ct.Value[1].Coeffs[0])
	if err != nil {
		return nil, err
	}
	ct.Scale = rlwe.NewScaleModT(scale, p.T())
	ringQ := p.bgv.RingQ().AtLevel(0)
	ringQ.NTT(ct.Value[0], ct.Value[0])
	ringQ.NTT(ct.Value[1], ct.Value[1])
	return ct, nil
}
