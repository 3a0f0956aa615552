package core

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPackLimb: the 64-bit packer writes exactly bitWriter's bytes and the
// 64-bit reader reads back bitReader's values, for every width and for
// lengths that end mid-word and mid-byte.
func TestPackLimb(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for width := uint(1); width <= 64; width++ {
		for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 1000} {
			vals := make([]uint64, n)
			for i := range vals {
				vals[i] = r.Uint64() // high bits beyond width must be ignored
			}
			bw := bitWriter{buf: []byte{0xAA}}
			for _, v := range vals {
				bw.write(v, width)
			}
			want := bw.flush()
			got := PackLimb([]byte{0xAA}, vals, width)
			if !bytes.Equal(got, want) {
				t.Fatalf("width %d n %d: packLimb differs from bitWriter", width, n)
			}
			out := make([]uint64, n)
			UnpackLimb(got[1:], out, width)
			br := bitReader{buf: got[1:]}
			for i := range out {
				v, ok := br.read(width)
				if !ok || out[i] != v {
					t.Fatalf("width %d n %d: value %d: unpackLimb %d, bitReader %d", width, n, i, out[i], v)
				}
			}
		}
	}
}

func TestBitPackRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, w := range []uint{1, 7, 17, 33, 36, 60} {
		vals := make([]uint64, 1001)
		for i := range vals {
			vals[i] = r.Uint64() & (1<<w - 1)
		}
		bw := bitWriter{}
		for _, v := range vals {
			bw.write(v, w)
		}
		buf := bw.flush()
		require.Equal(t, PackedLen(len(vals), w), len(buf))
		br := bitReader{buf: buf}
		for i, v := range vals {
			got, ok := br.read(w)
			require.True(t, ok)
			require.Equal(t, v, got, "width %d index %d", w, i)
		}
	}
}

// bitWriter and bitReader are the bit-at-a-time reference the fast
// packer is checked against.
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
