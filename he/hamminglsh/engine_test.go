package hamminglsh

import (
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/stretchr/testify/require"
)

// TestAnswerMatchesClear runs the engine under the test layout (C = 1024,
// 16 tables) on a database large enough to bucket (k > 0) and checks every
// verdict against the clear rule (Server.Match): a listed hash, copies at
// distances around the threshold, and unrelated hashes. It also checks that
// the clear rule is the bucket rule: a near copy whose buckets all differ
// is not matched although it is within the threshold (the recall price).
func TestAnswerMatchesClear(t *testing.T) {
	p := testParams(t)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 5))
	db := make([][32]byte, 6000)
	for i := range db {
		db[i] = randItem(r)
	}
	s, err := NewServer(p, db, hamming.Options{})
	require.NoError(t, err)
	require.Equal(t, 8, s.KeyBits()) // ceil(log2(2*16*6000/1024))
	c, err := NewClient(p, s.KeyBits(), hetest.Rand(t, 7))
	require.NoError(t, err)
	kb, err := c.Setup()
	require.NoError(t, err)
	keys, err := ParseKeys(p, kb)
	require.NoError(t, err)
	var matched, missed int
	for i := 0; i < 12; i++ {
		listed := db[r.IntN(len(db))]
		x := listed
		switch i % 4 {
		case 1:
			x = flip(r, listed, 31)
		case 2:
			x = flip(r, listed, 32)
		case 3:
			x = randItem(r)
		}
		q, st, err := c.Query(x)
		require.NoError(t, err)
		require.Len(t, q, p.QuerySize(s.KeyBits()))
		ans, vs, err := s.Answer(keys, q)
		require.NoError(t, err)
		require.Len(t, ans, p.AnswerSize())
		require.LessOrEqual(t, len(vs.Candidates), p.Capacity())
		reply, err := c.Finish(st, ans)
		require.NoError(t, err)
		got, _, err := s.Verdict(vs, reply)
		require.NoError(t, err)
		want := s.Match(x)
		require.Equal(t, want, got, "query %d", i)
		if i%4 == 0 {
			require.True(t, got, "a listed hash must match")
		}
		if i%4 == 1 && vs.Cut == 0 {
			require.Equal(t, p.Collide(x, listed, s.KeyBits()), got, "within the threshold: matched iff some bucket is shared")
			if got {
				matched++
			} else {
				missed++
			}
		}
	}
	t.Logf("copies at distance 31: %d matched, %d missed by the buckets", matched, missed)
}

// TestClusteredListAddsKeyBits: a list whose hashes agree on most pool
// bits overfills buckets at the size's key bits; the server adds key bits
// until the cut drops at most MaxCutShare (or 2^k reaches the entry
// count), while a uniform list keeps the size's k with nothing cut.
func TestClusteredListAddsKeyBits(t *testing.T) {
	p := testParams(t)
	r := rand.New(rand.NewPCG(11, 12))
	uniform := make([][32]byte, 6000)
	clustered := make([][32]byte, 6000)
	base := randItem(r)
	for i := range uniform {
		uniform[i] = randItem(r)
		clustered[i] = flip(r, base, 80) // about 20 of the 64 pool bits differ
	}
	k0, err := p.KeyBits(6000)
	require.NoError(t, err)
	s, err := NewServer(p, uniform, hamming.Options{})
	require.NoError(t, err)
	require.Equal(t, k0, s.KeyBits())
	require.Zero(t, s.CutShare())
	ix, err := newIndex(p, clustered, k0)
	require.NoError(t, err)
	cut0 := float64(ix.cut(p.share())) / float64(len(clustered)*p.lit.Tables)
	require.Greater(t, cut0, MaxCutShare, "the cluster must overfill buckets at k0")
	s, err = NewServer(p, clustered, hamming.Options{})
	require.NoError(t, err)
	require.Greater(t, s.KeyBits(), k0)
	require.Less(t, s.CutShare(), cut0)
	require.True(t, s.CutShare() <= MaxCutShare || 1<<(s.KeyBits()+1) > len(clustered), "stopped early")
	t.Logf("clustered list: k %d -> %d, cut share %.4f -> %.4f", k0, s.KeyBits(), cut0, s.CutShare())
}

// TestCandidatesDropFarPoolBits: no candidate differs from the query in
// more than the threshold among the revealed pool bits (it could not
// match), the filter removes some bucket entries of a random query, and it
// keeps a listed hash's near copy's original.
func TestCandidatesDropFarPoolBits(t *testing.T) {
	p := testParams(t)
	r := rand.New(rand.NewPCG(13, 14))
	db := make([][32]byte, 6000)
	for i := range db {
		db[i] = randItem(r)
	}
	s, err := NewServer(p, db, hamming.Options{})
	require.NoError(t, err)
	x := randItem(r)
	keys := p.Keys(x, s.KeyBits())
	mask, _ := p.revealed(keys, s.KeyBits())
	cands, _ := s.candidates(keys)
	raw, _ := s.ix.candidates(keys, p.share(), func(uint64) bool { return false })
	require.Less(t, len(cands), len(raw), "the filter removed nothing")
	for _, c := range cands {
		require.LessOrEqual(t, bits.OnesCount64((p.poolBits(&db[c])^p.poolBits(&x))&mask), 31)
	}
	near := flip(r, db[77], 31)
	if p.Collide(near, db[77], s.KeyBits()) {
		require.True(t, s.IsCandidate(near, 77))
	}
}
