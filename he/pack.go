package he

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// bitWriter appends fixed-width little-endian bit fields to a byte slice.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) write(v uint64, width uint) {
	for width > 0 {
		take := min(width, 64-w.nacc)
		if take > 32 {
			take = 32
		}
		w.acc |= (v & (1<<take - 1)) << w.nacc
		w.nacc += take
		v >>= take
		width -= take
		for w.nacc >= 8 {
			w.buf = append(w.buf, byte(w.acc))
			w.acc >>= 8
			w.nacc -= 8
		}
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.buf
}

// bitReader reads fields written by bitWriter.
type bitReader struct {
	buf  []byte
	pos  int
	acc  uint64
	nacc uint
}

func (r *bitReader) read(width uint) (uint64, bool) {
	var v uint64
	var got uint
	for got < width {
		if r.nacc == 0 {
			if r.pos >= len(r.buf) {
				return 0, false
			}
			r.acc = uint64(r.buf[r.pos])
			r.pos++
			r.nacc = 8
		}
		take := min(width-got, r.nacc)
		v |= (r.acc & (1<<take - 1)) << got
		r.acc >>= take
		r.nacc -= take
		got += take
	}
	return v, true
}

func packedLen(count int, width uint) int { return (count*int(width) + 7) / 8 }

// packLimb appends the low width bits (1 <= width <= 64) of every value to
// dst as one little-endian bit stream padded to a byte: the same bytes as
// bitWriter, written 64 bits at a time.
func packLimb(dst []byte, vals []uint64, width uint) []byte {
	start := len(dst)
	n := packedLen(len(vals), width)
	dst = slices.Grow(dst, n)[:start+n]
	buf := dst[start:]
	mask := widthMask(width)
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

// unpackLimb reads len(out) values of width bits (1 <= width <= 64) written
// by packLimb or bitWriter; src must hold exactly packedLen(len(out),
// width) bytes (callers check).
func unpackLimb(src []byte, out []uint64, width uint) {
	mask := widthMask(width)
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

// limbWidths returns the bit widths used to store residues mod each prime.
func limbWidths(moduli []uint64) []uint {
	w := make([]uint, len(moduli))
	for i, q := range moduli {
		w[i] = uint(bits.Len64(q - 1))
	}
	return w
}

// polyPackedLen is the byte size of a packed RNS polynomial of n
// coefficients over the given primes (each limb byte-aligned).
func polyPackedLen(n int, moduli []uint64) int {
	s := 0
	for _, w := range limbWidths(moduli) {
		s += packedLen(n, w)
	}
	return s
}

// packPoly appends the limbs coeffs[i] (residues mod moduli[i]) to dst.
func packPoly(dst []byte, coeffs [][]uint64, moduli []uint64) []byte {
	for i, w := range limbWidths(moduli) {
		dst = packLimb(dst, coeffs[i], w)
	}
	return dst
}

// unpackPoly reads limbs into coeffs, checking every residue is < its
// prime. It returns the number of bytes consumed.
func unpackPoly(src []byte, coeffs [][]uint64, moduli []uint64) (int, error) {
	off := 0
	for i, w := range limbWidths(moduli) {
		n := len(coeffs[i])
		l := packedLen(n, w)
		if len(src)-off < l {
			return 0, fmt.Errorf("truncated polynomial limb %d: need %d bytes, have %d", i, l, len(src)-off)
		}
		unpackLimb(src[off:off+l], coeffs[i][:n], w)
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

// header layout shared by every wire object: magic(2) kind(1) version(1) paramsID(8).
const headerLen = 12

const (
	// kindQuery is a seeded ciphertext whose uniform half is AES-256-CTR
	// (seedPRG); kind 1 was the BLAKE2b-seeded form of earlier builds,
	// which this build refuses rather than expanding it wrongly.
	kindQuery  byte = 6
	kindAnswer byte = 2
	kindReply  byte = 3
	// kindEvalKey is the seeded key set (keys.go); kind 4 was Lattigo's
	// full encoding in earlier builds.
	kindEvalKey byte = 7
	kindCipher  byte = 5
)

func putHeader(dst []byte, kind byte, p Params) []byte {
	dst = append(dst, 'P', 'M', kind, 1)
	return binary.LittleEndian.AppendUint64(dst, p.paramsID())
}

func checkHeader(src []byte, kind byte, p Params) error {
	if len(src) < headerLen {
		return fmt.Errorf("truncated header: %d bytes", len(src))
	}
	if src[0] != 'P' || src[1] != 'M' {
		return fmt.Errorf("bad magic %x", src[:2])
	}
	if src[2] != kind {
		return fmt.Errorf("object kind %d, want %d", src[2], kind)
	}
	if src[3] != 1 {
		return fmt.Errorf("unsupported version %d", src[3])
	}
	if id := binary.LittleEndian.Uint64(src[4:12]); id != p.paramsID() {
		return fmt.Errorf("made under other parameters (id %016x, want %016x)", id, p.paramsID())
	}
	return nil
}

// widthMask has the low width bits set (1 <= width <= 64).
func widthMask(width uint) uint64 {
	if width == 64 {
		return ^uint64(0)
	}
	return uint64(1)<<width - 1
}
