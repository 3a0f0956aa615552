package exact

import "crypto/sha256"

// feltsPerItem is the number of 16-bit field elements (and slots per bin)
// that represent one database entry.
const feltsPerItem = 4

// fingerprint maps a 256-bit hash to four 16-bit field elements through
// SHA-256 with a domain separator, so that perceptual hashes with
// correlated bits still give uniform felts (the false-positive bounds
// assume this).
type fingerprint [feltsPerItem]uint16

func fingerprintOf(h [32]byte) fingerprint {
	d := sha256.Sum256(append([]byte("privmatch/he-exact/v1/fingerprint"), h[:]...))
	var f fingerprint
	for j := range f {
		f[j] = uint16(d[2*j])<<8 | uint16(d[2*j+1])
	}
	return f
}

func (f fingerprint) key() uint64 {
	return uint64(f[0]) | uint64(f[1])<<16 | uint64(f[2])<<32 | uint64(f[3])<<48
}
