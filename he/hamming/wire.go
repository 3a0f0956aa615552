package hamming

import (
	"fmt"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// Messages are fixed-layout byte strings: the toolkit's 12-byte header
// (magic, kind, version, parameter fingerprint), then fields whose sizes
// follow from the parameters alone. Residues mod a prime q are bit-packed
// at bits.Len(q-1) bits (the toolkit's limb packer); a polynomial
// regenerated from a 32-byte seed is not sent.

const replyWidth = 17 // bits per slot value mod 65537

func (p Parameters) header(kind byte) []byte { return core.PutHeader(nil, kind, p.id) }

func (p Parameters) checkHeader(kind byte, b []byte) error { return core.CheckHeader(b, kind, p.id) }

// polyBytes is the packed size of a polynomial over the given moduli.
func polyBytes(N int, moduli []uint64) int { return core.PolyPackedLen(N, moduli) }

// packPoly appends the limbs of p (one per modulus) bit-packed.
func packPoly(dst []byte, coeffs [][]uint64, moduli []uint64) []byte {
	return core.PackPoly(dst, coeffs, moduli)
}

// unpackPoly reads exactly what packPoly wrote into coeffs, rejecting
// residues >= q.
func unpackPoly(src []byte, coeffs [][]uint64, moduli []uint64) error {
	n, err := core.UnpackPoly(src, coeffs, moduli)
	if err == nil && n != len(src) {
		err = fmt.Errorf("polynomial of %d bytes, want %d", len(src), n)
	}
	return err
}

// packValues bit-packs values mod t at replyWidth bits.
func packValues(dst []byte, vals []uint64) []byte {
	return packPoly(dst, [][]uint64{vals}, []uint64{PlaintextModulus})
}

func unpackValues(src []byte, vals []uint64) error {
	return unpackPoly(src, [][]uint64{vals}, []uint64{PlaintextModulus})
}

// limbsQ returns the first level+1 ciphertext primes.
func (p Parameters) limbsQ(level int) []uint64 { return p.bgv.Q()[:level+1] }

// ringCoeffs returns the coefficient slices of p at level (Q part).
func ringCoeffs(p ring.Poly, level int) [][]uint64 { return p.Coeffs[:level+1] }
