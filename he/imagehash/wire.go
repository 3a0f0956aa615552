package imagehash

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/ring"
)

// This file holds the byte formats that cross the wire: a common header
// binding each message to its algorithm and parameters, and polynomials
// packed limb by limb at the bit width of each modulus. Decoders check
// header, lengths and that every coefficient is below its modulus before
// any value reaches Lattigo.

const (
	magic     = "PMIH"
	version   = 1
	headerLen = 4 + 1 + 1 + 1 + 8 // magic, version, alg, kind, params fingerprint

	kindQuery  = 1
	kindAnswer = 2
	kindKeys   = 3

	seedLen = 32
)

func algByte(a Alg) byte {
	if a == AlgPDQ {
		return 2
	}
	return 1
}

// fingerprint binds a message to the exact moduli, ring degree, scale and
// algorithm.
func (p Params) fingerprint() [8]byte {
	h := sha256.New()
	var b [8]byte
	for _, q := range append(p.ckks.Q(), p.ckks.P()...) {
		binary.LittleEndian.PutUint64(b[:], q)
		h.Write(b[:])
	}
	h.Write([]byte{byte(p.lit.LogN), byte(p.lit.LogScale), algByte(p.alg)})
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

func (p Params) putHeader(dst []byte, kind byte) []byte {
	dst = append(dst, magic...)
	dst = append(dst, version, algByte(p.alg), kind)
	fp := p.fingerprint()
	return append(dst, fp[:]...)
}

func (p Params) checkHeader(src []byte, kind byte) error {
	if len(src) < headerLen {
		return fmt.Errorf("truncated header (%d bytes)", len(src))
	}
	if string(src[:4]) != magic || src[4] != version {
		return fmt.Errorf("bad magic or version")
	}
	if src[5] != algByte(p.alg) {
		return fmt.Errorf("message for another algorithm")
	}
	if src[6] != kind {
		return fmt.Errorf("message kind %d, want %d", src[6], kind)
	}
	fp := p.fingerprint()
	if string(src[7:headerLen]) != string(fp[:]) {
		return fmt.Errorf("message under other parameters")
	}
	return nil
}

// width is the bit width of coefficients mod q.
func width(q uint64) int { return bits.Len64(q - 1) }

// packedLen is the byte length of one polynomial with n coefficients per
// limb over moduli.
func packedLen(n int, moduli []uint64) int {
	total := 0
	for _, q := range moduli {
		total += (n*width(q) + 7) / 8
	}
	return total
}

// packPoly appends the limbs of p (one per modulus) bit-packed, LSB
// first, each limb padded to a whole byte.
func packPoly(dst []byte, p ring.Poly, moduli []uint64) []byte {
	for i, q := range moduli {
		w := uint(width(q))
		var acc uint64 // holds fewer than 8 pending bits between values
		var nacc uint
		for _, v := range p.Coeffs[i] {
			for left := w; left > 0; {
				take := min(left, 32)
				acc |= (v & (1<<take - 1)) << nacc
				nacc += take
				v >>= take
				left -= take
				for nacc >= 8 {
					dst = append(dst, byte(acc))
					acc >>= 8
					nacc -= 8
				}
			}
		}
		if nacc > 0 {
			dst = append(dst, byte(acc))
		}
	}
	return dst
}

// readBits reads w bits LSB first at bit position *pos of buf.
func readBits(buf []byte, pos *int, w uint) uint64 {
	var v uint64
	var got uint
	for got < w {
		off := uint(*pos % 8)
		take := min(8-off, w-got)
		v |= uint64(buf[*pos/8]>>off&(1<<take-1)) << got
		got += take
		*pos += int(take)
	}
	return v
}

// unpackPoly fills p's limbs from src (exactly packedLen bytes) and
// rejects coefficients not below their modulus.
func unpackPoly(src []byte, p ring.Poly, moduli []uint64) error {
	n := len(p.Coeffs[0])
	if len(src) != packedLen(n, moduli) {
		return fmt.Errorf("polynomial of %d bytes, want %d", len(src), packedLen(n, moduli))
	}
	off := 0
	for i, q := range moduli {
		w := uint(width(q))
		l := (n*int(w) + 7) / 8
		buf := src[off : off+l]
		off += l
		pos := 0
		for j := range p.Coeffs[i] {
			v := readBits(buf, &pos, w)
			if v >= q {
				return fmt.Errorf("limb %d coefficient %d not below its modulus", i, j)
			}
			p.Coeffs[i][j] = v
		}
	}
	return nil
}
