package he

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Level-0 answers are sent with the low bits of both components dropped
// (in coefficient form, rounded), as SEAL and APSI do: the client's
// decryption c0 + c1*s then carries an extra error below
// 2^(dropC0-1) + 2^(dropC1-1)*|s|_1, far inside the 2^19 margin that
// q0 ~ 2^36 leaves above t*e at t = 65537 (the tests measure the margin on
// the decompressed ciphertext).
const (
	dropC0 = 16
	dropC1 = 7
)

func compressedWidths(q0 uint64) (w0, w1 uint) {
	w := uint(bits.Len64(q0 - 1))
	return w - dropC0 + 1, w - dropC1 + 1
}

// compressedSize is the byte size of a compressed level-0 ciphertext.
func compressedSize(p Params) int {
	w0, w1 := compressedWidths(p.bgv.Q()[0])
	return 4 + packedLen(p.N(), w0) + packedLen(p.N(), w1)
}

// compressLevel0 encodes scale and rounded high bits of c0 and c1.
func compressLevel0(p Params, ct *rlwe.Ciphertext, dst []byte) []byte {
	q0 := p.bgv.Q()[0]
	ringQ := p.bgv.RingQ().AtLevel(0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(ct.Scale.Uint64()))
	w0, w1 := compressedWidths(q0)
	for i, drop := range []uint{dropC0, dropC1} {
		c := ringQ.NewPoly()
		ringQ.INTT(ct.Value[i], c)
		w := []uint{w0, w1}[i]
		for j, v := range c.Coeffs[0] {
			c.Coeffs[0][j] = (v + 1<<(drop-1)) >> drop
		}
		dst = packLimb(dst, c.Coeffs[0], w)
	}
	return dst
}

// decompressLevel0 validates and rebuilds a level-0 ciphertext.
func decompressLevel0(p Params, src []byte) (*rlwe.Ciphertext, error) {
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

// unpackLevel0 validates a compressed level-0 ciphertext and writes its
// components, in coefficient form, to c0 and c1 (N values each); it
// returns the scale.
func unpackLevel0(p Params, src []byte, c0, c1 []uint64) (uint64, error) {
	if len(src) != compressedSize(p) {
		return 0, fmt.Errorf("compressed ciphertext of %d bytes, want %d", len(src), compressedSize(p))
	}
	scale := uint64(binary.LittleEndian.Uint32(src))
	if scale == 0 || scale >= p.T() {
		return 0, fmt.Errorf("scale %d not in 1..t-1", scale)
	}
	q0 := p.bgv.Q()[0]
	w0, w1 := compressedWidths(q0)
	off := 4
	for i, drop := range []uint{dropC0, dropC1} {
		w := []uint{w0, w1}[i]
		l := packedLen(p.N(), w)
		lim := (q0 + 1<<(drop-1)) >> drop // largest rounded value + 1
		c := [][]uint64{c0, c1}[i]
		unpackLimb(src[off:off+l], c, w)
		for j, v := range c {
			if v > lim {
				return 0, fmt.Errorf("component %d coefficient %d out of range", i, j)
			}
			c[j] = (v << drop) % q0
		}
		off += l
	}
	return scale, nil
}
