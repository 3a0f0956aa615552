package psi

import (
	"fmt"

	"github.com/privmatch/privmatch/phash"
)

// hashBytes is the wire length of a hash of the given bit length.
func hashBytes(bits int) int { return (bits + 7) / 8 }

func checkKind(kind phash.Kind, bits int) error {
	if kind == "" || bits <= 0 || bits > phash.MaxBits {
		return fmt.Errorf("psi: bad hash kind %q or length %d", kind, bits)
	}
	return nil
}

// decodeHash reads exactly one hash's bytes.
func decodeHash(kind phash.Kind, bits int, b []byte) (phash.Hash, error) {
	if len(b) != hashBytes(bits) {
		return phash.Hash{}, fmt.Errorf("want %d bytes, got %d", hashBytes(bits), len(b))
	}
	return phash.NewHash(kind, bits, b)
}
