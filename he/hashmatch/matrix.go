package hashmatch

import (
	"fmt"
	"math"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
)

// This file holds the plaintext side of the circuit's layout: the pHash
// DCT block as a matrix (read off he/imagehash's reference by its columns),
// the 4096 x 1024 matrix from the luma to all pairwise coefficient
// differences, and the database diagonals of the Hamming distance.
//
// Slot s of a 4096-slot ciphertext stands for the pair (i, j) = (s mod 64,
// s / 64) in the hashing stage, and for database entry s in the matching
// stage.

const (
	nCoef  = 64   // pHash coefficients (8x8 block)
	nLuma  = 1024 // 32x32 luma
	nSlots = 1 << logSlots
)

// dct returns the coefs x luma DCT block matrix of sh's hash (the exact
// map imagehash.PlainCoefficients computes): 64 x 1024 for phash8, 256 x
// 4096 for PDQ.
func dct(sh shape) ([][]float64, error) {
	m := make([][]float64, sh.coefs)
	for i := range m {
		m[i] = make([]float64, sh.luma)
	}
	e := make([]float64, sh.luma)
	for t := 0; t < sh.luma; t++ {
		e[t] = 1
		col, err := imagehash.PlainCoefficients(sh.alg, e)
		if err != nil {
			return nil, fmt.Errorf("hashmatch: dct: %w", err)
		}
		e[t] = 0
		for i := range col {
			m[i][t] = col[i]
		}
	}
	return m, nil
}

// pairDiagonals returns the 1024 generalised diagonals of the map from the
// standardised luma (standardize, repeated with period 1024) to
// D[s] = (c_i - c_j) / bound for i = s mod 64, j = s / 64, both AC
// coefficients, and D[s] = 0 where i or j is the DC coefficient (those
// pairs are constants: pairConstants). Diagonal k holds W[s][(s+k) mod 1024].
//
// bound makes every slot lie in [-1, 1]: an AC coefficient ignores the
// luma's mean, so c_i - c_j = (m_i - m_j) . x / sigma for the standardised
// x, whose norm is sqrt(1024); by Cauchy-Schwarz |D| <= 1 when bound is
// sqrt(1024) times the largest norm of m_i - m_j. Dividing by the image's
// own sigma rather than by the worst case over all luma (255 times the
// DC row's L1 norm) is what keeps near ties apart: a flat image's
// coefficients span a tiny fraction of that worst case.
func pairDiagonals() (map[int][]float64, error) {
	m, err := dct(phash8Shape)
	if err != nil {
		return nil, err
	}
	bound := pairBound(m, 1)
	diags := make(map[int][]float64, nLuma)
	for k := 0; k < nLuma; k++ {
		d := make([]float64, nSlots)
		for s := range d {
			i, j := s%nCoef, s/nCoef
			if i == 0 || j == 0 {
				continue
			}
			t := (s + k) % nLuma
			d[s] = (m[i][t] - m[j][t]) / bound
		}
		diags[k] = d
	}
	return diags, nil
}

// pairBound returns sqrt(len(luma)) times the largest Euclidean norm of
// the difference of two rows of the DCT block m, from row first on
// (phash8: 1, leaving out DC; PDQ has no DC row: 0).
func pairBound(m [][]float64, first int) float64 {
	bound := 0.0
	for i := first; i < len(m); i++ {
		for j := first; j < i; j++ {
			n := 0.0
			for t := range m[i] {
				n += (m[i][t] - m[j][t]) * (m[i][t] - m[j][t])
			}
			bound = max(bound, math.Sqrt(n))
		}
	}
	return bound * math.Sqrt(float64(len(m[0])))
}

// pairConstants is what the comparison adds to D: 1/2 on the 64 pairs
// (i, i), so that each coefficient counts itself once, and +-1/2 on the
// pairs with the DC coefficient, which exceeds every AC coefficient of a
// non-black image (c_0 = 4 sum x >= |c_k| for luma x >= 0, equality only
// when x = 0). A black image's phash is all zeros; this layout gives it
// the DC bit set (the one image on which it departs from phash8).
func pairConstants() []float64 {
	v := make([]float64, nSlots)
	for s := range v {
		i, j := s%nCoef, s/nCoef
		switch {
		case i == j:
			v[s] = 0.5
		case i == 0:
			v[s] = 0.5
		case j == 0:
			v[s] = -0.5
		}
	}
	return v
}

// standardize returns the luma minus its mean, divided by its standard
// deviation sigma (population), the vector the client encrypts, and sigma:
// phash8's AC coefficients only scale under this map, so its bits do not
// change. A constant luma gives zeros.
func standardize(luma []float64) ([]float64, float64) {
	mean := 0.0
	for _, v := range luma {
		mean += v
	}
	mean /= float64(len(luma))
	ss := 0.0
	for _, v := range luma {
		ss += (v - mean) * (v - mean)
	}
	out := make([]float64, len(luma))
	if ss == 0 {
		return out, 0
	}
	sigma := math.Sqrt(ss / float64(len(luma)))
	for i, v := range luma {
		out[i] = (v - mean) / sigma
	}
	return out, sigma
}

// phash8Shape is phash8's shape.
var phash8Shape, _ = shapeOf(imagehash.AlgPHash8)

// coefBit reports the bit of coefficient k (row-major in the 8x8 block)
// in a phash8 hash: imagehash's bit k is the k-th most significant.
func coefBit(h phash.Hash, k int) bool { return phash8Shape.bit(h, k) }

// distanceGroup returns, for up to 4096 database entries of sh's hash
// (n = sh.coefs bits), the n diagonals and the constant of
// t[s] = (T + 0.5 - d_s) / n, where d_s is the Hamming distance between
// entry s and bits b replicated with period n:
// d_s = |h_s| + sum_r b[(s+r) mod n] * (1 - 2 h_s[(s+r) mod n]).
// Slots past the entries get t = -1/2 (no match).
func distanceGroup(sh shape, db []phash.Hash, threshold int) (map[int][]float64, []float64) {
	nCoef := sh.coefs
	diags := make(map[int][]float64, nCoef)
	for r := 0; r < nCoef; r++ {
		diags[r] = make([]float64, nSlots)
	}
	cst := make([]float64, nSlots)
	for s := range cst {
		if s >= len(db) {
			cst[s] = -0.5
			continue
		}
		h := db[s]
		w := 0
		for k := 0; k < nCoef; k++ {
			if sh.bit(h, k) {
				w++
			}
		}
		cst[s] = (float64(threshold) + 0.5 - float64(w)) / float64(nCoef)
		for r := 0; r < nCoef; r++ {
			k := (s + r) % nCoef
			sign := 1.0
			if sh.bit(h, k) {
				sign = -1
			}
			diags[r][s] = -sign / float64(nCoef)
		}
	}
	return diags, cst
}
