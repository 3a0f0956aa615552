package imagehash

import (
	"fmt"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// This file holds the byte formats that cross the wire: the toolkit's
// header (magic, kind, version, fingerprint of the parameters and the
// algorithm) and polynomials packed limb by limb at the bit width of each
// modulus (the toolkit's limb packer). Decoders check header, lengths and
// that every coefficient is below its modulus before any value reaches
// Lattigo.

func algByte(a Alg) byte {
	if a == AlgPDQ {
		return 2
	}
	return 1
}

func (p Parameters) putHeader(dst []byte, kind byte) []byte { return core.PutHeader(dst, kind, p.id) }

func (p Parameters) checkHeader(src []byte, kind byte) error {
	return core.CheckHeader(src, kind, p.id)
}

// packedLen is the byte length of one polynomial with n coefficients per
// limb over moduli.
func packedLen(n int, moduli []uint64) int { return core.PolyPackedLen(n, moduli) }

// packPoly appends the limbs of p (one per modulus) bit-packed, LSB
// first, each limb padded to a whole byte.
func packPoly(dst []byte, p ring.Poly, moduli []uint64) []byte {
	return core.PackPoly(dst, p.Coeffs, moduli)
}

// unpackPoly fills p's limbs from src (exactly packedLen bytes) and
// rejects coefficients not below their modulus.
func unpackPoly(src []byte, p ring.Poly, moduli []uint64) error {
	n := len(p.Coeffs[0])
	if len(src) != packedLen(n, moduli) {
		return fmt.Errorf("polynomial of %d bytes, want %d", len(src), packedLen(n, moduli))
	}
	_, err := core.UnpackPoly(src, p.Coeffs, moduli)
	return err
}
