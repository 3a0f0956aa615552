package hamming

import (
	"fmt"
	"math/bits"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// Answer ciphertexts travel at level 0 with the low bits of both
// components dropped (the toolkit's rounded level-0 codec). The client's
// decryption c0 + c1*s then carries an extra error of at most 2^35 from
// c0 and r1*s from c1, r1 uniform in +-2^27: with s ternary of density
// 2/3 its standard deviation is 2^27 * sqrt(2N/9). Decryption is correct
// while the whole error stays below q0/(2t) = 2^38 (q0 just above 2^55,
// t = 65537); BenchmarkHamming's noise-log2 and TestAnswerNoiseBudget
// measure the worst coefficient of real answers (figures in README.md).
var answerDrop = core.Drop{C0: 36, C1: 28}

// compressedCtBytes is the wire size of one compressed answer ciphertext.
func (p Parameters) compressedCtBytes() int { return core.CompressedSize(p.Parameters, answerDrop) }

// packedBytes is the size of n values packed at w bits.
func packedBytes(n int, w uint) int { return core.PackedLen(n, w) }

// appendCompressed appends the rounded high bits of ct's two components;
// ct is at level 0, in NTT form, and is left unchanged.
func (p Parameters) appendCompressed(dst []byte, ct *rlwe.Ciphertext) []byte {
	return core.AppendCompressed(dst, p.Parameters, answerDrop, ct)
}

// readCompressed rebuilds a level-0 ciphertext (both components, NTT form)
// from what appendCompressed wrote, rejecting out-of-range values.
func (p Parameters) readCompressed(src []byte, value [2]ring.Poly) error {
	return core.ReadCompressedNTT(src, p.Parameters, answerDrop, value)
}

// The blinding ciphertext Enc(R) travels at level 1 (q0*q1, 88 bits) with
// the low blindDrop bits of its c0 dropped: the client composes each
// coefficient from its two residues (Garner), rounds, and sends 57 bits;
// the server multiplies back and reduces. The rounding adds at most
// 2^(blindDrop-1) to Enc(R)'s fresh noise; the product with the level-1
// distance ciphertext is then rescaled by q1, which divides that term by
// about 2^33, keeping it below the flooding (the tests measure the
// answer's noise).
const blindDrop = 33

// blindWidth is the bit width of a rounded Enc(R) coefficient.
func blindWidth(q0, q1 uint64) uint {
	hi, lo := bits.Mul64(q0, q1)
	hi, lo = sub128(hi, lo, 0, 1) // q0*q1 - 1
	n := uint(bits.Len64(lo))
	if hi != 0 {
		n = 64 + uint(bits.Len64(hi))
	}
	return n - blindDrop + 1
}

// blindBytes is the wire size of Enc(R)'s compressed c0.
func (p Parameters) blindBytes() int {
	q := p.bgv.Q()
	return packedBytes(p.N(), blindWidth(q[0], q[1]))
}

// appendBlind appends the rounded c0 of a level-1 ciphertext in NTT form.
func (p Parameters) appendBlind(dst []byte, c0 ring.Poly) []byte {
	rq := p.bgv.RingQ().AtLevel(1)
	q0, q1 := rq.SubRings[0].Modulus, rq.SubRings[1].Modulus
	inv := ring.ModExp(q0%q1, q1-2, q1)
	c := rq.NewPoly()
	rq.INTT(c0, c)
	out := make([]uint64, p.N())
	for i := range out {
		a0, a1 := c.Coeffs[0][i], c.Coeffs[1][i]
		// x = a0 + q0*k, k = (a1 - a0)/q0 mod q1, x < q0*q1.
		k := mulMod((a1+q1-a0%q1)%q1, inv, q1)
		hi, lo := bits.Mul64(q0, k)
		var carry uint64
		lo, carry = bits.Add64(lo, a0, 0)
		hi += carry
		lo, carry = bits.Add64(lo, 1<<(blindDrop-1), 0) // round
		hi += carry
		out[i] = lo>>blindDrop | hi<<(64-blindDrop)
	}
	return core.PackLimb(dst, out, blindWidth(q0, q1))
}

// readBlind rebuilds Enc(R)'s c0 (NTT form, level 1) from appendBlind's
// bytes, rejecting values beyond the largest rounded coefficient.
func (p Parameters) readBlind(src []byte, c0 ring.Poly) error {
	rq := p.bgv.RingQ().AtLevel(1)
	q0, q1 := rq.SubRings[0].Modulus, rq.SubRings[1].Modulus
	w := blindWidth(q0, q1)
	if len(src) != packedBytes(p.N(), w) {
		return fmt.Errorf("blinding ciphertext of %d bytes, want %d", len(src), packedBytes(p.N(), w))
	}
	vals := [][]uint64{make([]uint64, p.N())}
	core.UnpackLimb(src, vals[0], w)
	hi, lo := bits.Mul64(q0, q1)
	hi, lo = sub128(hi, lo, 0, 1)
	lo, carry := bits.Add64(lo, 1<<(blindDrop-1), 0)
	hi += carry
	lim := lo>>blindDrop | hi<<(64-blindDrop) // largest rounded value
	for i, v := range vals[0] {
		if v > lim {
			return fmt.Errorf("blinding coefficient %d out of range", i)
		}
		// v * 2^blindDrop mod q, for q0 and q1.
		vh, vl := v>>(64-blindDrop), v<<blindDrop
		c0.Coeffs[0][i] = bits.Rem64(vh, vl, q0)
		c0.Coeffs[1][i] = bits.Rem64(vh, vl, q1)
	}
	rq.NTT(c0, c0)
	return nil
}

func sub128(ah, al, bh, bl uint64) (uint64, uint64) {
	l, borrow := bits.Sub64(al, bl, 0)
	h, _ := bits.Sub64(ah, bh, borrow)
	return h, l
}

func mulMod(a, b, q uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return bits.Rem64(hi, lo, q)
}
