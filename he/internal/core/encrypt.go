package core

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// This file is the one seeded encryption of every engine. A seeded query
// ciphertext travels as a 32-byte seed and c0; the receiver redraws the
// uniform half c1 with ExpandC1, which reads the seed's SeedPRG through
// SampleUniform exactly as SeededEncryptor.Encrypt did. The engines'
// evaluation keys use the same SeedPRG through Lattigo's key generator
// (seeded.go).

// SeededEncryptor makes secret-key RLWE encryptions whose uniform half is
// expanded from a fresh seed. It is not safe for concurrent use.
//
// Encryption at level l computes, all in NTT form over q_0..q_l,
//
//	c1 = a = ExpandC1(seed)
//	c0 = NTT(m + e) - a*s
//
// where m is the plaintext polynomial in coefficient form and e is
// Lattigo's error distribution of the parameters, sampled from an AES-CTR
// stream keyed from crypto/rand. It is Lattigo's secret-key encryption,
// but adds m before the NTT (one NTT per limb instead of two) and draws
// the uniform half from SampleUniform rather than Lattigo's PRNG.
type SeededEncryptor struct {
	ringQ *ring.Ring
	sk    ring.Poly // NTT and Montgomery form, as Lattigo keeps it
	rng   io.Reader
	noise ring.Sampler
	c1    ring.Poly // uniform half of the last encryption (top level)
}

// NewSeededEncryptor returns an encryptor under sk whose seeds are read
// from rng (crypto/rand when nil).
func NewSeededEncryptor(p Params, sk *rlwe.SecretKey, rng io.Reader) (*SeededEncryptor, error) {
	var key [SeedLen]byte
	rand.Read(key[:]) // never fails (Go >= 1.24)
	g, err := NewSeedPRG(key[:])
	if err != nil {
		return nil, err
	}
	ringQ := p.rlwe.RingQ()
	noise, err := ring.NewSampler(g, ringQ, p.rlwe.Xe(), false)
	if err != nil {
		return nil, fmt.Errorf("error sampler: %w", err)
	}
	return &SeededEncryptor{ringQ: ringQ, sk: sk.Value.Q, rng: OrCrypto(rng), noise: noise, c1: ringQ.NewPoly()}, nil
}

// Encrypt turns c0, which holds a plaintext polynomial in coefficient
// form at level c0.Level(), into the first component of its encryption
// and returns the seed of the second.
func (e *SeededEncryptor) Encrypt(c0 ring.Poly) (seed [SeedLen]byte, err error) {
	level := c0.Level()
	if level < 0 || level > e.ringQ.Level() {
		return seed, fmt.Errorf("encrypt at level %d outside 0..%d", level, e.ringQ.Level())
	}
	if _, err := io.ReadFull(e.rng, seed[:]); err != nil {
		return seed, fmt.Errorf("read seed: %w", err)
	}
	ringQ := e.ringQ.AtLevel(level)
	e.noise.AtLevel(level).ReadAndAdd(c0) // m + e
	ringQ.NTT(c0, c0)
	c1 := ring.Poly{Coeffs: e.c1.Coeffs[:level+1]}
	if err := ExpandC1(seed[:], e.ringQ.ModuliChain()[:level+1], c1.Coeffs); err != nil {
		return seed, err
	}
	ringQ.MulCoeffsMontgomeryThenSub(c1, e.sk, c0) // - a*s
	return seed, nil
}

// ExpandC1 writes the uniform half drawn from seed into c1, one limb per
// prime of q, in NTT form: what Encrypt used for that seed.
func ExpandC1(seed []byte, q []uint64, c1 [][]uint64) error {
	if len(c1) < len(q) {
		return fmt.Errorf("expand c1: %d limbs, want %d", len(c1), len(q))
	}
	g, err := NewSeedPRG(seed)
	if err != nil {
		return fmt.Errorf("expand c1: %w", err)
	}
	SampleUniform(g, q, c1)
	return nil
}
