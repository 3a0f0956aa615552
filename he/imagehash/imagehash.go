// Package imagehash computes perceptual hashes under homomorphic
// encryption: the client encrypts its downsampled luma with CKKS, the
// server evaluates the hash's DCT block on the ciphertext without
// decrypting, and the client decrypts the coefficients and thresholds them
// at their median. It measures what the linear (dominant) stage of pHash
// (imagehash phash, 64 bits) and PDQ (256 bits) costs under HE.
//
// Start here: NewParams, NewClient (keys, Query), NewServer (Answer),
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
package imagehash

import (
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
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

// ParamsLiteral is the CKKS parameter set: ring degree 2^LogN, moduli
// chain LogQ (two primes: the top one consumed by the one rescale),
// key-switching primes LogP, and the scale 2^LogScale of the encrypted
// luma. The secret is ternary (Lattigo's default, density 2/3).
type ParamsLiteral struct {
	LogN     int
	LogQ     []int
	LogP     []int
	LogScale int
}

// Default is the parameter set used unless told otherwise: LogN 13 (4096
// slots), Q = 50 + 40 bits, P = 52 bits (logQP about 142 <= 218),
// scale 2^40.
var Default = ParamsLiteral{LogN: 13, LogQ: []int{50, 40}, LogP: []int{52}, LogScale: 40}

// WithScale returns the Default shape at scale 2^logScale: Q = (s+10, s),
// P = s+12 bits, for precision sweeps.
func WithScale(logScale int) ParamsLiteral {
	return ParamsLiteral{LogN: 13, LogQ: []int{logScale + 10, logScale}, LogP: []int{logScale + 12}, LogScale: logScale}
}

// maxLogQP is the HomomorphicEncryption.org standard's bound for 128-bit
// classical security with a ternary secret.
var maxLogQP = map[int]float64{12: 109, 13: 218, 14: 438, 15: 881}

// Params are checked parameters for one algorithm. Copy freely.
type Params struct {
	alg   Alg
	lit   ParamsLiteral
	shape shape
	ckks  ckks.Parameters
	norm  float64 // normaliser(alg)
}

// NewParams checks lit for alg: at least 128-bit security (logQP within
// the standard's bound for LogN, ternary secret), enough slots for the
// luma, and exactly two Q primes.
func NewParams(alg Alg, lit ParamsLiteral) (Params, error) {
	s, ok := shapeOf(alg)
	if !ok {
		return Params{}, fmt.Errorf("imagehash: params: unknown algorithm %q", alg)
	}
	bound, ok := maxLogQP[lit.LogN]
	if !ok {
		return Params{}, fmt.Errorf("imagehash: params: LogN %d outside 12..15", lit.LogN)
	}
	if len(lit.LogQ) != 2 || len(lit.LogP) < 1 {
		return Params{}, fmt.Errorf("imagehash: params: want 2 Q primes and at least 1 P prime, got %d and %d", len(lit.LogQ), len(lit.LogP))
	}
	if 1<<(lit.LogN-1) < s.inputs {
		return Params{}, fmt.Errorf("imagehash: params: %d slots for %d inputs", 1<<(lit.LogN-1), s.inputs)
	}
	if lit.LogScale < 10 || lit.LogScale > lit.LogQ[1]+2 || lit.LogQ[0] <= lit.LogScale {
		return Params{}, fmt.Errorf("imagehash: params: scale 2^%d does not fit Q %v", lit.LogScale, lit.LogQ)
	}
	cp, err := ckks.NewParametersFromLiteral(ckks.ParametersLiteral{
		LogN: lit.LogN, LogQ: lit.LogQ, LogP: lit.LogP, LogDefaultScale: lit.LogScale,
		Xs: rlwe.DefaultXs, Xe: rlwe.DefaultXe,
	})
	if err != nil {
		return Params{}, fmt.Errorf("imagehash: params: %w", err)
	}
	if got := cp.LogQP(); got > bound {
		return Params{}, fmt.Errorf("imagehash: params: logQP %.1f above %.0f, the 128-bit bound at LogN %d", got, bound, lit.LogN)
	}
	return Params{alg: alg, lit: lit, shape: s, ckks: cp, norm: normaliser(alg)}, nil
}

// Alg returns the algorithm.
func (p Params) Alg() Alg { return p.alg }

// Literal returns the literal the parameters were built from.
func (p Params) Literal() ParamsLiteral { return p.lit }

// LogQP returns log2 of the full modulus Q*P.
func (p Params) LogQP() float64 { return p.ckks.LogQP() }

// Inputs returns the number of luma values (1024 or 4096).
func (p Params) Inputs() int { return p.shape.inputs }

// Outputs returns the number of coefficients (64 or 256).
func (p Params) Outputs() int { return p.shape.outputs }

// String describes the parameters.
func (p Params) String() string {
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
