package he

import (
	"bytes"
	"math/rand/v2"
	"testing"
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
			got := packLimb([]byte{0xAA}, vals, width)
			if !bytes.Equal(got, want) {
				t.Fatalf("width %d n %d: packLimb differs from bitWriter", width, n)
			}
			out := make([]uint64, n)
			unpackLimb(got[1:], out, width)
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
