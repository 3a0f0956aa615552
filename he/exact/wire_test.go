package exact

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
)

func TestParamsChecker(t *testing.T) {
	_, err := NewParameters(PN14)
	require.NoError(t, err)
	// PN12Test with the test door shut: he/internal/core's TestInsecureDoor.
	big := PN14
	big.LogQ = []int{36, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40}
	_, err = NewParameters(big)
	require.ErrorIs(t, err, he.ErrInsecure)
	badT := PN14
	badT.T = 65539 // prime, but not 1 mod 2N
	_, err = NewParameters(badT)
	require.ErrorContains(t, err, "1 mod 2N")
	shallow := PN14
	shallow.LogQ = []int{36, 34, 34}
	_, err = NewParameters(shallow)
	require.ErrorContains(t, err, "levels")
	weak := PN14
	weak.LogQ = append([]int(nil), PN14.LogQ...)
	weak.LogQ[4] = 34
	_, err = NewParameters(weak)
	require.ErrorContains(t, err, "q4")
	hetest.AllowInsecure()
	for _, l := range Presets() {
		p, err := NewParameters(l)
		require.NoError(t, err, l.Name)
		require.Equal(t, l.Insecure, p.SecurityBits() == 0, l.Name)
	}
}

func TestCiphertextWire(t *testing.T) {
	p := testParams(t)
	sk := newSecretKey(p)
	enc := newEncryptor(sk, rand.NewChaCha8([32]byte{5}))
	vals := make([]uint64, p.Slots())
	for i := range vals {
		vals[i] = uint64(i*7919) % p.T()
	}
	sc, err := enc.EncryptSeeded(vals, p.MaxLevel())
	require.NoError(t, err)
	b, err := sc.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, sc.BinarySize(), len(b))
	var buf bytes.Buffer
	n, err := sc.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, int64(sc.BinarySize()), n)
	sc2, err := unmarshalSeededCiphertext(p, b, p.MaxLevel())
	require.NoError(t, err)
	ct, err := sc2.Expand()
	require.NoError(t, err)
	got, err := newDecryptor(sk).Decrypt(ct)
	require.NoError(t, err)
	require.Equal(t, vals, got)
	// Full ciphertext round trip.
	cb, err := ct.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, ct.BinarySize(), len(cb))
	ct2, err := unmarshalCiphertext(p, cb, p.MaxLevel())
	require.NoError(t, err)
	got, err = newDecryptor(sk).Decrypt(ct2)
	require.NoError(t, err)
	require.Equal(t, vals, got)
	// Seeded is about half a full ciphertext.
	require.Less(t, len(b), len(cb)/2+100)
}

func TestDecodersReject(t *testing.T) {
	p := testParams(t)
	other := PN14
	po, err := NewParameters(other)
	require.NoError(t, err)
	sk := newSecretKey(p)
	sc, err := newEncryptor(sk, nil).EncryptSeeded([]uint64{1, 2, 3}, p.MaxLevel())
	require.NoError(t, err)
	b, _ := sc.MarshalBinary()
	ct, _ := sc.Expand()
	cb, _ := ct.MarshalBinary()
	cases := map[string][]byte{
		"empty":     nil,
		"header":    b[:core.HeaderLen],
		"truncated": b[:len(b)-1],
		"extended":  append(append([]byte{}, b...), 0),
		"garbage":   bytes.Repeat([]byte{0xff}, len(b)),
	}
	for name, in := range cases {
		_, err := unmarshalSeededCiphertext(p, in, p.MaxLevel())
		require.Error(t, err, name)
		_, err = unmarshalCiphertext(p, in, p.MaxLevel())
		require.Error(t, err, name)
		_, err = unmarshalEvaluationKeys(p, in)
		require.Error(t, err, name)
		_, err = decodeReply(p, in, 10)
		require.Error(t, err, name)
	}
	_, err = unmarshalSeededCiphertext(po, b, po.MaxLevel())
	require.ErrorContains(t, err, "other parameters")
	_, err = unmarshalCiphertext(po, cb, po.MaxLevel())
	require.ErrorContains(t, err, "other parameters")
	_, err = unmarshalCiphertext(p, cb, 0)
	require.ErrorContains(t, err, "level")
	// A residue >= its prime is refused.
	bad := append([]byte{}, cb...)
	for i := core.HeaderLen + 5; i < core.HeaderLen+5+8; i++ {
		bad[i] = 0xff
	}
	_, err = unmarshalCiphertext(p, bad, p.MaxLevel())
	require.ErrorContains(t, err, "modulus")
}

// keysRoundTrip encodes ek, checks the length against BinarySize and
// decodes it under p.
func keysRoundTrip(t *testing.T, p Parameters, ek *evaluationKeys) ([]byte, *evaluationKeys) {
	t.Helper()
	b, err := ek.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, ek.BinarySize(), len(b))
	got, err := unmarshalEvaluationKeys(p, b)
	require.NoError(t, err)
	return b, got
}

func TestEvaluationKeysWire(t *testing.T) {
	p := testParams(t)
	sk := newSecretKey(p)
	ek, err := sk.genEvaluationKeys([]int{1, 2}, 3, nil)
	require.NoError(t, err)
	b, ek2 := keysRoundTrip(t, p, ek)
	require.Equal(t, []int{1, 2}, ek2.Rotations())
	b2, _ := ek2.MarshalBinary()
	require.Equal(t, b, b2)
	// Wrong rotation label for a key is refused.
	bad := append([]byte{}, b...)
	off := core.HeaderLen + 2 + core.GadgetSize(p.Parameters, &ek.rlk.GadgetCiphertext)
	require.Equal(t, byte(1), bad[off])
	bad[off] = 2 // a repeated rotation
	_, err = unmarshalEvaluationKeys(p, bad)
	require.Error(t, err)
	// A key labelled with another rotation decodes (the label picks the
	// Galois element; a seeded key carries no element of its own), and
	// evaluates garbage: the client's own loss, caught by the traps.
	// ParseKeys refuses any set but rotations 1, 2, 3.
	bad[off] = 5
	ek3, err := unmarshalEvaluationKeys(p, bad)
	require.NoError(t, err)
	require.Equal(t, []int{5, 2}, ek3.Rotations())
	_, err = unmarshalEvaluationKeys(p, b[:len(b)-3])
	require.Error(t, err)
}
