// Package hamminglsh is the engine of privmatch's sublinear private
// similarity protocol "he-hamming-lsh": the server's homomorphic work per
// query does not grow with the database, at the price of recall and of
// some bits of the query hash that the server sees.
//
// Start here: [NewParameters] checks a [Literal] (a bucket layout over an
// he/hamming preset); [NewServer] indexes the database once;
// [NewClient] makes a client for the key bits the server names
// ([Server.KeyBits]); [Client.Query] sends the query's bucket keys and an
// he/hamming query; [Server.Answer] gathers the candidates from the
// buckets and runs he/hamming's single-group diagonal circuit (preset
// hamming.H14D) on them alone; [Client.Finish] and [Server.Verdict] end as
// in he/hamming. [Parameters.Collide] is the
// bucket rule in the clear, used by the tests and by the recall
// measurement in package bench.
//
// # Design (numbers for 256-bit PDQ at T = 31)
//
// he/hamming touches every database bit with a plaintext product, so its
// server time is linear: one group of N = 2^14 entries is 1/64 of the cost
// at 2^20. This engine keeps the final distance test under HE but runs it
// on one group only: at most C = N/2 = 2^13 candidates per query, chosen
// by locality-sensitive bucketing (bit sampling). For that one group
// he/hamming's expansion of the query (257 key switches) is replaced by
// its diagonal circuit: each candidate in both slot rows (half of its bits
// in each), the query's bits replicated over the columns, the candidates'
// bits on 128 generalised diagonals, 23 rotations (baby-step giant-step
// and a row swap) and a modulus chain of 8 primes instead of 10
// (hamming.H14D; thresholds up to 31). Halving C costs one key bit per
// table (recall) and halves the plaintexts the server encodes per query. Three ways to choose the
// candidates were weighed:
//
//   - Multi-index hashing (pigeonhole): m blocks, one of which agrees
//     exactly when d <= T only if m > T = 31; blocks of 8 bits or fewer
//     hold N/256 entries each, so 32 of them are the whole database.
//     Exact recall, no sublinearity.
//   - Oblivious bucket retrieval (PIR under BGV): the server learns no
//     bucket id, but PIR work is linear in the table bytes (L tables of
//     the whole database, 32 MB each at 2^20), so 1 s at 2^20 is out of
//     reach on one core.
//   - Revealed bucket keys (this engine, like Apple's sharding): the
//     client sends, for each of L tables, the values of k sampled bits of
//     its hash; the server takes those buckets' entries as candidates.
//     Work is truly sublinear; the price is that the server sees sampled
//     bits of the hash.
//
// To bound that price every table samples its k bits from one public pool
// of P bit positions, so whatever the tables, the server learns at most
// the P pool bits of the query (P = 64 in [P64], 256 - 64 bits stay
// hidden); L = 64 tables of k bits each, k = ceil(log2(2 L n / C)) for n
// entries (14 at 2^20, 16 at 2^22, 18 at 2^24), so the expected candidate
// count of a uniform list is C/2 and a table's bucket is cut at C/L
// entries; a clustered list (real images) gets more key bits until the
// cut drops at most 1% of the bucket entries ([NewServer]). Entries whose
// pool bits already differ from the revealed ones in more than T cannot
// match and are left out before the cut. A pair at
// distance d collides in a table iff none of the j differing pool bits is
// among the table's k; j is hypergeometric (256, d, P). For independent bit
// flips the miss rate at d = 31 is then about 1.1% at 2^20, 3.5% at 2^22
// and 8% at 2^24 (0.03%, 0.16%, 0.57% at d = 20); real edits flip correlated
// bits, which is why recall is measured on the robustness suite (package
// bench, [Parameters.Collide]) rather than assumed. Up to C entries
// (n <= C) no key is sent at all: every entry is a candidate and the
// answer is exact.
//
// # Message flow
//
//	client                                          server (index of L tables)
//	  |  Setup: he/hamming keys (H14D: relin. and      |
//	  |         17 rotation keys), once  ------------>|  ParseKeys
//	  |  Query(x): L keys of k bits (pool bits of x)  |
//	  |            + Enc(x's bits replicated over the  |
//	  |            columns), Enc(R)  ----------------->|  candidates: L buckets,
//	  |                                                |  at most C/L each, <= C
//	  |                                                |  d = |y| + sum_r diag_r . rot(x, r),
//	  |                                                |  R * prod_{r<=T}(d - r) + mask
//	  |  <-------------------------- one answer ct     |
//	  |  Finish: reply  ------------------------------>|  Verdict
//
// # Threat model and leakage ledger
//
// As he/hamming (semi-honest server, semi-honest or malicious client,
// network observer), plus what the bucket keys reveal:
//
//   - Server: the L keys, i.e. the values of the query's bits at the
//     union of the tables' positions, at most P bits at public positions
//     (all P with overwhelming probability at L = 64; measured by
//     TestLeakedBits). It can therefore test any hash of its choosing, in
//     the list or not, for agreement on those bits (a false positive rate
//     of about 2^-P for random hashes, more for correlated ones), and it
//     learns the candidate set, so on a match the zero slot names the
//     matched entry. None of this depends on the match bit.
//   - Client: the key bits k, hence the database size within a factor of 2
//     for a uniform list (an upper bound, and how clustered it is, otherwise);
//     nothing from the answer beyond he/hamming's one group.
//   - Network observer: message sizes (fixed by k) and timing.
package hamminglsh

import (
	"fmt"
	"math/bits"

	"github.com/privmatch/privmatch/he/hamming"
)

// Literal is an unchecked layout: an he/hamming preset for the distance
// test (its ring degree N is the candidate capacity C) and the bucketing.
type Literal struct {
	// Name names the layout in setup messages.
	Name string
	// HE is the he/hamming preset; HashBits and Threshold are set there.
	HE hamming.Literal
	// Pool is the number of public bit positions the tables sample from
	// (1..64): the most bits of a query hash the server can learn.
	Pool int
	// Tables is the number of tables L (1..C).
	Tables int
	// Seed fixes the pool and every table's positions (public).
	Seed string
}

// P64 is the default layout: hamming.H14D, the diagonal single-group
// circuit (C = 2^13 candidates, thresholds up to 31), a pool of 64 of the
// 256 bits, 64 tables.
var P64 = Literal{Name: "P64", HE: hamming.H14D, Pool: 64, Tables: 64, Seed: "privmatch he-hamming-lsh P64 v1"}

// MaxKeyBits bounds the key bits per table.
const MaxKeyBits = 40

// Parameters is a checked layout.
type Parameters struct {
	lit  Literal
	he   hamming.Parameters
	pool []int   // the pool's bit positions
	perm [][]int // per table, a permutation of 0..Pool-1 (pool indices)
}

// NewParameters checks a literal and derives the pool and the tables.
func NewParameters(l Literal) (Parameters, error) {
	hp, err := hamming.NewParameters(l.HE)
	if err != nil {
		return Parameters{}, fmt.Errorf("hamminglsh: %w", err)
	}
	if l.Pool < 1 || l.Pool > 64 || l.Pool > l.HE.HashBits {
		return Parameters{}, fmt.Errorf("hamminglsh: layout %s: pool of %d bits outside 1..min(64, %d)", l.Name, l.Pool, l.HE.HashBits)
	}
	if l.Tables < 1 || l.Tables > hp.GroupSize() {
		return Parameters{}, fmt.Errorf("hamminglsh: layout %s: %d tables outside 1..%d", l.Name, l.Tables, hp.GroupSize())
	}
	p := Parameters{lit: l, he: hp}
	p.pool = permutation(l.Seed, 0, l.HE.HashBits)[:l.Pool]
	for t := 0; t < l.Tables; t++ {
		p.perm = append(p.perm, permutation(l.Seed, uint64(t)+1, l.Pool))
	}
	return p, nil
}

// Literal returns the literal the parameters were made from.
func (p Parameters) Literal() Literal { return p.lit }

// HE returns the he/hamming parameters of the distance test.
func (p Parameters) HE() hamming.Parameters { return p.he }

// Capacity is the most candidates a query gets: one he/hamming group.
func (p Parameters) Capacity() int { return p.he.GroupSize() }

// share is the most entries one table's bucket contributes.
func (p Parameters) share() int { return p.Capacity() / p.lit.Tables }

// KeyBits returns k, the key bits per table for a database of n entries:
// 0 (no bucketing, every entry a candidate) up to the capacity, otherwise
// the least k with 2 L n <= C 2^k, so the expected candidates of a
// uniform list are at most C/2 (NewServer may add bits for a clustered
// one). It fails when k would exceed the pool or MaxKeyBits.
func (p Parameters) KeyBits(n int) (int, error) {
	C := p.Capacity()
	if n <= C {
		return 0, nil
	}
	need := uint64(2*p.lit.Tables) * uint64(n)
	k := bits.Len64((need - 1) / uint64(C))
	if k > min(p.lit.Pool, MaxKeyBits) {
		return 0, fmt.Errorf("hamminglsh: %d entries need %d key bits, the pool has %d", n, k, min(p.lit.Pool, MaxKeyBits))
	}
	return k, nil
}

// CheckKeyBits rejects a key-bit count k the layout cannot use.
func (p Parameters) CheckKeyBits(k int) error {
	if k < 0 || k > min(p.lit.Pool, MaxKeyBits) {
		return fmt.Errorf("hamminglsh: %d key bits outside 0..%d", k, min(p.lit.Pool, MaxKeyBits))
	}
	return nil
}
