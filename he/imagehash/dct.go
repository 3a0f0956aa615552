package imagehash

import (
	"fmt"
	"math"
	"slices"

	"github.com/privmatch/privmatch/phash"
)

// This file holds the linear stage in the clear: each hash's DCT block as
// a real matrix from the downsampled luma to the coefficients, the float64
// reference the encrypted pipeline is measured against, and the median
// thresholds that turn coefficients into the plaintext hashers' bits.

// shape describes one algorithm's linear stage.
type shape struct {
	side    int // luma is side x side
	block   int // coefficients are block x block
	inputs  int // side*side
	outputs int // block*block
}

func shapeOf(alg Alg) (shape, bool) {
	switch alg {
	case AlgPHash8:
		return shape{side: 32, block: 8, inputs: 1024, outputs: 64}, true
	case AlgPDQ:
		return shape{side: 64, block: 16, inputs: 4096, outputs: 256}, true
	}
	return shape{}, false
}

// basis returns the 1-D DCT rows: block x side.
//   - phash8: scipy.fftpack.dct type II unnormalised,
//     2 cos(pi k (2n+1) / 64), k = 0..7 (imagehash keeps the DC term).
//   - pdq: sqrt(2/64) cos(pi (k+1) (2n+1) / 128), k = 0..15 (PDQ drops DC).
func basis(alg Alg) [][]float64 {
	s, _ := shapeOf(alg)
	d := make([][]float64, s.block)
	for k := range d {
		d[k] = make([]float64, s.side)
		for n := range d[k] {
			switch alg {
			case AlgPHash8:
				m := (k * (2*n + 1)) % (4 * s.side)
				d[k][n] = 2 * math.Cos(math.Pi*float64(m)/float64(2*s.side))
			case AlgPDQ:
				m := ((k + 1) * (2*n + 1)) % (4 * s.side)
				d[k][n] = math.Sqrt(2.0/64) * math.Cos(math.Pi*float64(m)/float64(2*s.side))
			}
		}
	}
	return d
}

// matrix returns the outputs x inputs matrix of the 2-D DCT block:
// row u*block+v, column y*side+x holds D[u][y] * D[v][x], so that output
// u*block+v is coefficient (vertical frequency u, horizontal v), the
// row-major order both hashes read.
func matrix(alg Alg) [][]float64 {
	s, _ := shapeOf(alg)
	d := basis(alg)
	m := make([][]float64, s.outputs)
	for u := 0; u < s.block; u++ {
		for v := 0; v < s.block; v++ {
			row := make([]float64, s.inputs)
			for y := 0; y < s.side; y++ {
				for x := 0; x < s.side; x++ {
					row[y*s.side+x] = d[u][y] * d[v][x]
				}
			}
			m[u*s.block+v] = row
		}
	}
	return m
}

// PlainCoefficients returns alg's DCT block of the luma (as Luma returns
// it) computed in the clear in float64, separably: the reference the
// encrypted coefficients are compared with.
func PlainCoefficients(alg Alg, luma []float64) ([]float64, error) {
	s, ok := shapeOf(alg)
	if !ok {
		return nil, fmt.Errorf("imagehash: coefficients: unknown algorithm %q", alg)
	}
	if len(luma) != s.inputs {
		return nil, fmt.Errorf("imagehash: coefficients: %d luma values, want %d", len(luma), s.inputs)
	}
	d := basis(alg)
	t := make([]float64, s.block*s.side) // t = D A
	for u := 0; u < s.block; u++ {
		for y := 0; y < s.side; y++ {
			for x := 0; x < s.side; x++ {
				t[u*s.side+x] += d[u][y] * luma[y*s.side+x]
			}
		}
	}
	out := make([]float64, s.outputs)
	for u := 0; u < s.block; u++ {
		for v := 0; v < s.block; v++ {
			sum := 0.0
			for x := 0; x < s.side; x++ {
				sum += t[u*s.side+x] * d[v][x]
			}
			out[u*s.block+v] = sum
		}
	}
	return out, nil
}

// Median returns the threshold alg compares coefficients with: NumPy's
// median (mean of the two middle values) for phash8, as imagehash does
// over all 64 coefficients including DC; the lower median (what the PDQ
// reference's Torben method returns for 256 values) for pdq.
func Median(alg Alg, coeffs []float64) float64 {
	c := slices.Clone(coeffs)
	slices.Sort(c)
	n := len(c)
	if n == 0 {
		return 0
	}
	if alg == AlgPHash8 {
		return (c[n/2-1] + c[n/2]) / 2
	}
	return c[(n-1)/2]
}

// Threshold turns coefficients into the hash: bit i set where coefficient
// i exceeds Median, in the bit order phash.PHash8 or phash.PDQ uses.
func Threshold(alg Alg, coeffs []float64) (phash.Hash, error) {
	s, ok := shapeOf(alg)
	if !ok {
		return phash.Hash{}, fmt.Errorf("imagehash: threshold: unknown algorithm %q", alg)
	}
	if len(coeffs) != s.outputs {
		return phash.Hash{}, fmt.Errorf("imagehash: threshold: %d coefficients, want %d", len(coeffs), s.outputs)
	}
	med := Median(alg, coeffs)
	bits := make([]bool, s.outputs)
	for k, v := range coeffs {
		if alg == AlgPHash8 {
			bits[k] = v > med
			continue
		}
		// phash.PDQ stores coefficient k in byte 31-k/8, bit k%8 (LSB first).
		bits[(31-k/8)*8+7-k%8] = v > med
	}
	kind := phash.PHash8.Kind()
	if alg == AlgPDQ {
		kind = phash.PDQKind
	}
	h, err := phash.FromBits(kind, bits)
	if err != nil {
		return phash.Hash{}, fmt.Errorf("imagehash: threshold: %w", err)
	}
	return h, nil
}

// NearMedian counts the coefficients within tol of the median: the bits an
// error of tol in the coefficients could flip.
func NearMedian(alg Alg, coeffs []float64, tol float64) int {
	med := Median(alg, coeffs)
	n := 0
	for _, v := range coeffs {
		if math.Abs(v-med) <= tol {
			n++
		}
	}
	return n
}
