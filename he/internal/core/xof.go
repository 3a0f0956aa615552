package core

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// SeedPRG expands a 32-byte seed into a pseudorandom stream: AES-256 in
// counter mode keyed by the seed, with a zero IV (each seed keys one
// stream only). It replaces Lattigo's BLAKE2b-XOF KeyedPRNG for the
// uniform half of seeded ciphertexts and keys, which it expands about ten times
// faster on CPUs with AES instructions; AES-CTR under a uniform key is a
// standard PRG (Kyber's "90s" variant expands its matrix the same way).
// Seeds come from crypto/rand or an injected reader.
type SeedPRG struct{ s cipher.Stream }

// NewSeedPRG keys a stream by a 32-byte seed.
func NewSeedPRG(seed []byte) (*SeedPRG, error) {
	if len(seed) != 32 {
		return nil, fmt.Errorf("seed of %d bytes, want 32", len(seed))
	}
	b, err := aes.NewCipher(seed)
	if err != nil {
		return nil, err
	}
	return &SeedPRG{s: cipher.NewCTR(b, make([]byte, aes.BlockSize))}, nil
}

// Read fills p with the next bytes of the stream; it never fails.
func (g *SeedPRG) Read(p []byte) (int, error) {
	clear(p)
	g.s.XORKeyStream(p, p)
	return len(p), nil
}

// SampleUniform fills out[i] (for every i < len(q)) with residues uniform
// mod q[i], read in order from g: each candidate is the next 64-bit
// little-endian word masked to the bit length of q[i]-1, kept if below
// q[i]. Sender and receiver of a seeded ciphertext both call it, so the
// byte layout of the stream is part of the wire format.
func SampleUniform(g *SeedPRG, q []uint64, out [][]uint64) {
	var buf [8192]byte
	pos := len(buf)
	for i, qi := range q {
		mask := uint64(1)<<bits.Len64(qi-1) - 1
		c := out[i]
		for j := 0; j < len(c); {
			if pos == len(buf) {
				g.Read(buf[:])
				pos = 0
			}
			v := binary.LittleEndian.Uint64(buf[pos:]) & mask
			pos += 8
			if v < qi {
				c[j] = v
				j++
			}
		}
	}
}
