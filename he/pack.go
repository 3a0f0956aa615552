package he

import (
	"encoding/binary"
	"fmt"
	"math/bits"
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
		bw := bitWriter{buf: dst}
		for _, c := range coeffs[i][:] {
			bw.write(c, w)
		}
		dst = bw.flush()
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
		br := bitReader{buf: src[off : off+l]}
		q := moduli[i]
		for j := 0; j < n; j++ {
			v, _ := br.read(w)
			if v >= q {
				return 0, fmt.Errorf("coefficient %d of limb %d is %d >= modulus %d", j, i, v, q)
			}
			coeffs[i][j] = v
		}
		off += l
	}
	return off, nil
}

// header layout shared by every wire object: magic(2) kind(1) version(1) paramsID(8).
const headerLen = 12

const (
	kindQuery   byte = 1
	kindAnswer  byte = 2
	kindReply   byte = 3
	kindEvalKey byte = 4
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
