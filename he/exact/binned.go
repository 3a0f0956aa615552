package exact

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/internal/core"
)

// The binned circuit (Literal.Binned) answers the same question as the
// Paterson-Stockmeyer circuit with a shallower, cheaper one. Each entry h
// gets a public bin, [BinOf](h, B), and the server lays its list out as
// B plaintexts of Slots/4 positions, four felts per position, each entry
// at a free position of its bin. The query is ONE coefficient-encoded
// ciphertext: coefficient i < B is [i == bin], coefficients B..B+3 are the
// four felts of h. The server expands it obliviously into encryptions of
// the constants, its lower levels folded into the plaintexts
// (core.Folded), computes
//
//	D = sum_i Enc(s_i) * P_i - sum_k Enc(y_k) * M_k + (1 - sum_i Enc(s_i)) * R
//
// (P_i the bin plaintexts, M_k selecting felt k of every position, 2^-l
// folded into both, R fresh uniform felts per query: it vanishes for a
// one-hot selector and keeps a selector whose weights do not sum to one,
// such as the all-zero query, from forcing a match), rescales, and folds the four differences of each
// position with the anisotropic quartic: u = d0^2 - 3d1^2 and
// w = d2^2 - 3d3^2 after one squaring and a rotation, then
// r*E = (r*u)*u - 3*(r*w)*w in one more product, the plaintext r (zero at
// empty positions, which are the traps) multiplied into one factor before
// the product, so no level is spent on it. The check copy a*r*E is made
// the same way and moved into the odd slots by one rotation, so the
// values and their check copies travel in one level-0 ciphertext.
// Verdict and its bounds are the Paterson-Stockmeyer circuit's
// ([ForgeryBound]); the false-match bound is [BinnedFalseMatch].

// binnedDepth is the binned circuit's rescales: after the bin products,
// after the squaring, after the keyed product.
const binnedDepth = 3

// Binned presets.
var (
	// PN13B is the 128-bit binned preset: N=2^13 (2048 positions per bin),
	// t=65537, Q = 36 + 52 + 34 + 40 bits, P = 52 bits,
	// log2(QP) = 214 <= 218. q3 absorbs the bin products, q2 the squaring,
	// q1 the keyed product (a plaintext and two ciphertexts).
	PN13B = Literal{Literal: he.Literal{Name: "PN13B", LogN: 13, LogQ: []int{36, 52, 34, 40}, LogP: []int{52}, T: 65537}, Binned: true}
	// PN12BTest is an INSECURE binned preset (N=2^12) for fast tests; it
	// is accepted only after he/hetest's AllowInsecure.
	PN12BTest = Literal{Literal: he.Literal{Name: "PN12BTest", LogN: 12, LogQ: []int{36, 52, 34, 40}, LogP: []int{52}, T: 65537, Insecure: true}, Binned: true}
)

// newBinnedParameters checks the binned circuit's shape on checked
// toolkit parameters.
func newBinnedParameters(hp he.Parameters, l Literal) (Parameters, error) {
	if l.Low != 0 || l.High != 0 {
		return Parameters{}, fmt.Errorf("he: params %s: the binned circuit takes no Low/High", l.Name)
	}
	if len(l.LogQ) != binnedDepth+1 {
		return Parameters{}, fmt.Errorf("he: params %s: binned circuit needs exactly %d levels, chain has %d", l.Name, binnedDepth, len(l.LogQ)-1)
	}
	if l.T != 65537 {
		return Parameters{}, fmt.Errorf("he: params %s: the binned circuit runs at t=65537 (3 a non-residue)", l.Name)
	}
	l.Literal = hp.Literal()
	return Parameters{Parameters: hp, lit: l, bgv: core.BGV(hp), id: core.Mix(hp.ID(), 0, 0, 1)}, nil
}

// BinSize returns the positions of one bin: Slots/4.
func BinSize(p Parameters) int { return p.Slots() / feltsPerItem }

// binTraps is the number of trap positions (the same in every bin).
func binTraps(p Parameters) int { return trapCount(BinSize(p)) }

// binCapacity is the number of entries one bin holds: its positions less
// the traps.
func binCapacity(p Parameters) int { return BinSize(p) - binTraps(p) }

// MaxBins returns the most bins a binned query can select: its
// coefficients hold the B selector bits and the four felts.
func MaxBins(p Parameters) int { return p.N() - feltsPerItem }

// overflowLog2 bounds log2 of the probability that some bin overflows: a
// union bound over B bins of the Chernoff bound
// P[X >= C+1] <= e^-mu (e*mu/(C+1))^(C+1), X ~ Binomial(n, 1/B), mu = n/B.
func overflowLog2(n, bins, capacity int) float64 {
	mu := float64(n) / float64(bins)
	k := float64(capacity + 1)
	if mu >= k {
		return 0
	}
	lnP := -mu + k*(1+math.Log(mu)-math.Log(k))
	return math.Min(0, (lnP+math.Log(float64(bins)))/math.Ln2)
}

// OverflowLog2 is the bound (log2 of the probability) that a list of n
// pseudorandom entries overflows some bin of BinsFor(p, n).
const OverflowLog2 = -40

// BinsFor returns the number of bins a server loading n entries uses: the
// fewest whose overflow bound ([OverflowLog2]) holds. Bins are public, so
// the client learns n to within about a bin's capacity.
func BinsFor(p Parameters, n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("he: %d entries", n)
	}
	c := binCapacity(p)
	for b := max(1, (n+c-1)/c); b <= MaxBins(p); b++ {
		if overflowLog2(n, b, c) <= OverflowLog2 {
			return b, nil
		}
	}
	return 0, fmt.Errorf("he: %d entries need more than %d bins under %s: %w", n, MaxBins(p), p.Name(), ErrTooLarge)
}

// BinOf returns the public bin of h among bins: SHA-256 of h under its own
// domain separator, reduced mod bins (the bias is below bins*2^-64).
func BinOf(h [32]byte, bins int) int {
	d := sha256.Sum256(append([]byte("privmatch/he-exact/v1/bin"), h[:]...))
	return int(binary.LittleEndian.Uint64(d[:8]) % uint64(bins))
}

// BinnedFalseMatch bounds the probability that a non-member query matches:
// a position matches only when all four felts equal those it holds (its
// entry's, or uniform felts drawn at load where it is empty; r is nonzero
// there), so over the positions of the selected bin it is at most
// BinSize * 2^-64 for a client that does not know the server's felts;
// trap positions (r = 0) never count as matches.
func BinnedFalseMatch(p Parameters) float64 { return float64(BinSize(p)) * math.Exp2(-64) }

// binnedExpandLog is the number of expansion levels for bins bins.
func binnedExpandLog(bins int) int { return core.ExpandLog(bins + feltsPerItem) }

// checkSlot returns the slot of position e's check copy in a binned
// answer: the check ciphertext is rotated left by one, so the copy made
// at slot 4e lands at slot 4e-1 of the same row (wrapping in the row).
func checkSlot(p Parameters, e int) int {
	row := p.Slots() / 2
	src := e * feltsPerItem
	start := src / row * row
	return start + (src-start-1+row)%row
}
