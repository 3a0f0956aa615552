package hashmatch

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/utils/bignum"
)

// This file holds PDQ's hashing stage: 256 coefficients from the 64x64
// luma, all 256 x 256 ordered pairs compared in 16 ciphertexts, and each
// coefficient's rank against PDQ's lower median.
//
// Coefficients: the standardised luma fills the 4096 slots once. One
// linear transformation with 256 diagonals, k = 0..255, holding
// M[s mod 256][(s+k) mod 4096] / bound in slot s, gives in slot s the sum
// of a window of 256 luma values weighted by coefficient s mod 256's row;
// summing the 16 blocks of 256 slots (InnerSum(256, 16), rotations only)
// adds up the 16 windows, which tile the 4096 values, so every slot s
// holds C[s] = c_{s mod 256} / bound. One level, where the separable
// 256 x 4096 map written as generalised diagonals would need all 4096.
// The level is spent (the rescaling) only after the pairs' differences
// below, from pdqScaleGain times the default scale, and the map's
// entries are enlarged by pdqGain: each difference carries one rounding,
// small against the scale it is left at.
//
// Spread: the device multiplies its standardised luma by pdqSpread's
// factor, so that the coefficients span most of the pair bound and near
// ties sit farther apart.
//
// Pairs: ciphertext k (0..15) holds in block a (slots 256a..256a+255)
// the differences C - rot(C, r), r = 16k + a: slot s compares
// coefficient i = s mod 256 with j = (i + r) mod 256, so the 16
// ciphertexts hold every ordered pair once (r = 0, block 0 of k = 0, the
// self pairs, is a constant). The rotations are two steps (16k, then a)
// so that 30 rotation keys serve all 255. Packing block a of one
// difference into ciphertext k needs a mask, which would cost the level
// the first sign stage needs; instead the mask goes into that stage's
// coefficients (a Lattigo polynomial vector that evaluates the stage on
// block a's slots and zero elsewhere), which costs no level: 256
// evaluations of the degree-7 first stage, summed per k.
//
// Rank: the steps, each shaped as step/128 - 128.5/(128*256), summed over
// the 16 ciphertexts and over the 16 blocks give (R_i - 128.5)/128 with
// R_i = 1 + #{j : c_j < c_i}; bit i is set iff #{j : c_j < c_i} >= 128,
// which is PDQ's c_i > lower median (what the reference's Torben method
// returns for 256 values) whenever the coefficients differ. The bits come
// out replicated with period 256.

const (
	pdqCoefs  = 256 // PDQ's 16x16 coefficient block
	pdqBlocks = 16  // blocks of 256 slots in 4096; also ciphertexts of pairs
)

// pdqGain is the factor moved from the device's luma into the coefficient
// map: the device sends its spread luma divided by pdqGain, the map's
// diagonals are multiplied by it. A diagonal's encoding rounds each slot
// by the same absolute amount whatever its size, the map sums 4096 such
// roundings weighted by the luma, and its entries are small (near 2^-12
// before the gain): enlarged, they carry that rounding relatively less.
// The luma's own encryption error grows by the same factor and stays
// below the rescaling's (TestPDQPairNoise measures both).
const pdqGain = 1 << 4

// pdqScaleGain is the ratio of the coefficient map's diagonal scale to
// the prime the pairs' differences are rescaled by: the differences leave
// their one rescaling at pdqScaleGain times the default scale, so that its
// rounding is that much smaller against them. The first sign stage takes
// them at that scale and ends at the scale it is asked for; much larger
// gains overflow the modulus in that stage's powers.
const pdqScaleGain = 1 << 4

// pdqCoefDiagonals returns the 256 diagonals of the windowed map from the
// standardised 64x64 luma (4096 slots, row-major) to partial sums of PDQ's
// coefficients over bound: diagonal k holds pdqGain M[s mod 256][(s+k) mod
// 4096] / bound in slot s, M being PDQ's DCT block (imagehash's reference) and
// bound sqrt(4096) times the largest norm of a difference of two rows, so
// that every pairwise difference lies in [-1, 1] (Cauchy-Schwarz, as for
// phash8; PDQ has no DC row).
func pdqCoefDiagonals() (map[int][]float64, error) {
	b, err := pdqBlockOnce()
	if err != nil {
		return nil, err
	}
	diags := make(map[int][]float64, pdqCoefs)
	for k := 0; k < pdqCoefs; k++ {
		d := make([]float64, nSlots)
		for s := range d {
			d[s] = b.m[s%pdqCoefs][(s+k)%nSlots] / b.bound * pdqGain
		}
		diags[k] = d
	}
	return diags, nil
}

// pdqBlock is PDQ's DCT block as a 256 x 4096 matrix (dct) and its pair
// bound (pairBound).
type pdqBlock struct {
	m     [][]float64
	bound float64
}

// pdqBlockOnce computes pdqBlock once: the server's diagonals and every
// query's spread read it.
var pdqBlockOnce = sync.OnceValues(func() (pdqBlock, error) {
	sh, err := shapeOf(imagehash.AlgPDQ)
	if err != nil {
		return pdqBlock{}, err
	}
	m, err := dct(sh)
	if err != nil {
		return pdqBlock{}, err
	}
	return pdqBlock{m: m, bound: pairBound(m, 0)}, nil
})

// pdqSpreadMax caps pdqSpread: the encrypted luma's values stay below
// 64 x 2^8 at scale 2^31, far inside the modulus.
const pdqSpreadMax = 1 << 8

// pdqSpreadTarget is the share of the pair bound the spread coefficients'
// range takes; the rest is margin for the encryption noise.
const pdqSpreadTarget = 0.9

// pdqSpread returns the factor the device multiplies its standardised
// PDQ luma x by so that its coefficients' range, max c - min c, is
// pdqSpreadTarget of the pair bound (at most pdqSpreadMax, 1 for a
// constant image). The bound is the worst case over all standardised
// luma (Cauchy-Schwarz); a real image's coefficients span a fraction of
// it (README.md has the test images' figures), and spreading them
// widens every gap between two coefficients by that factor, so that
// near ties sit farther from the comparison's resolution. The bits do
// not change (a positive scale), nor does any value the server sees
// (encrypted).
func pdqSpread(x []float64) (float64, error) {
	b, err := pdqBlockOnce()
	if err != nil {
		return 0, err
	}
	c, err := imagehash.PlainCoefficients(imagehash.AlgPDQ, x)
	if err != nil {
		return 0, err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range c {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi <= lo {
		return 1, nil
	}
	return min(pdqSpreadTarget*b.bound/(hi-lo), pdqSpreadMax), nil
}

// pdqStage is what the server evaluates PDQ's pairs with beyond the
// phash8 circuit: signFine's first stage restricted to each block.
type pdqStage struct {
	first [pdqBlocks]hefloat.PolynomialVector
	self  float64 // the first stage at 1/2: the self pairs' constant
}

// newPDQStage builds signFine's first stage as 16 polynomial vectors,
// block a's slots mapped to it and every other slot to nothing (zero).
func newPDQStage() (*pdqStage, error) {
	p1 := hefloat.NewMinimaxCompositePolynomial(signFine[:1])[0]
	st := &pdqStage{self: chebyshev(signFine[0], 0.5)}
	for a := range st.first {
		idx := make([]int, pdqCoefs)
		for i := range idx {
			idx[i] = a*pdqCoefs + i
		}
		pv, err := hefloat.NewPolynomialVector([]bignum.Polynomial{p1}, map[int][]int{0: idx})
		if err != nil {
			return nil, fmt.Errorf("hashmatch: pdq stage: %w", err)
		}
		st.first[a] = pv
	}
	return st, nil
}

// chebyshev evaluates sum_n c_n T_n(x) for x in [-1, 1].
func chebyshev(coeffs []string, x float64) float64 {
	sum := 0.0
	for n, c := range coeffs {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil {
			panic(fmt.Sprintf("hashmatch: generated coefficient %q: %v", c, err))
		}
		sum += v * math.Cos(float64(n)*math.Acos(x))
	}
	return sum
}

// hashPDQ computes Enc(b): PDQ's bit i in every slot s with s mod 256 = i.
func (s *Server) hashPDQ(x *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	c, err := s.pdqCoefficients(x)
	if err != nil {
		return nil, err
	}
	var acc *rlwe.Ciphertext
	for k := 0; k < pdqBlocks; k++ {
		first, err := s.pdqFirstStage(c, k)
		if err != nil {
			return nil, err
		}
		step, err := s.preciseComparator().Evaluate(first, s.fine)
		if err != nil {
			return nil, fmt.Errorf("pairs %d: comparison: %w", k, err)
		}
		if acc == nil {
			acc = step
		} else if err := s.eval.Add(acc, step, acc); err != nil {
			return nil, err
		}
	}
	if err := s.eval.InnerSum(acc, pdqCoefs, pdqBlocks, acc); err != nil {
		return nil, err
	}
	bits, err := s.comparator().Evaluate(acc, s.rank)
	if err != nil {
		return nil, fmt.Errorf("rank threshold: %w", err)
	}
	return bits, nil
}

// pdqCoefficients returns C (C[s] = c_{s mod 256} / bound) at the product
// scale, not rescaled: the map, the block sums, the rotations and the
// differences run before any rescaling, so that each difference carries
// one rescaling's rounding rather than the sum of 16 blocks' and of the
// rotations' after it (TestPDQPairNoise measures it).
func (s *Server) pdqCoefficients(x *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	c := hefloat.NewCiphertext(s.p.residual, 1, x.Level())
	if err := s.ltEval.Evaluate(x, s.pair, c); err != nil {
		return nil, err
	}
	if err := s.eval.InnerSum(c, pdqCoefs, pdqBlocks, c); err != nil {
		return nil, err
	}
	return c, nil
}

// pdqRotations returns rot(C, 16k + a) for a = 0..15, in two steps (16k,
// then a hoisted) so that 30 rotation keys serve all 255.
func (s *Server) pdqRotations(c *rlwe.Ciphertext, k int) (map[int]*rlwe.Ciphertext, error) {
	g := c
	if k > 0 {
		var err error
		if g, err = s.eval.RotateNew(c, pdqBlocks*k); err != nil {
			return nil, err
		}
	}
	baby := make([]int, pdqBlocks-1)
	for a := range baby {
		baby[a] = a + 1
	}
	rots, err := s.eval.RotateHoistedNew(g, baby)
	if err != nil {
		return nil, err
	}
	rots[0] = g
	return rots, nil
}

// pdqDifference returns C - rot, rescaled once (pdqCoefficients).
func (s *Server) pdqDifference(c, rot *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	y, err := s.eval.SubNew(c, rot)
	if err != nil {
		return nil, err
	}
	if err := s.eval.Rescale(y, y); err != nil {
		return nil, err
	}
	return y, nil
}

// pdqFirstStage returns signFine's first stage on ciphertext k of pairs:
// block a holds p_1(C - rot(C, 16k + a)), block 0 of k = 0 the self
// pairs' constant.
func (s *Server) pdqFirstStage(c *rlwe.Ciphertext, k int) (*rlwe.Ciphertext, error) {
	r := s.p.residual
	rots, err := s.pdqRotations(c, k)
	if err != nil {
		return nil, err
	}
	poly := hefloat.NewPolynomialEvaluator(r, s.eval)
	// The 15 or 16 evaluations are summed before their last rescaling:
	// each lands at the default scale times the prime it would be divided
	// by (half that: the composite evaluator's convention, then the
	// conjugate added to clear the imaginary part), so that one rescaling
	// of the sum to the default scale adds one rounding to every slot
	// rather than one per evaluation (TestPDQPairNoise measures it). The
	// sum leaves at level 0, where the first bootstrap takes it.
	outLevel := c.Level() - 1 - s.pdq.first[0].Depth()
	if outLevel < 1 {
		return nil, fmt.Errorf("pairs %d: first sign stage would leave level %d", k, outLevel)
	}
	q := rlwe.NewScale(r.Q()[outLevel])
	half := r.DefaultScale().Mul(q).Div(rlwe.NewScale(2))
	var first *rlwe.Ciphertext
	for a := 0; a < pdqBlocks; a++ {
		if k == 0 && a == 0 {
			continue // the self pairs
		}
		y, err := s.pdqDifference(c, rots[a])
		if err != nil {
			return nil, err
		}
		out, err := poly.Evaluate(y, s.pdq.first[a], half)
		if err != nil {
			return nil, fmt.Errorf("pairs %d block %d: first sign stage: %w", k, a, err)
		}
		if first == nil {
			first = out
		} else if err := s.eval.Add(first, out, first); err != nil {
			return nil, err
		}
	}
	first.Scale = first.Scale.Mul(rlwe.NewScale(2))
	conj, err := s.eval.ConjugateNew(first)
	if err != nil {
		return nil, err
	}
	if err := s.eval.Add(first, conj, first); err != nil {
		return nil, err
	}
	if k == 0 {
		self := make([]float64, nSlots)
		for i := 0; i < pdqCoefs; i++ {
			self[i] = s.pdq.self
		}
		if err := s.eval.Add(first, self, first); err != nil {
			return nil, err
		}
	}
	if err := s.eval.Rescale(first, first); err != nil {
		return nil, err
	}
	return first, nil
}
