package hamming

import "math/bits"

// Distance returns the Hamming distance of the first bits bits of a and b.
func Distance(a, b [32]byte, nbits int) int {
	d := 0
	for i := 0; i < nbits/8; i++ {
		d += bits.OnesCount8(a[i] ^ b[i])
	}
	if r := nbits % 8; r != 0 {
		d += bits.OnesCount8((a[nbits/8] ^ b[nbits/8]) & byte(1<<r-1))
	}
	return d
}

// Match is the plaintext reference: it returns whether any database entry is
// within distance threshold of x (first nbits bits), and how many are.
func Match(db [][32]byte, x [32]byte, nbits, threshold int) (bool, int) {
	n := 0
	for _, y := range db {
		if Distance(x, y, nbits) <= threshold {
			n++
		}
	}
	return n > 0, n
}

// bit returns bit j of h (byte j/8, bit j%8, least significant first).
func bit(h *[32]byte, j int) uint64 { return uint64(h[j>>3]>>(j&7)) & 1 }
