// Package hamming is the cryptographic engine of privmatch's private
// similarity-membership protocol "he-hamming": the server learns whether a
// client's perceptual hash lies within Hamming distance T of any database hash;
// the client learns nothing about the database, not even the answer.
//
// Start here: [NewServer] pre-processes the database once; [NewClient] makes a
// client whose [Client.Setup] returns one-time key material; [Client.Query]
// returns a query message and a secret state; [Server.Answer] returns an answer
// message and the server's verdict state; [Client.Finish] returns a reply;
// [Server.Verdict] returns the match result. Every message is a byte slice of a
// size known in advance ([Parameters.Sizes]). [Match] is the same answer in the
// clear, used by the tests as the reference.
//
// The design, its parameters, failure probabilities, threat model, leakage
// ledger and message flow are in doc.go.
package hamming

import (
	"fmt"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// PlaintextModulus is the BGV plaintext modulus t (prime, 1 mod 2^16), so that
// every ring degree up to 2^15 has full batching.
const PlaintextModulus = 65537

// Literal is an unchecked he-hamming parameter set: a BGV literal (T must
// be [PlaintextModulus]) plus the hash length and the threshold. Presets
// are [H14] and [H12Insecure].
type Literal struct {
	he.Literal
	// HashBits is the hash length in bits, 64..256.
	HashBits int
	// Threshold is the largest Hamming distance that counts as a match.
	Threshold int
	// Diagonal selects the single-group circuit (diagonal.go): the query
	// hash replicated over the slot columns, each entry in both slot rows,
	// the distance a baby-step giant-step matrix-vector product with
	// rotation keys instead of the oblivious expansion. It holds at most
	// N/2 entries; HashBits must be a power of two and the threshold's
	// depth must fit the chain.
	Diagonal bool
}

// H14 is the 128-bit preset for 256-bit hashes at threshold 31: N = 2^14,
// Q = 55 + 8 x 33 + 52 bits, P = 2 x 33 bits, log2(QP) = 437. The top prime
// is wide because the distance stage (expansion noise times 257 plaintexts
// with coefficients up to t/2) leaves noise that one 34-bit rescale does not
// bring back to the floor (a 34-bit top prime gave wrong h^16). The 55-bit
// q0 leaves room for flooding the answer's noise.
var H14 = Literal{Literal: he.Literal{Name: "H14", LogN: 14, LogQ: moduli(), LogP: []int{33, 33}, T: PlaintextModulus}, HashBits: 256, Threshold: 31}

// H12Insecure has the same moduli as H14 at N = 2^12. It is far below
// 128-bit security and exists only so tests run in seconds: it is accepted
// only after he/hetest's AllowInsecure.
var H12Insecure = Literal{Literal: he.Literal{Name: "H12Insecure", LogN: 12, LogQ: moduli(), LogP: []int{33, 33}, T: PlaintextModulus, Insecure: true}, HashBits: 256, Threshold: 31}

// H14D is the 128-bit preset of the single-group diagonal circuit for
// 256-bit hashes at threshold 31 (at most 2^13 entries): N = 2^14,
// Q = 55 + 6 x 33 + 52 bits, P = 2 x 33 bits, log2(QP) = 371. Its seven
// rescales are the distance, u, the quadratics, the three products of the
// threshold's tree and the randomiser, so thresholds above 31 are refused.
var H14D = Literal{Literal: he.Literal{Name: "H14D", LogN: 14, LogQ: diagModuli(), LogP: []int{33, 33, 33, 33}, T: PlaintextModulus}, HashBits: 256, Threshold: 31, Diagonal: true}

// H12DInsecure is H14D at N = 2^12: TESTS ONLY, accepted only after
// he/hetest's AllowInsecure.
var H12DInsecure = Literal{Literal: he.Literal{Name: "H12DInsecure", LogN: 12, LogQ: diagModuli(), LogP: []int{33, 33, 33, 33}, T: PlaintextModulus, Insecure: true}, HashBits: 256, Threshold: 31, Diagonal: true}

func diagModuli() []int { return []int{55, 33, 33, 33, 33, 33, 33, 52} }

func moduli() []int { return []int{55, 33, 33, 33, 33, 33, 33, 33, 33, 52} }

// Parameters is a checked he-hamming parameter set.
type Parameters struct {
	he.Parameters
	lit Literal
	bgv bgv.Parameters
	id  uint64
}

// NewParameters checks a literal (the toolkit's checks, then hash length,
// threshold and ring size) and builds the parameters.
func NewParameters(l Literal) (Parameters, error) {
	if l.HashBits < 64 || l.HashBits > 256 {
		return Parameters{}, fmt.Errorf("hamming: params %s: hash length %d outside 64..256", l.Name, l.HashBits)
	}
	if l.Threshold < 0 || l.Threshold >= l.HashBits {
		return Parameters{}, fmt.Errorf("hamming: params %s: threshold %d outside 0..%d", l.Name, l.Threshold, l.HashBits-1)
	}
	if l.T != PlaintextModulus {
		return Parameters{}, fmt.Errorf("hamming: params %s: plaintext modulus %d, want %d", l.Name, l.T, PlaintextModulus)
	}
	if len(l.LogQ) < 3 {
		return Parameters{}, fmt.Errorf("hamming: params %s: need at least 3 Q primes", l.Name)
	}
	if l.LogN < 10 || l.LogN > 15 {
		return Parameters{}, fmt.Errorf("hamming: params %s: LogN=%d outside 10..15", l.Name, l.LogN)
	}
	if n := 1 << l.LogN; n < 2*l.HashBits+4 {
		return Parameters{}, fmt.Errorf("hamming: params %s: N=%d too small for %d-bit hashes", l.Name, n, l.HashBits)
	}
	hp, err := he.NewParameters(l.Literal)
	if err != nil {
		return Parameters{}, fmt.Errorf("hamming: %w", err)
	}
	l.Literal = hp.Literal()
	id := core.Mix(hp.ID(), uint64(l.HashBits), uint64(l.Threshold))
	if l.Diagonal {
		id = core.Mix(id, 'D')
	}
	p := Parameters{Parameters: hp, lit: l, bgv: core.BGV(hp), id: id}
	if l.Diagonal {
		if err := p.checkDiagonal(); err != nil {
			return Parameters{}, fmt.Errorf("hamming: params %s: %w", l.Name, err)
		}
	}
	return p, nil
}

// Literal returns the literal the parameters were made from.
func (p Parameters) Literal() Literal { l := p.lit; l.Literal = p.Parameters.Literal(); return l }

// half returns k = floor(T/2) and e = 1 - T mod 2: with h = floor((d+e)/2),
// d <= T iff h <= k.
func (p Parameters) half() (k, e int) { return p.lit.Threshold / 2, 1 - p.lit.Threshold%2 }

// thresholdK returns the k of the threshold polynomial prod_{r<=k}(v - r):
// floor(T/2) on h (the expansion circuit's parity trick), T on the
// distance itself in the diagonal circuit, whose query carries no weight.
func (p Parameters) thresholdK() int {
	if p.lit.Diagonal {
		return p.lit.Threshold
	}
	k, _ := p.half()
	return k
}

// expandLog returns the number of expansion levels: 2^l >= HashBits + 2.
func (p Parameters) expandLog() int {
	l := 0
	for 1<<l < p.lit.HashBits+2 {
		l++
	}
	return l
}
