package hashmatch

import (
	"fmt"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/privmatch/privmatch/phash"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/utils"
)

// This file holds the parameters: a CKKS residual chain for the circuit
// and the bootstrapping circuit above it, checked for 128-bit security.

// logSlots is the number of slots every ciphertext of the circuit uses:
// 4096 = 64 x 64, one slot per pair of pHash coefficients.
const logSlots = 12

// ParamsLiteral is a parameter set: ring degree 2^LogN, the residual
// moduli LogQ (the chain the circuit computes in; the first prime holds
// the message while bootstrapping), key-switching primes LogP, the scale
// 2^LogScale of the circuit (and of the client's encrypted luma), and the
// bootstrapping circuit's moduli: CoeffsToSlots and
// SlotsToCoeffs factorisations and the EvalMod scale (see Lattigo's
// bootstrapping.ParametersLiteral). The secret is ternary with Hamming
// weight N/2.
type ParamsLiteral struct {
	// Name identifies the preset on the wire (psi's he-hash-match names
	// it in its setup message).
	Name            string
	LogN            int
	LogQ            []int
	LogP            []int
	LogScale        int
	CoeffsToSlots   [][]int
	SlotsToCoeffs   [][]int
	EvalModLogScale int
	LogMessageRatio int // log2(Q0/|m|) while bootstrapping; 0: Lattigo's default (8)
	// Insecure marks a preset below 128-bit security, for tests: NewParams
	// accepts it only once he/hetest has opened the test door.
	Insecure bool
	// Hash is the perceptual hash the circuit computes: imagehash.AlgPHash8
	// (the zero value) or imagehash.AlgPDQ.
	Hash imagehash.Alg
}

// Default is Lattigo's dense-secret N = 2^15 bootstrapping set
// (N15QP880H16384H32) with one more 31-bit residual prime, paid for by an
// EvalMod scale of 2^50 instead of 2^55: five levels between bootstraps,
// so that every stage of the sign polynomials (degree <= 15) fits between
// two bootstraps, with 4096 slots.
var Default = ParamsLiteral{
	Name:            "HM15",
	LogN:            15,
	LogQ:            []int{40, 31, 31, 31, 31, 31},
	LogP:            []int{56, 56},
	LogScale:        31,
	CoeffsToSlots:   [][]int{{51}, {51}},
	SlotsToCoeffs:   [][]int{{39}, {39}},
	EvalModLogScale: 49,
}

// DefaultPDQ is Default computing PDQ (256 bits from the 64x64 luma)
// instead of phash8.
var DefaultPDQ = ForHash(Default, imagehash.AlgPDQ)

// ForHash returns lit (a phash8 preset) computing alg's hash instead, its
// name suffixed with the hash's ("HM15-pdq").
func ForHash(lit ParamsLiteral, alg imagehash.Alg) ParamsLiteral {
	if alg != "" && alg != imagehash.AlgPHash8 && lit.Hash == "" {
		lit.Hash = alg
		lit.Name += "-" + string(alg)
	}
	return lit
}

// HM13Insecure is a small preset far below 128-bit security (N = 2^13,
// log2(QP) far above the bound), with Lattigo's default bootstrapping
// moduli, for tests only: NewParams refuses it unless he/hetest's test
// door is open.
var HM13Insecure = ParamsLiteral{Name: "HM13Insecure", LogN: 13, LogQ: []int{55, 40, 40, 40, 40, 40}, LogP: []int{61, 61}, LogScale: 40, Insecure: true}

// maxLogQP is the HomomorphicEncryption.org standard's bound on log2(QP)
// for 128-bit classical security with a ternary secret.
var maxLogQP = map[int]float64{13: 218, 14: 438, 15: 881, 16: 1772}

// Params are checked parameters. Copy freely.
type Params struct {
	lit      ParamsLiteral
	residual hefloat.Parameters
	btp      bootstrapping.Parameters
	insecure bool
	shape    shape
}

// shape is what the circuit's layout depends on: the hash and the sizes
// of its luma and coefficient block.
type shape struct {
	alg   imagehash.Alg
	kind  phash.Kind
	coefs int // coefficients, one hash bit each: 64 (phash8) or 256 (PDQ)
	luma  int // downsampled luma values: 1024 (32x32) or 4096 (64x64)
}

func shapeOf(alg imagehash.Alg) (shape, error) {
	switch alg {
	case "", imagehash.AlgPHash8:
		return shape{alg: imagehash.AlgPHash8, kind: phash.PHash8.Kind(), coefs: 64, luma: 1024}, nil
	case imagehash.AlgPDQ:
		return shape{alg: imagehash.AlgPDQ, kind: phash.PDQKind, coefs: 256, luma: 4096}, nil
	}
	return shape{}, fmt.Errorf("hashmatch: params: hash %q: want %s or %s", alg, imagehash.AlgPHash8, imagehash.AlgPDQ)
}

// bit reports the bit of coefficient k (row-major in the block) in a hash
// of the shape's kind: imagehash's phash8 bit k is the k-th most
// significant, PDQ's the k-th least significant.
func (sh shape) bit(h phash.Hash, k int) bool {
	if sh.alg == imagehash.AlgPDQ {
		return h.Bit(k)
	}
	return h.Bit(sh.coefs - 1 - k)
}

// Hash returns the hash the parameters compute.
func (p Params) Hash() imagehash.Alg { return p.shape.alg }

// NewParams checks lit: at least 128-bit security for the whole modulus
// the keys are generated over (bootstrapping included), 4096 slots, and at
// least five residual levels.
func NewParams(lit ParamsLiteral) (Params, error) {
	if lit.Insecure && !core.InsecureAllowed() {
		return Params{}, fmt.Errorf("hashmatch: params %s: marked insecure and the test door is shut: %w", lit.Name, core.ErrInsecure)
	}
	return newParams(lit, lit.Insecure)
}

func newParams(lit ParamsLiteral, allowInsecure bool) (Params, error) {
	sh, err := shapeOf(lit.Hash)
	if err != nil {
		return Params{}, err
	}
	if lit.LogN < 13 || lit.LogN > 16 {
		return Params{}, fmt.Errorf("hashmatch: params: LogN %d outside 13..16", lit.LogN)
	}
	if len(lit.LogQ) < 5 {
		return Params{}, fmt.Errorf("hashmatch: params: %d residual primes, want at least 5 (four levels)", len(lit.LogQ))
	}
	n := 1 << lit.LogN
	residual, err := hefloat.NewParametersFromLiteral(hefloat.ParametersLiteral{
		LogN: lit.LogN, LogQ: lit.LogQ, LogP: lit.LogP, LogDefaultScale: lit.LogScale,
		Xs: ring.Ternary{H: n / 2}, Xe: rlwe.DefaultXe,
	})
	if err != nil {
		return Params{}, fmt.Errorf("hashmatch: params: %w", err)
	}
	btLit := bootstrapping.ParametersLiteral{
		LogN:     utils.Pointy(lit.LogN),
		LogP:     lit.LogP,
		Xs:       ring.Ternary{H: n / 2},
		LogSlots: utils.Pointy(logSlots),
	}
	if lit.LogMessageRatio != 0 {
		btLit.LogMessageRatio = utils.Pointy(lit.LogMessageRatio)
	}
	if lit.CoeffsToSlots != nil {
		btLit.CoeffsToSlotsFactorizationDepthAndLogScales = lit.CoeffsToSlots
	}
	if lit.SlotsToCoeffs != nil {
		btLit.SlotsToCoeffsFactorizationDepthAndLogScales = lit.SlotsToCoeffs
	}
	if lit.EvalModLogScale != 0 {
		btLit.EvalModLogScale = utils.Pointy(lit.EvalModLogScale)
	}
	btp, err := bootstrapping.NewParametersFromLiteral(residual, btLit)
	if err != nil {
		return Params{}, fmt.Errorf("hashmatch: params: bootstrapping: %w", err)
	}
	p := Params{lit: lit, residual: residual, btp: btp, insecure: allowInsecure, shape: sh}
	if !allowInsecure {
		bound := maxLogQP[lit.LogN]
		if got := p.LogQP(); got > bound {
			return Params{}, fmt.Errorf("hashmatch: params: logQP %.1f above %.0f, the 128-bit bound at LogN %d", got, bound, lit.LogN)
		}
	}
	return p, nil
}

// Literal returns the literal the parameters were built from.
func (p Params) Literal() ParamsLiteral { return p.lit }

// LogQP returns log2 of the largest modulus keys are generated over: the
// bootstrapping circuit's Q times P.
func (p Params) LogQP() float64 { return p.btp.BootstrappingParameters.LogQP() }

// Levels returns the number of residual levels between two bootstraps.
func (p Params) Levels() int { return p.residual.MaxLevel() }

// String describes the parameters.
func (p Params) String() string {
	s := fmt.Sprintf("%s: CKKS LogN=%d residual LogQ=%v LogP=%v scale=2^%d slots=2^%d bootstrapping logQP=%.1f",
		p.shape.alg, p.lit.LogN, p.lit.LogQ, p.lit.LogP, p.lit.LogScale, logSlots, p.LogQP())
	if p.insecure {
		s += " INSECURE (tests only)"
	}
	return s
}

// dims is the slot layout of every ciphertext and plaintext.
var dims = ring.Dimensions{Rows: 0, Cols: logSlots}
