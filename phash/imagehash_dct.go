package phash

import (
	"math"
	"slices"
	"sync"
)

// This file holds imagehash's phash and phash_simple: scipy.fftpack.dct
// (type II, unnormalised: y[k] = 2 * sum_n x[n] cos(pi k (2n+1) / 2N)) of
// the LANCZOS-resized luma as float64, thresholded at the median or mean.
//
// Only the low-frequency outputs the hash reads are computed, by splitting
// the input into mirrored sums and differences, recursing on the sums and
// summing the differences directly. SciPy's FFT-based DCT rounds
// differently, by about 1e-12 relative, which changes no bit unless a
// coefficient lies that close to the median. That happens when an exact
// symmetry makes coefficients vanish (a flat image, an image one pixel high
// or wide, a mirror-symmetric image, a tiny image upsampled), where SciPy
// returns exact zeros; this split returns the same exact zeros in every
// such case in the test vectors (constant inputs of length 2^a*3^b,
// mirror-symmetric or mirror-constant-sum inputs of even length). A
// symmetry outside those could still flip a bit whose coefficient is pure
// rounding noise.

// dctTable holds cos(pi k (2n+1) / 2N) for k < K and n < N.
type dctTable struct {
	n, k int
	cos  []float64 // k-major
}

var dctTables sync.Map // [2]int{N, K} -> *dctTable

func dctTableFor(n, k int) *dctTable {
	key := [2]int{n, k}
	if t, ok := dctTables.Load(key); ok {
		return t.(*dctTable)
	}
	t := &dctTable{n: n, k: k, cos: make([]float64, n*k)}
	for kk := 0; kk < k; kk++ {
		for i := 0; i < n; i++ {
			// Reduce the angle modulo 2*pi exactly in integers first.
			m := (kk * (2*i + 1)) % (4 * n)
			t.cos[kk*n+i] = math.Cos(math.Pi * float64(m) / float64(2*n))
		}
	}
	v, _ := dctTables.LoadOrStore(key, t)
	return v.(*dctTable)
}

// smooth23 reports whether n has no prime factor above 3, the lengths for
// which SciPy's DCT of a constant vector has exactly zero AC terms.
func smooth23(n int) bool {
	for n%2 == 0 {
		n /= 2
	}
	for n%3 == 0 {
		n /= 3
	}
	return n == 1
}

// dctII writes the first len(y) unnormalised DCT-II coefficients of x
// into y. For even lengths it splits x into mirrored sums and differences:
// the even coefficients are the half-length DCT-II of the sums (computed
// recursively) and the odd ones a direct sum over the differences. buf is
// scratch of at least 3*len(x) values.
func dctII(y, x, buf []float64) {
	n := len(x)
	x0 := x[0]
	constant := true
	for _, v := range x[1:] {
		if v != x0 {
			constant = false
			break
		}
	}
	if constant && smooth23(n) {
		s := 0.0
		for range x {
			s += x0
		}
		y[0] = 2 * s
		clear(y[1:])
		return
	}
	t := dctTableFor(n, len(y))
	if n%2 == 1 {
		for k := range y {
			c := t.cos[k*n : (k+1)*n]
			s := 0.0
			for i, v := range x {
				s += float64(v * c[i])
			}
			y[k] = 2 * s
		}
		return
	}
	h := n / 2
	sum, diff := buf[:h], buf[h:n]
	for i := 0; i < h; i++ {
		a, b := x[i], x[n-1-i]
		sum[i] = a + b
		diff[i] = a - b
	}
	ke := (len(y) + 1) / 2
	ye := buf[n : n+ke]
	dctII(ye, sum, buf[n+ke:])
	for m, v := range ye {
		y[2*m] = v
	}
	for k := 1; k < len(y); k += 2 {
		c := t.cos[k*n : k*n+h]
		s := 0.0
		for i, v := range diff {
			s += float64(v * c[i])
		}
		y[k] = 2 * s
	}
}

// medianOf returns numpy.median of v (sorting v in place): the middle
// value, or the mean of the two middle values.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// perceptual is imagehash.phash.
func (h *ImageHash) perceptual(s *ihScratch, w, ht int, out []bool) {
	size := h.size
	n := size * h.highfreq
	px := s.resized(w, ht, n, n)
	f := s.floats(n*n + size*n + 2*size*size + n + size + 3*n)
	img, f := f[:n*n], f[n*n:]
	cols, f := f[:size*n], f[size*n:] // size x n: DCT along axis 0
	block, f := f[:size*size], f[size*size:]
	sorted, f := f[:size*size], f[size*size:]
	vec, f := f[:n], f[n:]
	col, buf := f[:size], f[size:]
	for i, v := range px {
		img[i] = float64(v)
	}
	for j := 0; j < n; j++ {
		for i := range vec {
			vec[i] = img[i*n+j]
		}
		dctII(col, vec, buf)
		for k, v := range col {
			cols[k*n+j] = v
		}
	}
	for k := 0; k < size; k++ {
		dctII(block[k*size:(k+1)*size], cols[k*n:(k+1)*n], buf)
	}
	copy(sorted, block)
	med := medianOf(sorted)
	for i, v := range block {
		out[i] = v > med
	}
}

// perceptualSimple is imagehash.phash_simple.
func (h *ImageHash) perceptualSimple(s *ihScratch, w, ht int, out []bool) {
	size := h.size
	n := size * h.highfreq
	px := s.resized(w, ht, n, n)
	f := s.floats(n + (size+1)*size + 3*n)
	row, f := f[:n], f[n:]
	coef, buf := f[:(size+1)*size], f[(size+1)*size:]
	for r := 0; r < size; r++ {
		for i, v := range px[r*n : (r+1)*n] {
			row[i] = float64(v)
		}
		dctII(coef[r*(size+1):(r+1)*(size+1)], row, buf)
	}
	mean := meanNumPy(coef, size+1, 1, size)
	for r := 0; r < size; r++ {
		for c := 0; c < size; c++ {
			out[r*size+c] = coef[r*(size+1)+1+c] > mean
		}
	}
}

// meanNumPy returns the mean of the size x size block starting at column
// c0 of a row-major matrix with the given stride, summing each row with
// NumPy's pairwise rule and the rows in order, as numpy.mean does for such
// a strided view.
func meanNumPy(m []float64, stride, c0, size int) float64 {
	total := 0.0
	for r := 0; r < size; r++ {
		total += pairwiseSum(m[r*stride+c0 : r*stride+c0+size])
	}
	return total / float64(size*size)
}

// pairwiseSum is NumPy's pairwise summation (blocks of 8 accumulators
// below 128 elements, plain loop below 8).
func pairwiseSum(a []float64) float64 {
	n := len(a)
	if n < 8 {
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	}
	if n <= 128 {
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := 0; j < 8; j++ {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	}
	m := n / 2
	m -= m % 8
	return pairwiseSum(a[:m]) + pairwiseSum(a[m:])
}
