package core

import (
	"fmt"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// Drop says how many low bits of each component of a level-0 ciphertext
// travel rounded away (in coefficient form), as SEAL and APSI do: the
// receiver's decryption c0 + c1*s then carries an extra error below
// 2^(C0-1) + 2^(C1-1)*|s|_1. Each engine picks its Drop from its noise
// budget and measures the margin on the rebuilt ciphertext.
type Drop struct{ C0, C1 uint }

// widths returns the bit widths of a rounded c0 and c1 coefficient.
func (d Drop) widths(q0 uint64) (w0, w1 uint) {
	w := uint(bits.Len64(q0 - 1))
	return w - d.C0 + 1, w - d.C1 + 1
}

// CompressedSize is the byte size of one rounded level-0 ciphertext.
func CompressedSize(p Params, d Drop) int {
	w0, w1 := d.widths(p.rlwe.Q()[0])
	return PackedLen(p.N(), w0) + PackedLen(p.N(), w1)
}

// AppendCompressed appends the rounded high bits of both components of
// ct (level 0, NTT form; left unchanged).
func AppendCompressed(dst []byte, p Params, d Drop, ct *rlwe.Ciphertext) []byte {
	rq := p.rlwe.RingQ().AtLevel(0)
	w0, w1 := d.widths(rq.SubRings[0].Modulus)
	c := rq.NewPoly()
	for j, drop := range []uint{d.C0, d.C1} {
		rq.INTT(ct.Value[j], c)
		for i, v := range c.Coeffs[0] {
			c.Coeffs[0][i] = (v + 1<<(drop-1)) >> drop
		}
		dst = PackLimb(dst, c.Coeffs[0], []uint{w0, w1}[j])
	}
	return dst
}

// ReadCompressed validates exactly CompressedSize bytes and writes both
// components, in coefficient form, to c0 and c1 (N values each).
func ReadCompressed(src []byte, p Params, d Drop, c0, c1 []uint64) error {
	if len(src) != CompressedSize(p, d) {
		return fmt.Errorf("compressed ciphertext of %d bytes, want %d", len(src), CompressedSize(p, d))
	}
	q0 := p.rlwe.Q()[0]
	w0, w1 := d.widths(q0)
	off := 0
	for j, drop := range []uint{d.C0, d.C1} {
		w := []uint{w0, w1}[j]
		l := PackedLen(p.N(), w)
		lim := (q0 - 1 + 1<<(drop-1)) >> drop // largest rounded value
		c := [][]uint64{c0, c1}[j]
		UnpackLimb(src[off:off+l], c, w)
		for i, v := range c {
			if v > lim {
				return fmt.Errorf("component %d coefficient %d out of range", j, i)
			}
			c[i] = (v << drop) % q0
		}
		off += l
	}
	return nil
}

// ReadCompressedNTT is ReadCompressed into a level-0 ciphertext's two
// components, left in NTT form.
func ReadCompressedNTT(src []byte, p Params, d Drop, value [2]ring.Poly) error {
	if err := ReadCompressed(src, p, d, value[0].Coeffs[0], value[1].Coeffs[0]); err != nil {
		return err
	}
	rq := p.rlwe.RingQ().AtLevel(0)
	rq.NTT(value[0], value[0])
	rq.NTT(value[1], value[1])
	return nil
}
