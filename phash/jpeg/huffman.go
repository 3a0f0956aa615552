package jpeg

import "errors"

// This file holds the Huffman tables (ITU T.81 annex C and F.2.2.3) and the
// bit reader of entropy-coded segments (F.2.2.5), with libjpeg's recovery
// rules: at a marker or at the end of the data, missing bits read as zeros
// and the segment is flagged as short of data; a code longer than 16 bits
// reads as symbol 0 after consuming 17 bits.

const lookBits = 9

// huffTable is a decoding table derived as libjpeg's jpeg_make_d_derived_tbl
// does, with a 9-bit lookahead.
type huffTable struct {
	maxcode [18]int32 // largest code of each length, -1 if none; [17] is a sentinel
	valoff  [17]int32 // symbol index minus code, per length
	vals    [256]uint8
	look    [1 << lookBits]uint16 // length<<8 | symbol; 0 when longer than lookBits
	maxSym  uint8
}

func newHuffTable(counts [16]int, vals []byte) (*huffTable, error) {
	h := &huffTable{}
	copy(h.vals[:], vals)
	code, k := int32(0), 0
	for l := 1; l <= 16; l++ {
		n := counts[l-1]
		// As libjpeg: every code must fit in l bits and none may be all ones.
		if code+int32(n) >= 1<<l {
			return nil, errors.New("bogus code lengths")
		}
		h.valoff[l] = int32(k) - code
		for i := 0; i < n; i++ {
			if l <= lookBits {
				shift := lookBits - l
				base := int(code) << shift
				for j := 0; j < 1<<shift; j++ {
					h.look[base+j] = uint16(l)<<8 | uint16(vals[k])
				}
			}
			code++
			k++
		}
		if n > 0 {
			h.maxcode[l] = code - 1
		} else {
			h.maxcode[l] = -1
		}
		code <<= 1
	}
	h.maxcode[17] = 0xfffff
	for _, v := range vals {
		h.maxSym = max(h.maxSym, v)
	}
	return h, nil
}

// bitReader reads entropy-coded data most significant bit first.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // the low n bits are unread
	n      int
	real   int  // how many of the n bits came from the data (the rest are padding zeros)
	marker byte // a marker met inside the data, not yet consumed; 0 if none
	short  bool // bits beyond the data were consumed: libjpeg's insufficient_data
	ended  bool // met a marker or the end of the data
	bad    int  // codes not in the table
}

// fill tops the accumulator up to at least 57 bits, padding with zeros
// once a marker or the end of the data is met.
func (b *bitReader) fill() {
	for b.n <= 56 {
		if !b.ended {
			if b.pos < len(b.data) {
				c := b.data[b.pos]
				if c != 0xff {
					b.pos++
					b.acc = b.acc<<8 | uint64(c)
					b.n += 8
					b.real += 8
					continue
				}
				p := b.pos + 1
				for p < len(b.data) && b.data[p] == 0xff {
					p++
				}
				if p < len(b.data) && b.data[p] == 0 {
					b.pos = p + 1
					b.acc = b.acc<<8 | 0xff
					b.n += 8
					b.real += 8
					continue
				}
				if p < len(b.data) {
					b.marker = b.data[p]
				}
				b.pos = p - 1 // at the last FF before the marker (or the end)
			}
			b.ended = true
		}
		b.acc <<= 8
		b.n += 8
	}
}

// consume drops k bits and records whether padding was read.
func (b *bitReader) consume(k int) {
	b.n -= k
	b.real -= k
	if b.real < 0 {
		b.real = 0
		b.short = true
	}
}

func (b *bitReader) getBits(k int) int32 {
	if k == 0 {
		return 0
	}
	if b.n < k {
		b.fill()
	}
	v := int32(b.acc>>uint(b.n-k)) & (1<<k - 1)
	b.consume(k)
	return v
}

func (b *bitReader) getBit() bool {
	if b.n < 1 {
		b.fill()
	}
	v := b.acc>>uint(b.n-1)&1 != 0
	b.consume(1)
	return v
}

// decode reads one Huffman-coded symbol.
func (b *bitReader) decode(h *huffTable) (uint8, bool) {
	if b.n < 16 {
		b.fill()
	}
	e := h.look[(b.acc>>uint(b.n-lookBits))&(1<<lookBits-1)]
	if e != 0 {
		b.consume(int(e >> 8))
		return uint8(e), true
	}
	return b.decodeSlow(h)
}

// sync records that the accumulator, read ahead in local variables, now
// holds n bits.
func (b *bitReader) sync(n int) {
	b.consume(b.n - n)
}

// decodeSlow decodes a code longer than the lookahead, or a bad one; the
// accumulator must hold at least 17 bits.
func (b *bitReader) decodeSlow(h *huffTable) (uint8, bool) {
	if b.n < 17 {
		b.fill()
	}
	l := lookBits + 1
	code := int32(b.acc>>uint(b.n-l)) & (1<<l - 1)
	for code > h.maxcode[l] {
		l++
		if l > 16 {
			break
		}
		code = int32(b.acc>>uint(b.n-l)) & (1<<l - 1)
	}
	if l > 16 {
		b.consume(17)
		return 0, false
	}
	b.consume(l)
	return h.vals[(code+h.valoff[l])&0xff], true
}

// receiveExtend reads s bits and sign-extends them (T.81 F.2.2.1 EXTEND).
func (b *bitReader) receiveExtend(s int) int32 {
	if s == 0 {
		return 0
	}
	v := b.getBits(s)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}
