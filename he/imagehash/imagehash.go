// Package imagehash computes perceptual hashes under homomorphic
// encryption: the client encrypts its downsampled luma with CKKS, the
// server evaluates the hash's DCT block on the ciphertext without
// decrypting, and the client decrypts the coefficients and thresholds them
// at their median. It measures what the linear (dominant) stage of pHash
// (imagehash phash, 64 bits) and PDQ (256 bits) costs under HE.
//
// Start here: NewParameters, NewClient (keys, Query), NewServer (Answer),
// Client.Finish.
//
//	client                                   server
//	luma = Luma(alg, img)   (32x32 or 64x64)
//	keys (Galois, once)      ------------>   NewServer(params, keys)
//	query = Enc_sk(luma)     ------------>   seeded CKKS ciphertext
//	                         <------------   answer = Enc(DCT block)
//	coeffs = Dec(answer); hash = coeffs > median
//
// Threat model and scope: the server learns nothing about the image beyond
// the parameters (CKKS under the client's secret key, semantically secure
// at the checked parameters); the client learns the coefficients of its
// own image. Nothing is matched: this measures the cost of hashing under
// encryption, the part a "homomorphic scanning" design would add before
// any membership test. The median threshold runs on the client in the
// clear (pipeline (a)); a homomorphic comparison against an encrypted
// median is not implemented.
//
// It is one of the engines on the he toolkit: NewParameters goes through
// he.NewParameters (the one security table), and keys, queries and answers
// use the toolkit's wire header, seeded key codec and seeded encryption
// (he/internal/core).
package imagehash

import (
	"fmt"
	"math"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/schemes/ckks"
)

// Alg names a hash whose linear stage runs under encryption.
type Alg string

const (
	// AlgPHash8 is imagehash's phash (phash.PHash8): 8x8 low block of the
	// unnormalised DCT-II of the 32x32 LANCZOS luma, 64 bits.
	AlgPHash8 Alg = "phash8"
	// AlgPDQ is PDQ (phash.PDQ, no squash): 16x16 block (frequencies
	// 1..16) of the DCT of the 64x64 box-filtered luma, 256 bits.
	AlgPDQ Alg = "pdq"
)

// Literal is an unchecked imagehash parameter set: a CKKS literal
// (he.Literal with LogScale set: ring degree 2^LogN, moduli chain LogQ
// of two primes, the top one consumed by the one rescale, key-switching
// primes LogP, and the scale 2^LogScale of the encrypted luma) and the
// algorithm. The secret is ternary (Lattigo's default, density 2/3).
type Literal struct {
	he.Literal
	Alg Alg
}

// Default is the CKKS parameter set used unless told otherwise: LogN 13
// (4096 slots), Q = 50 + 40 bits, P = 52 bits (logQP about 142 <= 218),
// scale 2^40.
var Default = he.Literal{Name: "CKKS13", LogN: 13, LogQ: []int{50, 40}, LogP: []int{52}, LogScale: 40}

// WithScale returns the Default shape at scale 2^logScale: Q = (s+10, s),
// P = s+12 bits, for precision sweeps.
func WithScale(logScale int) he.Literal {
	return he.Literal{Name: fmt.Sprintf("CKKS13-S%d", logScale), LogN: 13, LogQ: []int{logScale + 10, logScale}, LogP: []int{logScale + 12}, LogScale: logScale}
}

// Parameters are checked parameters for one algorithm. Copy freely.
type Parameters struct {
	he.Parameters
	alg   Alg
	lit   Literal
	shape shape
	ckks  ckks.Parameters
	norm  float64 // normaliser(alg)
	id    uint64
}

// NewParameters checks l: the toolkit's checks (128-bit security, CKKS
// scale), enough slots for the algorithm's luma, and exactly two Q primes.
func NewParameters(l Literal) (Parameters, error) {
	s, ok := shapeOf(l.Alg)
	if !ok {
		return Parameters{}, fmt.Errorf("imagehash: params: unknown algorithm %q", l.Alg)
	}
	if l.LogScale == 0 || l.T != 0 {
		return Parameters{}, fmt.Errorf("imagehash: params: CKKS literal needs LogScale and no T")
	}
	if len(l.LogQ) != 2 || len(l.LogP) < 1 {
		return Parameters{}, fmt.Errorf("imagehash: params: want 2 Q primes and at least 1 P prime, got %d and %d", len(l.LogQ), len(l.LogP))
	}
	if l.LogN < 1 || l.LogN > 16 || 1<<(l.LogN-1) < s.inputs {
		return Parameters{}, fmt.Errorf("imagehash: params: %d slots for %d inputs", 1<<max(l.LogN-1, 0), s.inputs)
	}
	if l.LogScale < 10 || l.LogScale > l.LogQ[1]+2 || l.LogQ[0] <= l.LogScale {
		return Parameters{}, fmt.Errorf("imagehash: params: scale 2^%d does not fit Q %v", l.LogScale, l.LogQ)
	}
	hp, err := he.NewParameters(l.Literal)
	if err != nil {
		return Parameters{}, fmt.Errorf("imagehash: %w", err)
	}
	l.Literal = hp.Literal()
	return Parameters{Parameters: hp, alg: l.Alg, lit: l, shape: s, ckks: core.CKKS(hp), norm: normaliser(l.Alg),
		id: core.Mix(hp.ID(), uint64(algByte(l.Alg)))}, nil
}

// Alg returns the algorithm.
func (p Parameters) Alg() Alg { return p.alg }

// Literal returns the literal the parameters were built from.
func (p Parameters) Literal() Literal { l := p.lit; l.Literal = p.Parameters.Literal(); return l }

// Inputs returns the number of luma values (1024 or 4096).
func (p Parameters) Inputs() int { return p.shape.inputs }

// Outputs returns the number of coefficients (64 or 256).
func (p Parameters) Outputs() int { return p.shape.outputs }

// String describes the parameters.
func (p Parameters) String() string {
	return fmt.Sprintf("%s CKKS LogN=%d LogQ=%v LogP=%v scale=2^%d logQP=%.1f", p.alg, p.lit.LogN, p.lit.LogQ, p.lit.LogP, p.lit.LogScale, p.LogQP())
}

// normaliser returns the factor the server's matrix is divided by so that
// every output lies in [-1, 1] for luma scaled to [0, 1]: the largest row
// L1 norm of the DCT matrix.
func normaliser(alg Alg) float64 {
	best := 0.0
	for _, row := range matrix(alg) {
		s := 0.0
		for _, v := range row {
			s += math.Abs(v)
		}
		best = max(best, s)
	}
	return best
}
