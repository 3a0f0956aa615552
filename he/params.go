package he

import (
	"errors"
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// ParamsLiteral is an unchecked description of a BGV parameter set plus the
// shape of the exact-membership circuit that runs on it. Turn it into usable
// Params with [ParamsLiteral.Params], which refuses insecure or inconsistent
// choices.
type ParamsLiteral struct {
	// Name identifies the preset on the wire and in reports.
	Name string
	// LogN is the log2 of the ring degree N.
	LogN int
	// LogQ lists the bit sizes of the ciphertext primes q0..qL; q0 is the
	// decryption modulus, each further prime is consumed by one rescale.
	LogQ []int
	// LogP lists the bit sizes of the key-switching primes.
	LogP []int
	// T is the plaintext modulus; batching needs T prime and T = 1 mod 2N.
	T uint64
	// Low is the Paterson-Stockmeyer baby-step count L (a power of two).
	Low int
	// High is the Paterson-Stockmeyer giant-step count H; one bin
	// polynomial has L*H coefficients, so it holds L*H-1 items.
	High int
	// Insecure marks a preset whose log2(QP) exceeds the HE-standard bound
	// for its N. Such presets exist only to make tests fast.
	Insecure bool
	// AllowInsecure must be set (by tests only) to accept an insecure preset.
	AllowInsecure bool
}

// Params is a checked parameter set. It is immutable and safe for
// concurrent use.
type Params struct {
	lit  ParamsLiteral
	bgv  bgv.Parameters
	logQ float64
	logP float64
}

// maxLogQP holds the HE standard's 128-bit bounds on log2(QP) for ternary
// secrets (Albrecht et al., "Homomorphic Encryption Standard", table 1).
var maxLogQP = map[int]float64{10: 27, 11: 54, 12: 109, 13: 218, 14: 438, 15: 881}

// ErrInsecure is returned when a parameter literal exceeds the 128-bit
// security bound and the caller did not opt in to insecure parameters.
var ErrInsecure = errors.New("he: parameters below 128-bit security")

// Presets. PN14 is the production set; PN12Test is insecure and for tests.
var (
	// PN14 is the 128-bit preset for databases of about 2^20 entries and
	// more: N=2^14 (4096 bins of 4 slots, about 268k entries per partition,
	// see ExactCapacity), t=65537,
	// Q = 36 + 3 x 34 + 52 + 6 x 34 bits, P = 40 bits, log2(QP) = 434 <= 438.
	// The 52-bit prime q4 absorbs the Paterson-Stockmeyer step, where a
	// plaintext and a ciphertext product meet before one rescale.
	PN14 = ParamsLiteral{Name: "PN14", LogN: 14, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34, 34, 34}, LogP: []int{40}, T: 65537, Low: 8, High: 9}
	// PN14M runs a shallower circuit (L=4, H=5: 19 entries per cell) for
	// databases up to about 2^18 entries: Q = 36 + 3 x 34 + 52 + 3 x 34,
	// log2(QP) = 332.
	PN14M = ParamsLiteral{Name: "PN14M", LogN: 14, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34}, LogP: []int{40}, T: 65537, Low: 4, High: 5}
	// PN14S runs the shallowest circuit (L=2, H=3: 5 entries per cell) for
	// databases up to about 2^16 entries: Q = 36 + 3 x 34 + 52 + 2 x 34,
	// log2(QP) = 298.
	PN14S = ParamsLiteral{Name: "PN14S", LogN: 14, LogQ: []int{36, 34, 34, 34, 52, 34, 34}, LogP: []int{40}, T: 65537, Low: 2, High: 3}
	// PN12Test is a small INSECURE preset (log2(QP) far above 109 for
	// N=2^12) that runs the same circuit quickly in tests.
	PN12Test = ParamsLiteral{Name: "PN12Test", LogN: 12, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34}, LogP: []int{40}, T: 65537, Low: 4, High: 4, Insecure: true}
)

// Presets lists every named preset.
func Presets() []ParamsLiteral { return []ParamsLiteral{PN14S, PN14M, PN14, PN12Test} }

// ExactPresetFor returns the cheapest secure preset whose exact-membership
// capacity holds n entries within four partitions (one answer ciphertext):
// PN14S up to about 75k entries, PN14M up to about 286k, PN14 up to about
// 1.07M. Larger databases get PN14 with as many partitions as they need
// (ceil(partitions/4) answer ciphertexts), up to [ExactMaxPartitions]:
// about 17.1M entries.
func ExactPresetFor(n int) (ParamsLiteral, error) {
	for _, l := range []ParamsLiteral{PN14S, PN14M, PN14} {
		p, err := l.Params()
		if err != nil {
			return ParamsLiteral{}, err
		}
		if n <= ExactCapacity(p, feltsPerItem) {
			return l, nil
		}
	}
	p, err := PN14.Params()
	if err != nil {
		return ParamsLiteral{}, err
	}
	if n <= ExactCapacity(p, ExactMaxPartitions) {
		return PN14, nil
	}
	return ParamsLiteral{}, fmt.Errorf("he: no preset holds %d entries: %w", n, ErrTooLarge)
}

// PresetByName returns the preset literal with the given name.
func PresetByName(name string) (ParamsLiteral, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return ParamsLiteral{}, fmt.Errorf("he: unknown preset %q", name)
}

func rep(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Params checks the literal and builds the parameters.
func (l ParamsLiteral) Params() (Params, error) {
	if l.Name == "" || len(l.Name) > 32 {
		return Params{}, fmt.Errorf("he: params: name must have 1..32 bytes")
	}
	bound, ok := maxLogQP[l.LogN]
	if !ok {
		return Params{}, fmt.Errorf("he: params %s: LogN=%d outside 10..15", l.Name, l.LogN)
	}
	if len(l.LogQ) < 2 || len(l.LogP) < 1 {
		return Params{}, fmt.Errorf("he: params %s: need at least 2 Q primes and 1 P prime", l.Name)
	}
	sum := 0
	for _, b := range append(append([]int{}, l.LogQ...), l.LogP...) {
		if b < 20 || b > 60 {
			return Params{}, fmt.Errorf("he: params %s: prime size %d outside 20..60 bits", l.Name, b)
		}
		sum += b
	}
	if float64(sum) > bound && !l.Insecure {
		return Params{}, fmt.Errorf("he: params %s: log2(QP)=%d exceeds %v for LogN=%d but not marked insecure: %w", l.Name, sum, bound, l.LogN, ErrInsecure)
	}
	if l.Insecure && !l.AllowInsecure {
		return Params{}, fmt.Errorf("he: params %s: marked insecure and AllowInsecure not set: %w", l.Name, ErrInsecure)
	}
	twoN := uint64(2) << l.LogN
	if l.T < 3 || l.T >= 1<<31 || !isPrime(l.T) || l.T%twoN != 1 {
		return Params{}, fmt.Errorf("he: params %s: plaintext modulus %d must be a prime < 2^31 with t = 1 mod 2N=%d", l.Name, l.T, twoN)
	}
	if l.T <= 1<<16 {
		// Felts are 16-bit values; they must be distinct residues.
		if l.T != 65537 {
			return Params{}, fmt.Errorf("he: params %s: t=%d must exceed 2^16", l.Name, l.T)
		}
	}
	if l.Low < 2 || l.Low&(l.Low-1) != 0 || l.High < 2 || l.Low*l.High > 1<<12 {
		return Params{}, fmt.Errorf("he: params %s: Low=%d must be a power of two >= 2, High=%d >= 2, Low*High <= 4096", l.Name, l.Low, l.High)
	}
	if need := l.depth(); need != len(l.LogQ)-1 {
		return Params{}, fmt.Errorf("he: params %s: circuit needs exactly %d levels, chain has %d", l.Name, need, len(l.LogQ)-1)
	}
	if l.LogQ[4] < 48 {
		return Params{}, fmt.Errorf("he: params %s: q4 (the Paterson-Stockmeyer rescale) has %d bits, need >= 48", l.Name, l.LogQ[4])
	}
	bp, err := bgv.NewParametersFromLiteral(bgv.ParametersLiteral{LogN: l.LogN, LogQ: l.LogQ, LogP: l.LogP, PlaintextModulus: l.T})
	if err != nil {
		return Params{}, fmt.Errorf("he: params %s: %w", l.Name, err)
	}
	return Params{lit: l, bgv: bp, logQ: bp.LogQ(), logP: bp.LogP()}, nil
}

// depth is the number of rescales the exact-membership circuit performs:
// powers up to x^(L(H-1)), one for the giant-step product, two for the
// anisotropic quartic, one for the random multiplier.
func (l ParamsLiteral) depth() int {
	return ceilLog2(l.Low*(l.High-1)) + 1 + 2 + 1
}

func ceilLog2(x int) int {
	d := 0
	for 1<<d < x {
		d++
	}
	return d
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

// Name returns the preset name.
func (p Params) Name() string { return p.lit.Name }

// LogN returns log2 of the ring degree.
func (p Params) LogN() int { return p.lit.LogN }

// N returns the ring degree.
func (p Params) N() int { return 1 << p.lit.LogN }

// Slots returns the number of plaintext slots (N with full batching).
func (p Params) Slots() int { return p.bgv.MaxSlots() }

// T returns the plaintext modulus.
func (p Params) T() uint64 { return p.lit.T }

// MaxLevel returns the top ciphertext level (number of Q primes minus one).
func (p Params) MaxLevel() int { return p.bgv.MaxLevel() }

// Depth returns the multiplicative depth (rescales) of the exact circuit.
func (p Params) Depth() int { return p.lit.depth() }

// Moduli returns copies of the Q and P prime chains.
func (p Params) Moduli() (q, pp []uint64) {
	return append([]uint64(nil), p.bgv.Q()...), append([]uint64(nil), p.bgv.P()...)
}

// LogQP returns log2 of the full modulus Q*P.
func (p Params) LogQP() float64 { return p.logQ + p.logP }

// Insecure reports whether the preset is below 128-bit security.
func (p Params) Insecure() bool { return p.lit.Insecure }

// SecurityBits returns 128 for presets within the HE standard's bound for
// their ring degree and 0 for insecure test presets.
func (p Params) SecurityBits() int {
	if p.LogQP() <= maxLogQP[p.lit.LogN] && !p.lit.Insecure {
		return 128
	}
	return 0
}

// Literal returns the literal the parameters were built from.
func (p Params) Literal() ParamsLiteral {
	l := p.lit
	l.LogQ = append([]int(nil), l.LogQ...)
	l.LogP = append([]int(nil), l.LogP...)
	return l
}

// String summarises the parameters.
func (p Params) String() string {
	q, pp := p.Moduli()
	return fmt.Sprintf("%s: LogN=%d t=%d |Q|=%d primes (%.1f bits) |P|=%d (%.1f bits) logQP=%.1f security=%d PS L=%d H=%d depth=%d slots=%d",
		p.lit.Name, p.lit.LogN, p.lit.T, len(q), p.logQ, len(pp), p.logP, p.LogQP(), p.SecurityBits(), p.lit.Low, p.lit.High, p.Depth(), p.Slots())
}

func (p Params) equal(o Params) bool {
	return p.bgv.Equal(&o.bgv) && p.lit.Low == o.lit.Low && p.lit.High == o.lit.High
}

// paramsID is a short fingerprint of the parameters written into every wire
// object so that objects made under other parameters are refused early.
func (p Params) paramsID() uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) {
		for i := 0; i < 8; i++ {
			h ^= v & 0xff
			h *= 1099511628211
			v >>= 8
		}
	}
	mix(uint64(p.lit.LogN))
	mix(p.lit.T)
	mix(uint64(p.lit.Low))
	mix(uint64(p.lit.High))
	for _, q := range p.bgv.Q() {
		mix(q)
	}
	for _, q := range p.bgv.P() {
		mix(q)
	}
	return h
}

func (p Params) rlwe() rlwe.Parameters { return *p.bgv.GetRLWEParameters() }

var _ = math.Log2
