// Package core is the Lattigo-facing half of privmatch's HE toolkit: the
// checked parameters behind he.Parameters, the one security table, the
// insecure test door, the wire header, the limb packer, the level-0
// rounded-ciphertext codec, the seeded evaluation-key codec and the
// panic-to-error boundary. The engines (he/exact, he/hamming,
// he/imagehash) build on it; it is internal so that no Lattigo type
// reaches an exported API.
package core

import (
	"errors"
	"fmt"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
	"github.com/tuneinsight/lattigo/v5/schemes/ckks"
)

// Literal is an unchecked description of an RLWE parameter set: BGV when
// T is set, CKKS when LogScale is set.
type Literal struct {
	// Name identifies the preset on the wire and in reports.
	Name string
	// LogN is log2 of the ring degree N.
	LogN int
	// LogQ lists the bit sizes of the ciphertext primes, lowest level first.
	LogQ []int
	// LogP lists the bit sizes of the key-switching primes.
	LogP []int
	// T is the BGV plaintext modulus (prime, 1 mod 2N); 0 selects CKKS.
	T uint64
	// LogScale is log2 of the CKKS default scale; 0 for BGV.
	LogScale int
	// Insecure marks a preset above the 128-bit bound, made to keep tests
	// fast. It is accepted only after the test door (he/hetest) is opened.
	Insecure bool
}

// maxLogQP holds the HE standard's 128-bit bounds on log2(QP) for ternary
// secrets (Albrecht et al., "Homomorphic Encryption Standard", table 1).
var maxLogQP = map[int]float64{10: 27, 11: 54, 12: 109, 13: 218, 14: 438, 15: 881}

// MaxLogQP returns the 128-bit bound on log2(QP) at ring degree 2^logN.
func MaxLogQP(logN int) (float64, bool) {
	b, ok := maxLogQP[logN]
	return b, ok
}

// ErrInsecure is returned when a literal exceeds the 128-bit bound, or is
// marked insecure and the test door is shut.
var ErrInsecure = errors.New("he: parameters below 128-bit security")

// Params is a checked parameter set. It is immutable and safe for
// concurrent use. Its methods carry no Lattigo type; [BGV], [CKKS] and
// [RLWE] give the engines the Lattigo parameters.
type Params struct {
	lit   Literal
	rlwe  *rlwe.Parameters
	bgv   *bgv.Parameters
	ckks  *ckks.Parameters
	logQP float64
	id    uint64
}

// NewParams checks the literal and builds the parameters.
func NewParams(l Literal) (Params, error) { return newParams(l, insecureAllowed()) }

func newParams(l Literal, allowInsecure bool) (Params, error) {
	if l.Name == "" || len(l.Name) > 32 {
		return Params{}, fmt.Errorf("he: params: name must have 1..32 bytes")
	}
	bound, ok := maxLogQP[l.LogN]
	if !ok {
		return Params{}, fmt.Errorf("he: params %s: LogN=%d outside 10..15", l.Name, l.LogN)
	}
	if len(l.LogQ) < 1 || len(l.LogP) < 1 || len(l.LogQ) > 64 || len(l.LogP) > 64 {
		return Params{}, fmt.Errorf("he: params %s: need 1..64 Q primes and 1..64 P primes", l.Name)
	}
	sum := 0
	for _, b := range append(append([]int{}, l.LogQ...), l.LogP...) {
		if b < 20 || b > 60 {
			return Params{}, fmt.Errorf("he: params %s: prime size %d outside 20..60 bits", l.Name, b)
		}
		sum += b
	}
	if (l.T == 0) == (l.LogScale == 0) {
		return Params{}, fmt.Errorf("he: params %s: set exactly one of T (BGV) and LogScale (CKKS)", l.Name)
	}
	if float64(sum) > bound && !l.Insecure {
		return Params{}, fmt.Errorf("he: params %s: log2(QP)=%d exceeds %v for LogN=%d but not marked insecure: %w", l.Name, sum, bound, l.LogN, ErrInsecure)
	}
	if l.Insecure && !allowInsecure {
		return Params{}, fmt.Errorf("he: params %s: marked insecure and the test door is shut: %w", l.Name, ErrInsecure)
	}
	p := Params{lit: l.clone()}
	if l.T != 0 {
		twoN := uint64(2) << l.LogN
		if l.T < 3 || l.T >= 1<<31 || !isPrime(l.T) || l.T%twoN != 1 {
			return Params{}, fmt.Errorf("he: params %s: plaintext modulus %d must be a prime < 2^31 with t = 1 mod 2N=%d", l.Name, l.T, twoN)
		}
		bp, err := bgv.NewParametersFromLiteral(bgv.ParametersLiteral{LogN: l.LogN, LogQ: l.LogQ, LogP: l.LogP, PlaintextModulus: l.T})
		if err != nil {
			return Params{}, fmt.Errorf("he: params %s: %w", l.Name, err)
		}
		p.bgv, p.rlwe = &bp, bp.GetRLWEParameters()
	} else {
		if l.LogScale < 10 || l.LogScale > 60 {
			return Params{}, fmt.Errorf("he: params %s: scale 2^%d outside 2^10..2^60", l.Name, l.LogScale)
		}
		cp, err := ckks.NewParametersFromLiteral(ckks.ParametersLiteral{LogN: l.LogN, LogQ: l.LogQ, LogP: l.LogP,
			LogDefaultScale: l.LogScale, Xs: rlwe.DefaultXs, Xe: rlwe.DefaultXe})
		if err != nil {
			return Params{}, fmt.Errorf("he: params %s: %w", l.Name, err)
		}
		p.ckks, p.rlwe = &cp, cp.GetRLWEParameters()
	}
	p.logQP = p.rlwe.LogQP()
	if p.logQP > bound && !l.Insecure {
		return Params{}, fmt.Errorf("he: params %s: log2(QP)=%.1f exceeds %v for LogN=%d but not marked insecure: %w", l.Name, p.logQP, bound, l.LogN, ErrInsecure)
	}
	p.id = p.computeID()
	return p, nil
}

func (l Literal) clone() Literal {
	l.LogQ = append([]int(nil), l.LogQ...)
	l.LogP = append([]int(nil), l.LogP...)
	return l
}

func isPrime(n uint64) bool {
	if n < 2 {
		return false
	}
	for d := uint64(2); d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

// Literal returns a copy of the literal the parameters were built from.
func (p Params) Literal() Literal { return p.lit.clone() }

// Name returns the preset name.
func (p Params) Name() string { return p.lit.Name }

// LogN returns log2 of the ring degree.
func (p Params) LogN() int { return p.lit.LogN }

// N returns the ring degree.
func (p Params) N() int { return 1 << p.lit.LogN }

// T returns the BGV plaintext modulus (0 under CKKS).
func (p Params) T() uint64 { return p.lit.T }

// MaxLevel returns the top ciphertext level (number of Q primes minus one).
func (p Params) MaxLevel() int { return len(p.lit.LogQ) - 1 }

// Moduli returns copies of the Q and P prime chains.
func (p Params) Moduli() (q, pp []uint64) {
	if p.rlwe == nil {
		return nil, nil
	}
	return append([]uint64(nil), p.rlwe.Q()...), append([]uint64(nil), p.rlwe.P()...)
}

// LogQP returns log2 of the full modulus Q*P.
func (p Params) LogQP() float64 { return p.logQP }

// Insecure reports whether the preset is marked insecure (tests only).
func (p Params) Insecure() bool { return p.lit.Insecure }

// SecurityBits returns 128 for parameters within the HE standard's bound
// for their ring degree and 0 for insecure test presets.
func (p Params) SecurityBits() int {
	if b, ok := maxLogQP[p.lit.LogN]; ok && p.logQP <= b && !p.lit.Insecure {
		return 128
	}
	return 0
}

// ID returns a 64-bit fingerprint of the ring, moduli, plaintext modulus
// and scale; engines mix their own shape into it with [Mix].
func (p Params) ID() uint64 { return p.id }

// Equal reports whether two parameter sets have the same fingerprint and
// literal shape.
func (p Params) Equal(o Params) bool { return p.id == o.id && p.lit.Name == o.lit.Name }

// String summarises the parameters.
func (p Params) String() string {
	scheme := fmt.Sprintf("BGV t=%d", p.lit.T)
	if p.ckks != nil {
		scheme = fmt.Sprintf("CKKS scale=2^%d", p.lit.LogScale)
	}
	return fmt.Sprintf("%s: %s LogN=%d |Q|=%d |P|=%d logQP=%.1f security=%d", p.lit.Name, scheme, p.lit.LogN, len(p.lit.LogQ), len(p.lit.LogP), p.logQP, p.SecurityBits())
}

func (p Params) computeID() uint64 {
	h := Mix(14695981039346656037, uint64(p.lit.LogN), p.lit.T, uint64(p.lit.LogScale))
	h = Mix(h, p.rlwe.Q()...)
	return Mix(h, p.rlwe.P()...)
}

// Mix folds values into a 64-bit FNV-1a fingerprint, byte by byte.
func Mix(h uint64, vals ...uint64) uint64 {
	for _, v := range vals {
		for i := 0; i < 8; i++ {
			h ^= v & 0xff
			h *= 1099511628211
			v >>= 8
		}
	}
	return h
}

// BGV returns the Lattigo BGV parameters; it panics on CKKS parameters
// (a programmer error: engines know their scheme).
func BGV(p Params) bgv.Parameters {
	if p.bgv == nil {
		panic("he: BGV parameters requested from " + p.lit.Name)
	}
	return *p.bgv
}

// CKKS returns the Lattigo CKKS parameters; it panics on BGV parameters.
func CKKS(p Params) ckks.Parameters {
	if p.ckks == nil {
		panic("he: CKKS parameters requested from " + p.lit.Name)
	}
	return *p.ckks
}

// RLWE returns the scheme-independent Lattigo parameters.
func RLWE(p Params) rlwe.Parameters { return *p.rlwe }

// CeilLog2 returns the smallest d with 2^d >= x.
func CeilLog2(x int) int {
	d := 0
	for 1<<d < x {
		d++
	}
	return d
}
