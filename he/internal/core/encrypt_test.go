package core

import (
	"bytes"
	"testing"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// TestSeededEncryptionRegenerates: ExpandC1 redraws, byte for byte, the
// uniform half Encrypt used, at every level, for a BGV and a CKKS
// parameter set; c0 + c1*s is the message plus small noise, and a seed one
// bit off gives a c1 under which it is not.
func TestSeededEncryptionRegenerates(t *testing.T) {
	ckksLit := Literal{Name: "C12", LogN: 12, LogQ: []int{40, 30, 30}, LogP: []int{40}, LogScale: 30, Insecure: true}
	for _, lit := range []Literal{testLiteral, ckksLit} {
		t.Run(lit.Name, func(t *testing.T) {
			p, err := newParams(lit, true)
			if err != nil {
				t.Fatal(err)
			}
			sk := rlwe.NewKeyGenerator(p.rlwe).GenSecretKeyNew()
			seeds := bytes.Repeat([]byte{7, 1, 2, 9}, 8*(p.MaxLevel()+1))
			enc, err := NewSeededEncryptor(p, sk, bytes.NewReader(seeds))
			if err != nil {
				t.Fatal(err)
			}
			q := p.rlwe.Q()
			for level := 0; level <= p.MaxLevel(); level++ {
				ringQ := p.rlwe.RingQ().AtLevel(level)
				c0 := ringQ.NewPoly()
				for i := range c0.Coeffs {
					c0.Coeffs[i][0] = 5
				}
				seed, err := enc.Encrypt(c0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(seed[:], seeds[level*SeedLen:(level+1)*SeedLen]) {
					t.Fatalf("level %d: seed %x not read from rng", level, seed)
				}
				c1 := ringQ.NewPoly()
				if err := ExpandC1(seed[:], q[:level+1], c1.Coeffs); err != nil {
					t.Fatal(err)
				}
				for i := range c1.Coeffs {
					if !equalU64(c1.Coeffs[i], enc.c1.Coeffs[i]) {
						t.Fatalf("level %d limb %d: regenerated c1 differs", level, i)
					}
				}
				if !decryptSmall(ringQ, c0, c1, sk.Value.Q) {
					t.Fatalf("level %d: c0 + c1*s is not 5 + small noise", level)
				}
				seed[0] ^= 1
				if err := ExpandC1(seed[:], q[:level+1], c1.Coeffs); err != nil {
					t.Fatal(err)
				}
				if decryptSmall(ringQ, c0, c1, sk.Value.Q) {
					t.Fatalf("level %d: a wrong seed still decrypts", level)
				}
			}
			if err := ExpandC1(make([]byte, 31), q[:1], make([][]uint64, 1)); err == nil {
				t.Fatal("31-byte seed accepted")
			}
		})
	}
}

// decryptSmall reports whether c0 + c1*s, centred in every limb, is the
// message 5 (coefficient 0) plus noise of at most 20 in every coefficient.
func decryptSmall(ringQ *ring.Ring, c0, c1, s ring.Poly) bool {
	d := ringQ.NewPoly()
	d.Copy(c0)
	ringQ.MulCoeffsMontgomeryThenAdd(c1, s, d)
	ringQ.INTT(d, d)
	for i, limb := range d.Coeffs {
		qi := ringQ.SubRings[i].Modulus
		for k, v := range limb {
			c := int64(v)
			if v > qi/2 {
				c = -int64(qi - v)
			}
			if k == 0 {
				c -= 5
			}
			if c < -20 || c > 20 {
				return false
			}
		}
	}
	return true
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
