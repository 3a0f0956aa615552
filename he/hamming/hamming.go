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
// size known in advance ([Params.Sizes]). [Match] is the same answer in the
// clear, used by the tests as the reference.
//
// The design, its parameters, failure probabilities, threat model, leakage
// ledger and message flow are in doc.go.
package hamming

import (
	"errors"
	"fmt"

	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// PlaintextModulus is the BGV plaintext modulus t (prime, 1 mod 2^16), so that
// every ring degree up to 2^15 has full batching.
const PlaintextModulus = 65537

// maxLogQP is the HE-standard bound on log2(QP) for 128-bit classical
// security with a ternary secret.
var maxLogQP = map[int]int{13: 218, 14: 438, 15: 881}

// ErrInsecure is returned for parameters above the 128-bit bound when
// Literal.Insecure is not set.
var ErrInsecure = errors.New("hamming: parameters below 128-bit security")

// Literal describes a parameter set. Presets are [PN14] and [PN12Insecure].
type Literal struct {
	// Name identifies the preset in reports and messages.
	Name string
	// LogN is log2 of the ring degree N; one ciphertext holds N database entries.
	LogN int
	// LogQ lists the bit sizes of the ciphertext primes, lowest level first.
	LogQ []int
	// LogP lists the bit sizes of the key-switching primes.
	LogP []int
	// HashBits is the hash length in bits, 64..256.
	HashBits int
	// Threshold is the largest Hamming distance that counts as a match.
	Threshold int
	// Insecure accepts parameters above the 128-bit bound (tests only). It
	// must never be set outside tests and benchmarks of small sizes.
	Insecure bool
}

// PN14 is the 128-bit preset for 256-bit hashes at threshold 31: N = 2^14,
// Q = 55 + 8 x 33 + 52 bits, P = 2 x 33 bits, log2(QP) = 437. The top prime
// is wide because the distance stage (expansion noise times 257 plaintexts
// with coefficients up to t/2) leaves noise that one 34-bit rescale does not
// bring back to the floor (measured: h^16 wrong with a 34-bit top prime). The 55-bit q0 leaves room
// for flooding the answer's noise..
var PN14 = Literal{Name: "PN14", LogN: 14, LogQ: moduli(), LogP: []int{33, 33}, HashBits: 256, Threshold: 31}

// PN12Insecure has the same moduli as PN14 at N = 2^12. It is far below
// 128-bit security and exists only so tests run in seconds.
var PN12Insecure = Literal{Name: "PN12Insecure", LogN: 12, LogQ: moduli(), LogP: []int{33, 33}, HashBits: 256, Threshold: 31, Insecure: true}

func moduli() []int { return append(append([]int{55}, rep(33, 8)...), 52) }

func rep(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// Params is a checked parameter set.
type Params struct {
	lit  Literal
	bgv  bgv.Parameters
	logQ int
	logP int
}

// NewParams checks a literal: hash length, threshold, the 128-bit bound.
func NewParams(l Literal) (Params, error) {
	if l.HashBits < 64 || l.HashBits > 256 {
		return Params{}, fmt.Errorf("hamming: params %s: hash length %d outside 64..256", l.Name, l.HashBits)
	}
	if l.Threshold < 0 || l.Threshold >= l.HashBits {
		return Params{}, fmt.Errorf("hamming: params %s: threshold %d outside 0..%d", l.Name, l.Threshold, l.HashBits-1)
	}
	if l.LogN < 10 || l.LogN > 15 {
		return Params{}, fmt.Errorf("hamming: params %s: LogN=%d outside 10..15", l.Name, l.LogN)
	}
	if len(l.LogQ) < 3 || len(l.LogP) < 1 {
		return Params{}, fmt.Errorf("hamming: params %s: need at least 3 Q primes and 1 P prime", l.Name)
	}
	var lq, lp int
	for _, b := range l.LogQ {
		lq += b
	}
	for _, b := range l.LogP {
		lp += b
	}
	if bound, ok := maxLogQP[l.LogN]; (!ok || lq+lp > bound) && !l.Insecure {
		return Params{}, fmt.Errorf("hamming: params %s: log2(QP)=%d above the bound for LogN=%d: %w", l.Name, lq+lp, l.LogN, ErrInsecure)
	}
	bp, err := bgv.NewParametersFromLiteral(bgv.ParametersLiteral{LogN: l.LogN, LogQ: l.LogQ, LogP: l.LogP, PlaintextModulus: PlaintextModulus})
	if err != nil {
		return Params{}, fmt.Errorf("hamming: params %s: %w", l.Name, err)
	}
	if n := 1 << l.LogN; n < 2*l.HashBits+4 {
		return Params{}, fmt.Errorf("hamming: params %s: N=%d too small for %d-bit hashes", l.Name, n, l.HashBits)
	}
	return Params{lit: l, bgv: bp, logQ: lq, logP: lp}, nil
}

// Literal returns the literal the parameters were made from.
func (p Params) Literal() Literal { return p.lit }

// N returns the ring degree, the number of database entries per ciphertext.
func (p Params) N() int { return 1 << p.lit.LogN }

// LogQP returns log2 of the full modulus, compared with the 128-bit bound.
func (p Params) LogQP() int { return p.logQ + p.logP }

// Insecure reports whether the parameters are above the 128-bit bound.
func (p Params) Insecure() bool {
	b, ok := maxLogQP[p.lit.LogN]
	return !ok || p.LogQP() > b
}

// half returns k = floor(T/2) and e = 1 - T mod 2: with h = floor((d+e)/2),
// d <= T iff h <= k.
func (p Params) half() (k, e int) { return p.lit.Threshold / 2, 1 - p.lit.Threshold%2 }

// expandLog returns the number of expansion levels: 2^l >= HashBits + 2.
func (p Params) expandLog() int {
	l := 0
	for 1<<l < p.lit.HashBits+2 {
		l++
	}
	return l
}
