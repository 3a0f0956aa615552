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

// dct returns the 64 x 1024 DCT block matrix of imagehash's phash (the
// exact map imagehash.PlainCoefficients computes) and its largest row L1
// norm.
func dct() ([][]float64, float64, error) {
	m := make([][]float64, nCoef)
	for i := range m {
		m[i] = make([]float64, nLuma)
	}
	e := make([]float64, nLuma)
	for t := 0; t < nLuma; t++ {
		e[t] = 1
		col, err := imagehash.PlainCoefficients(imagehash.AlgPHash8, e)
		if err != nil {
			return nil, 0, fmt.Errorf("hashmatch: dct: %w", err)
		}
		e[t] = 0
		for i := range col {
			m[i][t] = col[i]
		}
	}
	norm := 0.0
	for _, row := range m {
		s := 0.0
		for _, v := range row {
			s += math.Abs(v)
		}
		norm = max(norm, s)
	}
	return m, norm, nil
}

// pairDiagonals returns the 1024 generalised diagonals of the map from the
// luma (divided by 255, repeated with period 1024) to
// D[s] = (c_i - c_j) / (2 * 255 * norm) for i = s mod 64, j = s / 64, so
// that every slot lies in [-1, 1]: diagonal k holds
// W[s][(s+k) mod 1024].
func pairDiagonals() (map[int][]float64, error) {
	m, norm, err := dct()
	if err != nil {
		return nil, err
	}
	diags := make(map[int][]float64, nLuma)
	for k := 0; k < nLuma; k++ {
		d := make([]float64, nSlots)
		for s := range d {
			i, j := s%nCoef, s/nCoef
			t := (s + k) % nLuma
			d[s] = (m[i][t] - m[j][t]) / (2 * norm)
		}
		diags[k] = d
	}
	return diags, nil
}

// selfPairs is 1 on the 64 slots where i == j, else 0.
func selfPairs() []float64 {
	v := make([]float64, nSlots)
	for i := 0; i < nCoef; i++ {
		v[i*nCoef+i] = 1
	}
	return v
}

// coefBit reports the bit of coefficient k (row-major in the 8x8 block)
// in a phash8 hash: imagehash's bit k is the k-th most significant.
func coefBit(h phash.Hash, k int) bool { return h.Bit(nCoef - 1 - k) }

// distanceGroup returns, for up to 4096 database entries, the 64 diagonals
// and the constant of t[s] = (T + 0.5 - d_s) / 64, where d_s is the Hamming
// distance between entry s and bits b replicated with period 64:
// d_s = |h_s| + sum_r b[(s+r) mod 64] * (1 - 2 h_s[(s+r) mod 64]).
// Slots past the entries get t = -1/2 (no match).
func distanceGroup(db []phash.Hash, threshold int) (map[int][]float64, []float64) {
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
			if coefBit(h, k) {
				w++
			}
		}
		cst[s] = (float64(threshold) + 0.5 - float64(w)) / nCoef
		for r := 0; r < nCoef; r++ {
			k := (s + r) % nCoef
			sign := 1.0
			if coefBit(h, k) {
				sign = -1
			}
			diags[r][s] = -sign / nCoef
		}
	}
	return diags, cst
}
