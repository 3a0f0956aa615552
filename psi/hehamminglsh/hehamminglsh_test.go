package hehamminglsh_test

import (
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/hehamminglsh"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/stretchr/testify/require"
)

func TestConformance(t *testing.T) { psitest.TestProtocol(t, hehamminglsh.Test) }

// TestLSHVerdictIsBucketRule: on a database large enough to bucket, every
// verdict equals the rule computed here in the clear: some entry within
// the threshold shares a bucket with the query (hamminglsh's Collide at the
// server's key bits). Copies at distance 31 exercise both outcomes.
func TestLSHVerdictIsBucketRule(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 9))
	db := psitest.Database(t, 5000, seed)
	opts := psi.Options{Threshold: 31}
	srv, err := hehamminglsh.Test.NewServer(db, opts)
	require.NoError(t, err)
	cli, err := hehamminglsh.Test.NewClient(db.Kind, db.Bits, opts)
	require.NoError(t, err)
	msgs, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	k := msgs[0].Sent.(*hehamminglsh.Params).KeyBits
	require.Equal(t, 8, k, "ceil(log2(2*16*5000/1024))")
	p, err := hamminglsh.NewParameters(withThreshold(hehamminglsh.TestLayout, 31))
	require.NoError(t, err)
	rule := func(h phash.Hash) bool {
		for _, e := range db.Hashes {
			if d, _ := phash.Distance(h, e); d <= 31 && p.Collide(hamminglsh.Item(h), hamminglsh.Item(e), k) {
				return true
			}
		}
		return false
	}
	var kept, missed int
	for i := 0; i < 10; i++ {
		listed := db.Hashes[r.IntN(len(db.Hashes))]
		h := listed
		if i > 0 {
			for _, j := range r.Perm(256)[:31+i%2] {
				h = psitest.FlipBit(t, h, j)
			}
		}
		_, _, so := psitest.QueryExchange(t, sess, cli, h)
		want := rule(h)
		require.True(t, so.Known)
		require.Equal(t, want, so.Match, "query %d", i)
		if i == 0 {
			require.True(t, so.Match, "a listed hash matches")
		}
		if i%2 == 1 {
			if want {
				kept++
			} else {
				missed++
			}
		}
	}
	t.Logf("copies at distance 31: %d kept, %d missed by the buckets", kept, missed)
}

func withThreshold(l hamminglsh.Literal, thr int) hamminglsh.Literal {
	l.HE.HashBits, l.HE.Threshold = 256, thr
	return l
}

// TestLSHRefuses: hashes other than 256 bits, thresholds outside
// 0..128, an insecure or unknown layout, a preset the layout does not run,
// key bits beyond the limit, and a threshold above the client's cap.
func TestLSHRefuses(t *testing.T) {
	small, err := psi.Synth("test", 64, 4, 1)
	require.NoError(t, err)
	_, err = hehamminglsh.Test.NewServer(small, psi.Options{})
	require.Error(t, err, "64-bit hashes")
	db := psitest.Database(t, 4, 1)
	for _, thr := range []int{-1, 129} {
		_, err = hehamminglsh.Test.NewServer(db, psi.Options{Threshold: thr})
		require.Error(t, err, "server threshold %d", thr)
		_, err = hehamminglsh.Test.NewClient(db.Kind, db.Bits, psi.Options{Threshold: thr})
		require.Error(t, err, "client threshold %d", thr)
	}
	offer := func(proto psi.Protocol, opts psi.Options, m hehamminglsh.Params) error {
		cli, err := proto.NewClient(db.Kind, db.Bits, opts)
		require.NoError(t, err)
		return psitest.OfferSetup(t, cli, &m)
	}
	good := hehamminglsh.Params{Layout: hamminglsh.P64.Name, Preset: hamminglsh.P64.HE.Name, Threshold: 31, KeyBits: 13}
	require.NoError(t, offer(hehamminglsh.Protocol, psi.Options{}, good))
	weak := hehamminglsh.Params{Layout: hehamminglsh.TestLayout.Name, Preset: hehamminglsh.TestLayout.HE.Name, Threshold: 31}
	err = offer(hehamminglsh.Protocol, psi.Options{}, weak)
	require.Error(t, err, "the registered protocol accepted the test layout")
	require.NoError(t, offer(hehamminglsh.Test, psi.Options{}, weak))
	for name, c := range map[string]struct {
		opts psi.Options
		m    hehamminglsh.Params
	}{
		"unknown layout": {psi.Options{}, hehamminglsh.Params{Layout: "P99", Preset: "H14", Threshold: 31}},
		"other preset":   {psi.Options{}, hehamminglsh.Params{Layout: hamminglsh.P64.Name, Preset: "H12Insecure", Threshold: 31}},
		"above cap":      {psi.Options{Threshold: 20}, good},
	} {
		require.Error(t, offer(hehamminglsh.Protocol, c.opts, c.m), name)
	}
}

// TestLSHAlteredReply: the server cannot detect a reply the client
// altered (no trap cells): an altered value still yields a verdict.
func TestLSHAlteredReply(t *testing.T) {
	db := psitest.Database(t, 30, 4)
	srv, cli := psitest.Pair(t, hehamminglsh.Test, db)
	_, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	sq, b := psitest.ClientReply(t, cli, sess, db.Hashes[5])
	b[len(b)-1] ^= 1
	in := sq.Expect()
	require.NoError(t, in.UnmarshalBinary(b))
	_, err := sq.Step(in)
	require.NoError(t, err)
	require.True(t, sq.Outcome().Known, "an altered reply still gives a verdict")
}

// FuzzLSHParams: the params decoder refuses bytes or decodes them to a
// message that re-encodes to the same bytes.
func FuzzLSHParams(f *testing.F) {
	for _, m := range []hehamminglsh.Params{
		{Layout: hamminglsh.P64.Name, Preset: hamminglsh.P64.HE.Name, Threshold: 31, KeyBits: 13},
		{Layout: "x", Preset: "y", Threshold: 0, KeyBits: 0},
	} {
		b, err := m.MarshalBinary()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{1, 255})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &hehamminglsh.Params{}, b) })
}

// TestAdversarial runs psitest's attack suite under TestLayout.
func TestAdversarial(t *testing.T) { psitest.TestAdversarial(t, hehamminglsh.Test) }

// TestAuditedSetup runs psitest's audited-setup suite under TestLayout.
func TestAuditedSetup(t *testing.T) { psitest.TestAuditedSetup(t, hehamminglsh.Test) }
