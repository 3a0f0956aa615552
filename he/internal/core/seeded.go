package core

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
)

// SeedLen is the size of the seed of a seeded object's uniform half.
const SeedLen = 32

// This file is the one seeded evaluation-key codec of every engine. A
// gadget ciphertext (relinearisation or Galois key) travels as a 32-byte
// seed plus, for every component, only c0 = -a*s + e + gadget term,
// packed at the primes' bit widths. The uniform halves a were drawn by
// Lattigo's key generator from a SeedPRG keyed by the seed; the receiver
// redraws them by replaying the generator's own sampling calls
// (RedrawC1), so the encoding is about half of Lattigo's and does not
// depend on how the uniform sampler buffers between components.

// OrCrypto returns r, or crypto/rand when r is nil.
func OrCrypto(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// SeededKeyGenerator reads a fresh seed from rng and returns a key
// generator whose uniform draws come from the seed's SeedPRG (its error
// sampler keeps Lattigo's own crypto/rand-seeded stream).
func SeededKeyGenerator(p Params, rng io.Reader) (*rlwe.KeyGenerator, [SeedLen]byte, error) {
	var seed [SeedLen]byte
	if _, err := io.ReadFull(OrCrypto(rng), seed[:]); err != nil {
		return nil, seed, fmt.Errorf("read seed: %w", err)
	}
	g, err := NewSeedPRG(seed[:])
	if err != nil {
		return nil, seed, err
	}
	base := rlwe.NewKeyGenerator(p.rlwe)
	return &rlwe.KeyGenerator{Encryptor: base.Encryptor.WithPRNG(g)}, seed, nil
}

// GadgetSize is the encoded size of a seeded gadget ciphertext shaped
// like g: seed and the packed c0 of every component.
func GadgetSize(p Params, g *rlwe.GadgetCiphertext) int {
	n := 0
	q, pp := p.rlwe.Q()[:g.LevelQ()+1], p.rlwe.P()[:g.LevelP()+1]
	for i := range g.Value {
		n += len(g.Value[i]) * (PolyPackedLen(p.N(), q) + PolyPackedLen(p.N(), pp))
	}
	return SeedLen + n
}

// AppendGadget appends the seed and c0 halves of g.
func AppendGadget(dst []byte, p Params, seed [SeedLen]byte, g *rlwe.GadgetCiphertext) []byte {
	dst = append(dst, seed[:]...)
	q, pp := p.rlwe.Q()[:g.LevelQ()+1], p.rlwe.P()[:g.LevelP()+1]
	for i := range g.Value {
		for j := range g.Value[i] {
			dst = PackPoly(dst, g.Value[i][j][0].Q.Coeffs, q)
			dst = PackPoly(dst, g.Value[i][j][0].P.Coeffs, pp)
		}
	}
	return dst
}

// ReadGadget fills g (already shaped: levels, Galois element) from the
// first GadgetSize bytes of src: it checks every residue of the c0
// halves, then redraws the c1 halves from the seed. It returns the seed.
func ReadGadget(src []byte, p Params, g *rlwe.GadgetCiphertext) (seed [SeedLen]byte, err error) {
	if len(src) < GadgetSize(p, g) {
		return seed, fmt.Errorf("seeded key of %d bytes, want %d", len(src), GadgetSize(p, g))
	}
	copy(seed[:], src)
	off := SeedLen
	q, pp := p.rlwe.Q()[:g.LevelQ()+1], p.rlwe.P()[:g.LevelP()+1]
	for i := range g.Value {
		for j := range g.Value[i] {
			n, err := UnpackPoly(src[off:], g.Value[i][j][0].Q.Coeffs, q)
			if err != nil {
				return seed, err
			}
			off += n
			if n, err = UnpackPoly(src[off:], g.Value[i][j][0].P.Coeffs, pp); err != nil {
				return seed, err
			}
			off += n
		}
	}
	return seed, RedrawC1(p, seed, g)
}

// RedrawC1 overwrites the uniform half c1 of every component of g with
// what Lattigo's key generator drew from seed. It replays the generator's
// calls (genEvaluationKey: one WithKey view, then one EncryptZero per
// component, in order) on a fresh generator keyed by the same seed and a
// zero secret key, so the uniform sampler is driven exactly as when the
// key was made, whatever buffering it does between components; only the
// error sampler, which has its own stream, and the discarded c0 differ.
func RedrawC1(p Params, seed [SeedLen]byte, g *rlwe.GadgetCiphertext) error {
	prg, err := NewSeedPRG(seed[:])
	if err != nil {
		return err
	}
	enc := rlwe.NewKeyGenerator(p.rlwe).Encryptor.WithPRNG(prg).WithKey(rlwe.NewSecretKey(p.rlwe))
	tmp := p.rlwe.RingQP().AtLevel(g.LevelQ(), g.LevelP()).NewPoly()
	for i := range g.Value {
		for j := range g.Value[i] {
			el := rlwe.Element[ringqp.Poly]{
				MetaData: &rlwe.MetaData{CiphertextMetaData: rlwe.CiphertextMetaData{IsNTT: true, IsMontgomery: true}},
				Value:    []ringqp.Poly{tmp, g.Value[i][j][1]},
			}
			if err := enc.EncryptZero(el); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckGadget verifies the levels of a decoded key and that every residue
// is below its prime.
func CheckGadget(p Params, g *rlwe.GadgetCiphertext, levelQ int) error {
	if g.LevelQ() != levelQ || g.LevelP() != p.rlwe.MaxLevelP() {
		return fmt.Errorf("key at levels (%d,%d), want (%d,%d)", g.LevelQ(), g.LevelP(), levelQ, p.rlwe.MaxLevelP())
	}
	q, pp := p.rlwe.Q(), p.rlwe.P()
	for _, row := range g.Value {
		for _, el := range row {
			for _, qp := range el {
				for i, c := range qp.Q.Coeffs {
					if err := belowModulus(c, q[i], p.N()); err != nil {
						return err
					}
				}
				for i, c := range qp.P.Coeffs {
					if err := belowModulus(c, pp[i], p.N()); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func belowModulus(c []uint64, q uint64, n int) error {
	if len(c) != n {
		return fmt.Errorf("ring degree %d, want %d", len(c), n)
	}
	for _, v := range c {
		if v >= q {
			return fmt.Errorf("residue %d >= modulus %d", v, q)
		}
	}
	return nil
}

// GadgetC1Equal reports whether a and b have the same uniform halves: the
// byte-for-byte check of RedrawC1 that every engine's tests run.
func GadgetC1Equal(a, b *rlwe.GadgetCiphertext) bool {
	if len(a.Value) != len(b.Value) {
		return false
	}
	for i := range a.Value {
		if len(a.Value[i]) != len(b.Value[i]) {
			return false
		}
		for j := range a.Value[i] {
			if !a.Value[i][j][1].Equal(&b.Value[i][j][1]) {
				return false
			}
		}
	}
	return true
}

// CodecParams wraps Lattigo parameters an engine built itself (a CKKS
// chain with its own secret distribution, or bootstrapping's extended
// chain) for the seeded key codec alone: SeededKeyGenerator, GadgetSize,
// AppendGadget, ReadGadget and RedrawC1 read only the ring and moduli.
// The result is not a checked parameter set: its literal holds the name
// and ring degree only.
func CodecParams(name string, r rlwe.Parameters) Params {
	return Params{lit: Literal{Name: name, LogN: r.LogN()}, rlwe: &r, logQP: r.LogQP()}
}
