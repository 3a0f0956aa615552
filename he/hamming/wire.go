package hamming

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/ring"
)

// Messages are fixed-layout byte strings: a 4-byte magic (kind and version),
// an 8-byte parameter fingerprint, then fields whose sizes follow from the
// parameters alone. Residues mod a prime q are bit-packed at bits.Len(q-1)
// bits; a polynomial regenerated from a 32-byte seed is not sent.

const (
	magicKeys   = "HMK2"
	magicQuery  = "HMQ1"
	magicAnswer = "HMA1"
	magicReply  = "HMR1"
	headerLen   = 12
	seedLen     = 32
	replyWidth  = 17 // bits per slot value mod 65537
)

// fingerprint binds messages to a parameter set.
func (p Params) fingerprint() [8]byte {
	var h uint64 = 1469598103934665603
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	mix(uint64(p.lit.LogN))
	mix(uint64(p.lit.HashBits))
	mix(uint64(p.lit.Threshold))
	for _, q := range p.bgv.Q() {
		mix(q)
	}
	for _, q := range p.bgv.P() {
		mix(q)
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], h)
	return b
}

func (p Params) header(magic string) []byte {
	f := p.fingerprint()
	return append([]byte(magic), f[:]...)
}

func (p Params) checkHeader(magic string, b []byte) error {
	if len(b) < headerLen {
		return fmt.Errorf("message of %d bytes shorter than its header", len(b))
	}
	if string(b[:4]) != magic {
		return fmt.Errorf("kind %q, want %q", b[:4], magic)
	}
	f := p.fingerprint()
	if string(b[4:12]) != string(f[:]) {
		return fmt.Errorf("parameter fingerprint mismatch")
	}
	return nil
}

// polyBytes is the packed size of a polynomial over the given moduli.
func polyBytes(N int, moduli []uint64) int {
	nb := 0
	for _, q := range moduli {
		nb += N * bits.Len64(q-1)
	}
	return (nb + 7) / 8
}

// packPoly appends the limbs of p (one per modulus) bit-packed.
func packPoly(dst []byte, coeffs [][]uint64, moduli []uint64) []byte {
	return packWidths(dst, coeffs, modulusWidths(moduli))
}

// unpackPoly reads what packPoly wrote into coeffs, rejecting residues >= q.
// len(src) must be polyBytes.
func unpackPoly(src []byte, coeffs [][]uint64, moduli []uint64) error {
	if err := unpackWidths(src, coeffs, modulusWidths(moduli)); err != nil {
		return err
	}
	for i, q := range moduli {
		for _, v := range coeffs[i] {
			if v >= q {
				return fmt.Errorf("residue %d not below modulus %d", v, q)
			}
		}
	}
	return nil
}

func modulusWidths(moduli []uint64) []uint {
	w := make([]uint, len(moduli))
	for i, q := range moduli {
		w[i] = uint(bits.Len64(q - 1))
	}
	return w
}

// packWidths appends coeffs[i] at widths[i] bits per value (1..64),
// little-endian bit order, one bit stream.
func packWidths(dst []byte, coeffs [][]uint64, widths []uint) []byte {
	var acc uint64
	var nacc uint
	for i, w := range widths {
		for _, v := range coeffs[i] {
			for left := w; left > 0; {
				take := min(left, 64-nacc, 32)
				acc |= (v & (1<<take - 1)) << nacc
				v >>= take
				nacc += take
				left -= take
				for nacc >= 8 {
					dst = append(dst, byte(acc))
					acc >>= 8
					nacc -= 8
				}
			}
		}
	}
	if nacc > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// unpackWidths reads what packWidths wrote.
func unpackWidths(src []byte, coeffs [][]uint64, widths []uint) error {
	pos := 0
	var acc uint64
	var nacc uint
	for i, w := range widths {
		for k := range coeffs[i] {
			var v uint64
			var got uint
			for got < w {
				if nacc == 0 {
					if pos >= len(src) {
						return fmt.Errorf("truncated polynomial")
					}
					acc, nacc = uint64(src[pos]), 8
					pos++
				}
				take := min(w-got, nacc)
				v |= (acc & (1<<take - 1)) << got
				acc >>= take
				nacc -= take
				got += take
			}
			coeffs[i][k] = v
		}
	}
	return nil
}

// packValues bit-packs values mod t at replyWidth bits.
func packValues(dst []byte, vals []uint64) []byte {
	return packPoly(dst, [][]uint64{vals}, []uint64{PlaintextModulus})
}

func unpackValues(src []byte, vals []uint64) error {
	return unpackPoly(src, [][]uint64{vals}, []uint64{PlaintextModulus})
}

// limbsQ returns the first level+1 ciphertext primes.
func (p Params) limbsQ(level int) []uint64 { return p.bgv.Q()[:level+1] }

// ringCoeffs returns the coefficient slices of p at level (Q part).
func ringCoeffs(p ring.Poly, level int) [][]uint64 { return p.Coeffs[:level+1] }
