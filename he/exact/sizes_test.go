package exact

import (
	"testing"

	"github.com/privmatch/privmatch/he"

	"github.com/stretchr/testify/require"
)

// TestExactSizesPN14 pins the message sizes (README), for one group of
// four partitions (up to 2^20 entries) and for four (16 partitions, 2^22
// entries). Every group travels as two compressed ciphertexts (values and
// their keyed check copies) and every position as two reply values.
func TestExactSizesPN14(t *testing.T) {
	p, err := NewParameters(PN14)
	require.NoError(t, err)
	ks, err := KeysSize(p)
	require.NoError(t, err)
	t.Logf("query %d answer %d reply %d keys %d", QuerySize(p), AnswerSize(p, 4), ReplySize(p, 4), ks)
	require.Equal(t, 823341, QuerySize(p))
	require.Equal(t, 13+2*108548, AnswerSize(p, 4))
	require.Equal(t, 12+4+(2*16384*17+7)/8, ReplySize(p, 4))
	require.Equal(t, 17199258, ks)
	require.Equal(t, 13+8*108548, AnswerSize(p, 16))
	require.Equal(t, 13+2*108548, AnswerSize(p, 1))
	require.Equal(t, 13+4*108548, AnswerSize(p, 5))
	require.Equal(t, 12+4+(2*65536*17+7)/8, ReplySize(p, 16))
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

// TestNoN13Preset backs the README's account of why he-exact has no
// N=2^13 preset (issue 18): its shallowest circuit (L=H=2) still needs
// depth 5, one level of powers, the Paterson-Stockmeyer step, two for
// the quartic fold of the four fingerprint slots and one for the
// blinding multiply. At the prime sizes the presets use, that chain has
// log2(QP) = 36 + 3 x 34 + 52 + 34 + 40 = 264 bits, above the 218 the
// security table allows N=2^13, and NewParameters refuses it. Shorter
// OPRF fingerprints do not help enough: three slots fold with the same
// two levels, and a two-slot fold (one level, a 32-bit fingerprint)
// still needs 36 + 3 x 34 + 52 + 40 = 230 bits.
func TestNoN13Preset(t *testing.T) {
	l := Literal{Literal: he.Literal{Name: "PN13", LogN: 13, LogQ: []int{36, 34, 34, 34, 52, 34}, LogP: []int{40}, T: 65537}, Low: 2, High: 2}
	require.Equal(t, 5, l.depth())
	_, err := NewParameters(l)
	require.ErrorIs(t, err, he.ErrInsecure)
}
