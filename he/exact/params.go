package exact

import (
	"fmt"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Literal is an unchecked he-exact parameter set: a BGV literal (he.Literal,
// with T the plaintext modulus) plus the shape of the exact-membership
// circuit that runs on it. Check it with [NewParameters], which refuses
// insecure or inconsistent choices.
type Literal struct {
	he.Literal
	// Low is the Paterson-Stockmeyer baby-step count L (a power of two).
	Low int
	// High is the Paterson-Stockmeyer giant-step count H; one bin
	// polynomial has L*H coefficients, so it holds L*H-1 items.
	High int
	// Binned selects the binned circuit instead (binned.go: a one-hot bin
	// selector expanded by the server, one product per bin, the quartic
	// fold); Low and High must then be zero.
	Binned bool
}

// Parameters is a checked he-exact parameter set. It is immutable and safe
// for concurrent use.
type Parameters struct {
	he.Parameters
	lit Literal
	bgv bgv.Parameters
	id  uint64
}

// Presets. PN14 is the production set; PN12Test is insecure and for tests.
var (
	// PN14 is the 128-bit preset for databases of about 2^20 entries and
	// more: N=2^14 (4096 bins of 4 slots, about 268k entries per partition,
	// see Capacity), t=65537,
	// Q = 36 + 3 x 34 + 52 + 6 x 34 bits, P = 40 bits, log2(QP) = 434 <= 438.
	// The 52-bit prime q4 absorbs the Paterson-Stockmeyer step, where a
	// plaintext and a ciphertext product meet before one rescale.
	PN14 = Literal{Literal: he.Literal{Name: "PN14", LogN: 14, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34, 34, 34}, LogP: []int{40}, T: 65537}, Low: 8, High: 9}
	// PN14M runs a shallower circuit (L=4, H=5: 19 entries per cell) for
	// databases up to about 2^18 entries: Q = 36 + 3 x 34 + 52 + 4 x 34,
	// log2(QP) = 366.
	PN14M = Literal{Literal: he.Literal{Name: "PN14M", LogN: 14, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34}, LogP: []int{40}, T: 65537}, Low: 4, High: 5}
	// PN14S runs the shallowest circuit (L=2, H=3: 5 entries per cell) for
	// databases up to about 2^16 entries: Q = 36 + 3 x 34 + 52 + 2 x 34,
	// log2(QP) = 298.
	PN14S = Literal{Literal: he.Literal{Name: "PN14S", LogN: 14, LogQ: []int{36, 34, 34, 34, 52, 34, 34}, LogP: []int{40}, T: 65537}, Low: 2, High: 3}
	// PN12Test is a small INSECURE preset (log2(QP) far above 109 for
	// N=2^12) that runs the same circuit quickly in tests; it is accepted
	// only after he/hetest's AllowInsecure.
	PN12Test = Literal{Literal: he.Literal{Name: "PN12Test", LogN: 12, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34}, LogP: []int{40}, T: 65537, Insecure: true}, Low: 4, High: 4}
)

// Presets lists every named preset.
func Presets() []Literal { return []Literal{PN14S, PN14M, PN14, PN12Test, PN13B, PN12BTest} }

// PresetFor returns the cheapest secure preset whose exact-membership
// capacity holds n entries within four partitions (one answer ciphertext):
// PN14S up to about 75k entries, PN14M up to about 286k, PN14 up to about
// 1.07M. Larger databases get PN14 with as many partitions as they need
// (ceil(partitions/4) answer ciphertexts), up to [MaxPartitions]:
// about 17.1M entries.
func PresetFor(n int) (Literal, error) {
	for _, l := range []Literal{PN14S, PN14M, PN14} {
		p, err := NewParameters(l)
		if err != nil {
			return Literal{}, err
		}
		if n <= Capacity(p, feltsPerItem) {
			return l, nil
		}
	}
	p, err := NewParameters(PN14)
	if err != nil {
		return Literal{}, err
	}
	if n <= Capacity(p, MaxPartitions) {
		return PN14, nil
	}
	return Literal{}, fmt.Errorf("he: no preset holds %d entries: %w", n, ErrTooLarge)
}

// PresetByName returns the preset literal with the given name.
func PresetByName(name string) (Literal, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return Literal{}, fmt.Errorf("he: unknown preset %q", name)
}

// NewParameters checks the literal (the toolkit's checks, then the
// circuit's) and builds the parameters.
func NewParameters(l Literal) (Parameters, error) {
	hp, err := he.NewParameters(l.Literal)
	if err != nil {
		return Parameters{}, err
	}
	if l.T == 0 {
		return Parameters{}, fmt.Errorf("he: params %s: he-exact runs on BGV: T must be set", l.Name)
	}
	if l.T <= 1<<16 && l.T != 65537 {
		// Felts are 16-bit values; they must be distinct residues.
		return Parameters{}, fmt.Errorf("he: params %s: t=%d must exceed 2^16", l.Name, l.T)
	}
	if l.Binned {
		return newBinnedParameters(hp, l)
	}
	if l.Low < 2 || l.Low&(l.Low-1) != 0 || l.High < 2 || l.Low*l.High > 1<<12 {
		return Parameters{}, fmt.Errorf("he: params %s: Low=%d must be a power of two >= 2, High=%d >= 2, Low*High <= 4096", l.Name, l.Low, l.High)
	}
	if need := l.depth(); need != len(l.LogQ)-1 {
		return Parameters{}, fmt.Errorf("he: params %s: circuit needs exactly %d levels, chain has %d", l.Name, need, len(l.LogQ)-1)
	}
	if l.LogQ[4] < 48 {
		return Parameters{}, fmt.Errorf("he: params %s: q4 (the Paterson-Stockmeyer rescale) has %d bits, need >= 48", l.Name, l.LogQ[4])
	}
	l.Literal = hp.Literal()
	return Parameters{Parameters: hp, lit: l, bgv: core.BGV(hp), id: core.Mix(hp.ID(), uint64(l.Low), uint64(l.High))}, nil
}

// depth is the number of rescales the exact-membership circuit performs:
// powers up to x^(L(H-1)), one for the giant-step product, two for the
// anisotropic quartic, one for the random multiplier.
func (l Literal) depth() int {
	if l.Binned {
		return binnedDepth
	}
	return core.CeilLog2(l.Low*(l.High-1)) + 1 + 2 + 1
}

// Slots returns the number of plaintext slots (N with full batching).
func (p Parameters) Slots() int { return p.bgv.MaxSlots() }

// Depth returns the multiplicative depth (rescales) of the exact circuit.
func (p Parameters) Depth() int { return p.lit.depth() }

// Literal returns the literal the parameters were built from.
func (p Parameters) Literal() Literal {
	l := p.lit
	l.Literal = p.Parameters.Literal()
	return l
}

// String summarises the parameters.
func (p Parameters) String() string {
	if p.lit.Binned {
		return fmt.Sprintf("%s binned depth=%d slots=%d", p.Parameters.String(), p.Depth(), p.Slots())
	}
	return fmt.Sprintf("%s PS L=%d H=%d depth=%d slots=%d", p.Parameters.String(), p.lit.Low, p.lit.High, p.Depth(), p.Slots())
}

func (p Parameters) equal(o Parameters) bool { return p.id == o.id }
