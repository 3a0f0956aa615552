package exact

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExactSizesPN14 pins the message sizes quoted in the package doc, for
// one answer ciphertext (up to 4 partitions, 2^20 entries) and for four
// (16 partitions, 2^22 entries).
func TestExactSizesPN14(t *testing.T) {
	p, err := NewParameters(PN14)
	require.NoError(t, err)
	ks, err := KeysSize(p)
	require.NoError(t, err)
	t.Logf("query %d answer %d reply %d keys %d", QuerySize(p), AnswerSize(p, 4), ReplySize(p, 4), ks)
	require.Equal(t, 823341, QuerySize(p))
	require.Equal(t, 108561, AnswerSize(p, 4))
	require.Equal(t, 34832, ReplySize(p, 4))
	require.Equal(t, 17199258, ks)
	require.Equal(t, 13+4*108548, AnswerSize(p, 16))
	require.Equal(t, 108561, AnswerSize(p, 1))
	require.Equal(t, 13+2*108548, AnswerSize(p, 5))
	require.Equal(t, 12+4+(65536*17+7)/8, ReplySize(p, 16))
	for _, n := range []int{1 << 16, 1 << 18, 1 << 20, 1 << 22} {
		l, err := PresetFor(n)
		require.NoError(t, err)
		p, err := NewParameters(l)
		require.NoError(t, err)
		parts, err := PartitionsFor(p, n)
		require.NoError(t, err)
		ks, _ := KeysSize(p)
		t.Logf("n=%d: %s partitions %d capacity %d query %d answer %d reply %d keys %d", n, l.Name, parts, Capacity(p, parts), QuerySize(p), AnswerSize(p, parts), ReplySize(p, parts), ks)
	}
	l, err := PresetFor(1 << 22)
	require.NoError(t, err)
	require.Equal(t, PN14.Name, l.Name)
	parts, err := PartitionsFor(p, 1<<22)
	require.NoError(t, err)
	require.Equal(t, 16, parts)
	_, err = PresetFor(Capacity(p, MaxPartitions) + 1)
	require.ErrorIs(t, err, ErrTooLarge)
}
