package exact

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExactManyPartitions loads more entries than four partitions hold, so
// the server answers with two ciphertexts (5 partitions: 4 + 1). Members
// match wherever they sit (a member in each answer ciphertext is checked),
// non-members do not, and altering traps in the second ciphertext is
// caught.
func TestExactManyPartitions(t *testing.T) {
	f := newExactFixture(t, 64000)
	require.Equal(t, 5, f.srv.Partitions())
	require.Equal(t, 2, f.srv.Answers())
	perAnswer := feltsPerItem * f.srv.bins
	t.Logf("%s; partitions=%d answers=%d traps=%d positions=%d evasion<=%.3g", f.p, f.srv.Partitions(), f.srv.Answers(), f.srv.Traps(), f.srv.Positions(), EvasionBound(f.srv.Positions(), f.srv.Traps()))

	// where returns the index of the real position equal to its mask.
	where := func(reply []byte, vst *VerdictState) int {
		vals, err := decodeReply(f.p, reply, len(vst.expected))
		require.NoError(t, err)
		at := -1
		for i, v := range vals {
			if !vst.trap[i] && v == vst.expected[i] {
				require.Equal(t, -1, at, "two positions match")
				at = i
			}
		}
		return at
	}
	var inFirst, inSecond bool
	var second struct {
		reply []byte
		vst   VerdictState
		at    int
	}
	for i := 0; i < 40 && !(inFirst && inSecond); i++ {
		q, st, err := f.cli.Query(f.db[i*1601])
		require.NoError(t, err)
		ans, vst, err := f.srv.Answer(f.keys, q)
		require.NoError(t, err)
		require.Equal(t, AnswerSize(f.p, 5), len(ans))
		reply, err := f.cli.Finish(st, ans)
		require.NoError(t, err)
		require.Equal(t, ReplySize(f.p, 5), len(reply))
		saved := *vst
		at := where(reply, vst)
		m, err := f.srv.Verdict(vst, reply)
		require.NoError(t, err)
		require.True(t, m, "member %d not matched", i*1601)
		require.GreaterOrEqual(t, at, 0)
		if at < perAnswer {
			inFirst = true
		} else if !inSecond {
			inSecond = true
			second.reply, second.vst, second.at = reply, saved, at
		}
	}
	require.True(t, inFirst && inSecond, "no member found in one of the two answer ciphertexts")

	flip := f.db[77]
	flip[0] ^= 1
	for _, h := range append(randHashes(f.seedRd, 2), flip) {
		m, _, err := f.run(t, h)
		require.NoError(t, err)
		require.False(t, m, "non-member matched")
	}

	// Tampering in the second ciphertext: a trap there is caught; the
	// matching position there, altered alone, suppresses the match (what
	// the traps bound statistically); every value zeroed is caught.
	vals, err := decodeReply(f.p, second.reply, len(second.vst.expected))
	require.NoError(t, err)
	verdict := func(edit func(v []uint64)) (bool, error) {
		tv := append([]uint64(nil), vals...)
		edit(tv)
		st := second.vst
		return f.srv.Verdict(&st, encodeReply(f.p, tv))
	}
	trap := -1
	for i := perAnswer; i < len(vals); i++ {
		if second.vst.trap[i] {
			trap = i
			break
		}
	}
	require.GreaterOrEqual(t, trap, 0, "no trap in the second ciphertext")
	_, err = verdict(func(v []uint64) { v[trap] = (v[trap] + 1) % f.p.T() })
	require.True(t, errors.Is(err, ErrTampered), "altered trap: %v", err)
	m, err := verdict(func(v []uint64) { v[second.at] = (v[second.at] + 1) % f.p.T() })
	require.NoError(t, err)
	require.False(t, m)
	_, err = verdict(func(v []uint64) { clear(v[perAnswer:]) })
	require.True(t, errors.Is(err, ErrTampered), "zeroed second ciphertext: %v", err)
	m, err = verdict(func(v []uint64) {})
	require.NoError(t, err)
	require.True(t, m)
	checkNoise(t, f)
}
