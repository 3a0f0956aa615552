package core

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// PackedLen is the byte size of count values packed at width bits.
func PackedLen(count int, width uint) int { return (count*int(width) + 7) / 8 }

// PackLimb appends the low width bits (1 <= width <= 64) of every value to
// dst as one little-endian bit stream padded to a byte: written 64 bits at a
// time.
func PackLimb(dst []byte, vals []uint64, width uint) []byte {
	start := len(dst)
	n := PackedLen(len(vals), width)
	dst = slices.Grow(dst, n)[:start+n]
	buf := dst[start:]
	mask := WidthMask(width)
	pos := 0
	var acc uint64
	var nacc uint
	for _, v := range vals {
		v &= mask
		acc |= v << nacc
		nacc += width
		if nacc >= 64 {
			binary.LittleEndian.PutUint64(buf[pos:], acc)
			pos += 8
			nacc -= 64
			acc = 0
			if nacc > 0 {
				acc = v >> (width - nacc)
			}
		}
	}
	for ; pos < n; pos++ {
		buf[pos] = byte(acc)
		acc >>= 8
	}
	return dst
}

// UnpackLimb reads len(out) values of width bits (1 <= width <= 64) written
// by PackLimb; src must hold exactly PackedLen(len(out),
// width) bytes (callers check).
func UnpackLimb(src []byte, out []uint64, width uint) {
	mask := WidthMask(width)
	pos := 0
	var acc uint64
	var nacc uint
	for j := range out {
		if nacc >= width {
			out[j] = acc & mask
			acc >>= width // nacc < 64 after every load, so width < 64 here
			nacc -= width
			continue
		}
		var nxt uint64
		k := min(8, len(src)-pos)
		if k == 8 {
			nxt = binary.LittleEndian.Uint64(src[pos:])
		} else {
			for b := 0; b < k; b++ {
				nxt |= uint64(src[pos+b]) << (8 * b)
			}
		}
		pos += k
		out[j] = (acc | nxt<<nacc) & mask
		used := width - nacc // bits of nxt consumed
		acc = 0
		if used < 64 {
			acc = nxt >> used
		}
		nacc = uint(8*k) - used
	}
}

// LimbWidths returns the bit widths used to store residues mod each prime.
func LimbWidths(moduli []uint64) []uint {
	w := make([]uint, len(moduli))
	for i, q := range moduli {
		w[i] = uint(bits.Len64(q - 1))
	}
	return w
}

// PolyPackedLen is the byte size of a packed RNS polynomial of n
// coefficients over the given primes (each limb byte-aligned).
func PolyPackedLen(n int, moduli []uint64) int {
	s := 0
	for _, w := range LimbWidths(moduli) {
		s += PackedLen(n, w)
	}
	return s
}

// PackPoly appends the limbs coeffs[i] (residues mod moduli[i]) to dst.
func PackPoly(dst []byte, coeffs [][]uint64, moduli []uint64) []byte {
	for i, w := range LimbWidths(moduli) {
		dst = PackLimb(dst, coeffs[i], w)
	}
	return dst
}

// UnpackPoly reads limbs into coeffs, checking every residue is < its
// prime. It returns the number of bytes consumed.
func UnpackPoly(src []byte, coeffs [][]uint64, moduli []uint64) (int, error) {
	off := 0
	for i, w := range LimbWidths(moduli) {
		n := len(coeffs[i])
		l := PackedLen(n, w)
		if len(src)-off < l {
			return 0, fmt.Errorf("truncated polynomial limb %d: need %d bytes, have %d", i, l, len(src)-off)
		}
		UnpackLimb(src[off:off+l], coeffs[i][:n], w)
		q := moduli[i]
		for j, v := range coeffs[i][:n] {
			if v >= q {
				return 0, fmt.Errorf("coefficient %d of limb %d is %d >= modulus %d", j, i, v, q)
			}
		}
		off += l
	}
	return off, nil
}

// WidthMask has the low width bits set (1 <= width <= 64).
func WidthMask(width uint) uint64 {
	if width == 64 {
		return ^uint64(0)
	}
	return uint64(1)<<width - 1
}
