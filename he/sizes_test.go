package he

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExactSizesPN14 pins the message sizes quoted in the package doc, for
// one answer ciphertext (up to 4 partitions, 2^20 entries) and for four
// (16 partitions, 2^22 entries).
func TestExactSizesPN14(t *testing.T) {
	p, err := PN14.Params()
	require.NoError(t, err)
	ks, err := ExactKeysSize(p)
	require.NoError(t, err)
	t.Logf("query %d answer %d reply %d keys %d", ExactQuerySize(p), ExactAnswerSize(p, 4), ExactReplySize(p, 4), ks)
	require.Equal(t, 823341, ExactQuerySize(p))
	require.Equal(t, 108561, ExactAnswerSize(p, 4))
	require.Equal(t, 34832, ExactReplySize(p, 4))
	require.Equal(t, 17199258, ks)
	require.Equal(t, 13+4*108548, ExactAnswerSize(p, 16))
	require.Equal(t, 108561, ExactAnswerSize(p, 1))
	require.Equal(t, 13+2*108548, ExactAnswerSize(p, 5))
	require.Equal(t, 12+4+(65536*17+7)/8, ExactReplySize(p, 16))
	for _, n := range []int{1 << 16, 1 << 18, 1 << 20, 1 << 22} {
		l, err := ExactPresetFor(n)
		require.NoError(t, err)
		p, err := l.Params()
		require.NoError(t, err)
		parts, err := ExactPartitionsFor(p, n)
		require.NoError(t, err)
		ks, _ := ExactKeysSize(p)
		t.Logf("n=%d: %s partitions %d capacity %d query %d answer %d reply %d keys %d", n, l.Name, parts, ExactCapacity(p, parts), ExactQuerySize(p), ExactAnswerSize(p, parts), ExactReplySize(p, parts), ks)
	}
	l, err := ExactPresetFor(1 << 22)
	require.NoError(t, err)
	require.Equal(t, PN14.Name, l.Name)
	parts, err := ExactPartitionsFor(p, 1<<22)
	require.NoError(t, err)
	require.Equal(t, 16, parts)
	_, err = ExactPresetFor(ExactCapacity(p, ExactMaxPartitions) + 1)
	require.ErrorIs(t, err, ErrTooLarge)
}
