package phash

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// MaxBits is the longest hash a Hash can hold.
const MaxBits = 256

// ErrMismatch is wrapped by errors from Distance when two hashes are of
// different kinds or lengths and so cannot be compared.
var ErrMismatch = errors.New("phash: hashes of different kinds or lengths")

// Kind names a hash function family, such as "pdq" or "ahash". Hashes of the
// same kind and length are comparable by Hamming distance. Different
// pipelines of one function (PDQ at full resolution and through the
// reference's 512-pixel squash) share a kind.
type Kind string

// Hash is a perceptual hash value: its kind, its length in bits and the bits
// themselves. Hash is comparable, so == and map keys work.
//
// The bits are stored as the big-endian integer that the algorithm's
// reference prints in hex, right-aligned in the first ceil(Bits/8) bytes.
// Hamming distance does not depend on how the reference orders bits.
type Hash struct {
	kind Kind
	n    uint16
	v    [MaxBits / 8]byte
}

// NewHash builds a Hash of the given kind from the big-endian bytes of its
// value. len(b) must be ceil(nbits/8) and the unused top bits must be zero.
func NewHash(kind Kind, nbits int, b []byte) (Hash, error) {
	if err := checkKind(kind); err != nil {
		return Hash{}, err
	}
	if nbits <= 0 || nbits > MaxBits {
		return Hash{}, fmt.Errorf("phash: hash length %d bits outside 1..%d", nbits, MaxBits)
	}
	nb := (nbits + 7) / 8
	if len(b) != nb {
		return Hash{}, fmt.Errorf("phash: %d-bit hash needs %d bytes, got %d", nbits, nb, len(b))
	}
	if pad := nb*8 - nbits; pad > 0 && b[0]>>(8-pad) != 0 {
		return Hash{}, fmt.Errorf("phash: %d-bit hash has bits set above its length", nbits)
	}
	h := Hash{kind: kind, n: uint16(nbits)}
	copy(h.v[:], b)
	return h, nil
}

// ParseHash parses the lowercase or uppercase hex form that String prints for
// a hash of the given kind and length.
func ParseHash(kind Kind, nbits int, s string) (Hash, error) {
	if nbits <= 0 || nbits > MaxBits {
		return Hash{}, fmt.Errorf("phash: hash length %d bits outside 1..%d", nbits, MaxBits)
	}
	digits := (nbits + 3) / 4
	if len(s) != digits {
		return Hash{}, fmt.Errorf("phash: %s hash of %d bits needs %d hex digits, got %d", kind, nbits, digits, len(s))
	}
	nb := (nbits + 7) / 8
	if digits%2 == 1 {
		s = "0" + s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return Hash{}, fmt.Errorf("phash: %s hash %q is not hex", kind, s)
	}
	if len(b) != nb {
		return Hash{}, fmt.Errorf("phash: %s hash decodes to %d bytes, want %d", kind, len(b), nb)
	}
	return NewHash(kind, nbits, b)
}

// checkKind accepts kinds of 1..64 letters, digits, '-', '_' and '.', so
// that the qualified form "kind/bits:hex" stays unambiguous.
func checkKind(kind Kind) error {
	if len(kind) == 0 || len(kind) > 64 {
		return fmt.Errorf("phash: hash kind %q must be 1..64 characters", kind)
	}
	for _, c := range []byte(kind) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("phash: hash kind %q has character %q", kind, c)
		}
	}
	return nil
}

// Kind reports the hash function family.
func (h Hash) Kind() Kind { return h.kind }

// Bits reports the hash length in bits. It is 0 for the zero Hash.
func (h Hash) Bits() int { return int(h.n) }

// IsZero reports whether h is the zero Hash (no kind, no bits), which no
// hasher returns.
func (h Hash) IsZero() bool { return h.n == 0 }

// Bytes returns the big-endian bytes of the hash value, ceil(Bits/8) long.
func (h Hash) Bytes() []byte {
	return append([]byte(nil), h.v[:(h.n+7)/8]...)
}

// String returns the hash as lowercase hex, ceil(Bits/4) digits, exactly as
// the algorithm's reference implementation prints it.
func (h Hash) String() string {
	nb := (int(h.n) + 7) / 8
	s := hex.EncodeToString(h.v[:nb])
	if digits := (int(h.n) + 3) / 4; len(s) > digits {
		s = s[len(s)-digits:]
	}
	return s
}

// Distance returns the Hamming distance between two hashes. It returns an
// error wrapping ErrMismatch when their kinds or lengths differ; it never
// panics, since hashes come from files and peers.
func Distance(a, b Hash) (int, error) {
	if a.kind != b.kind || a.n != b.n {
		return 0, fmt.Errorf("%w: %s/%d and %s/%d", ErrMismatch, a.kind, a.n, b.kind, b.n)
	}
	d := 0
	for i := range a.v {
		d += bits.OnesCount8(a.v[i] ^ b.v[i])
	}
	return d, nil
}

// Bit reports bit i of the hash, counting from the least significant bit
// of the printed integer (i in 0..Bits-1). It returns false outside that range.
func (h Hash) Bit(i int) bool {
	if i < 0 || i >= int(h.n) {
		return false
	}
	nb := (int(h.n) + 7) / 8
	return h.v[nb-1-i/8]>>(i%8)&1 == 1
}

// Words returns the hash value as four little-endian 64-bit words (bit i of
// the printed integer is bit i%64 of word i/64), the layout bulk distance
// computations use.
func (h Hash) Words() [4]uint64 {
	var w [4]uint64
	nb := (int(h.n) + 7) / 8
	for i := 0; i < nb; i++ {
		w[i/8] |= uint64(h.v[nb-1-i]) << (8 * (i % 8))
	}
	return w
}

// FromBits builds a hash from a bit slice in the imagehash convention: bit 0
// is the most significant bit of the printed integer (row-major order of the
// hash matrix).
func FromBits(kind Kind, msbFirst []bool) (Hash, error) {
	n := len(msbFirst)
	if n == 0 || n > MaxBits {
		return Hash{}, fmt.Errorf("phash: hash length %d bits outside 1..%d", n, MaxBits)
	}
	nb := (n + 7) / 8
	b := make([]byte, nb)
	for i, set := range msbFirst {
		if set {
			pos := n - 1 - i // bit position from the least significant end
			b[nb-1-pos/8] |= 1 << (pos % 8)
		}
	}
	return NewHash(kind, n, b)
}

// Qualified returns "kind/bits:hex", a self-describing form that
// ParseQualified reads back.
func (h Hash) Qualified() string {
	return fmt.Sprintf("%s/%d:%s", h.kind, h.n, h.String())
}

// ParseQualified parses the form Qualified prints.
func ParseQualified(s string) (Hash, error) {
	kindBits, hexPart, ok := strings.Cut(s, ":")
	if !ok {
		return Hash{}, fmt.Errorf("phash: qualified hash %q lacks ':'", s)
	}
	kind, nbits, ok := strings.Cut(kindBits, "/")
	if !ok || kind == "" {
		return Hash{}, fmt.Errorf("phash: qualified hash %q lacks kind/bits", s)
	}
	var n int
	if _, err := fmt.Sscanf(nbits, "%d", &n); err != nil || fmt.Sprint(n) != nbits {
		return Hash{}, fmt.Errorf("phash: qualified hash %q has bad bit count", s)
	}
	return ParseHash(Kind(kind), n, hexPart)
}
