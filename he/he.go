// Package he is privmatch's homomorphic-encryption toolkit (RLWE over
// Lattigo v5) and the home of its engines:
//
//   - [github.com/privmatch/privmatch/he/exact]: private exact membership
//     of a 256-bit hash in a database ("he-exact", BGV);
//   - [github.com/privmatch/privmatch/he/hamming]: private membership within
//     a Hamming distance ("he-hamming", BGV);
//   - [github.com/privmatch/privmatch/he/hamminglsh]: the same test on one
//     group of candidates from bit-sampling buckets ("he-hamming-lsh");
//   - [github.com/privmatch/privmatch/he/imagehash]: the linear stage of a
//     perceptual hash evaluated on an encrypted image (CKKS);
//   - [github.com/privmatch/privmatch/he/hashmatch]: the whole phash8 and
//     its match against a list on an encrypted image ("he-hash-match",
//     CKKS with bootstrapping).
//
// # Start here
//
// Every engine describes its parameters with a literal that embeds this
// package's [Literal] and checks it with its NewParameters, which calls
// [NewParameters] here: one security table (the HE standard's 128-bit
// bounds on log2(QP) for ternary secrets), one [ErrInsecure] that
// errors.Is recognises whatever engine refused, and one way to accept an
// insecure test preset: the test door of package he/hetest, which no
// production code opens.
//
// Below the public surface (in he/internal/core, so that no Lattigo type
// reaches an exported API) the engines share one wire header and
// parameter fingerprint, one limb packer, one codec for rounded level-0
// ciphertexts, one codec for seeded evaluation keys (a 32-byte seed
// replaces each key's uniform half, redrawn by replaying Lattigo's key
// generator) and one panic-to-error boundary around Lattigo calls.
package he

import "github.com/privmatch/privmatch/he/internal/core"

// Literal is an unchecked description of an RLWE parameter set: its name,
// ring degree 2^LogN, the bit sizes of the ciphertext primes (LogQ) and
// key-switching primes (LogP), and either a BGV plaintext modulus T or a
// CKKS scale 2^LogScale. Insecure marks a test preset.
type Literal = core.Literal

// Parameters is a checked parameter set: immutable, safe for concurrent
// use, and free of Lattigo types. Its methods: Name, LogN, N, T, MaxLevel,
// Moduli, LogQP, SecurityBits, Insecure, ID (the wire fingerprint), Equal,
// Literal and String. The engines' parameter types embed it.
type Parameters = core.Params

// ErrInsecure is returned when a literal exceeds the 128-bit bound for its
// ring degree, or is marked insecure while the test door is shut.
var ErrInsecure = core.ErrInsecure

// NewParameters checks the literal (ring degree 2^10..2^15, prime sizes,
// the 128-bit bound, the plaintext modulus or scale) and builds the
// parameters.
func NewParameters(l Literal) (Parameters, error) { return core.NewParams(l) }

// MaxLogQP returns the HE standard's 128-bit bound on log2(QP) for a
// ternary secret at ring degree 2^logN, and whether the table holds logN.
func MaxLogQP(logN int) (float64, bool) { return core.MaxLogQP(logN) }
