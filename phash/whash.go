package phash

import (
	"fmt"
	"math/bits"
)

// This file holds imagehash's whash with mode 'haar' and remove_max_haar_ll
// (its defaults), reproducing PyWavelets' wavedec2/waverec2 arithmetic: each
// Haar step is a pair of products by 1/sqrt(2) summed, along axis 0 then
// axis 1 for decomposition and axis 1 then axis 0 for reconstruction.

// haarC is PyWavelets' Haar filter tap, sqrt(2)/2 rounded to float64.
const haarC = 0.7071067811865476

// NewWHash returns imagehash.whash(image, hash_size=size) with its defaults
// (image_scale from the image, mode 'haar', remove_max_haar_ll): Pillow
// convert('L'), LANCZOS resize to s x s where s is the largest power of two
// not above the image's smaller side (at least size), pixels/255, a full
// Haar decomposition whose coarsest approximation is zeroed and
// reconstructed, then the size x size Haar approximation, one bit per
// coefficient above their median. size must be a power of two in 2..16.
func NewWHash(size int) (*ImageHash, error) {
	if err := checkHashSize("whash", size); err != nil {
		return nil, err
	}
	if size&(size-1) != 0 {
		return nil, fmt.Errorf("phash: whash: hash size %d is not a power of 2", size)
	}
	return newImageHash(fmt.Sprintf("whash%d", size), "whash", ihWavelet, size, 0, size*size), nil
}

// whashScale is imagehash's default image_scale: 2**int(log2(min(w, h))),
// raised to hashSize.
func whashScale(w, h, hashSize int) int {
	m := min(w, h)
	s := 1 << (bits.Len(uint(m)) - 1)
	return max(s, hashSize)
}

// wavelet is imagehash.whash.
func (h *ImageHash) wavelet(s *ihScratch, w, ht int, out []bool) {
	scale := whashScale(w, ht, h.size)
	px := s.resized(w, ht, scale, scale)
	a := s.floats(scale * scale)
	tmp := s.floats2(max(scale*scale, 2*h.size*h.size))
	for i, v := range px {
		a[i] = float64(v) / 255.
	}
	// Full decomposition in place (Mallat layout), zero the 1x1
	// approximation, reconstruct.
	for n := scale; n > 1; n /= 2 {
		haarForward2(a, tmp, scale, n)
	}
	a[0] *= 0
	for n := 2; n <= scale; n *= 2 {
		haarInverse2(a, tmp, scale, n)
	}
	// Approximation only, down to size x size.
	for n := scale; n > h.size; n /= 2 {
		haarApprox2(a, tmp, scale, n)
	}
	block := tmp[:h.size*h.size]
	for r := 0; r < h.size; r++ {
		copy(block[r*h.size:(r+1)*h.size], a[r*scale:r*scale+h.size])
	}
	sorted := tmp[h.size*h.size : 2*h.size*h.size]
	copy(sorted, block)
	med := medianOf(sorted)
	for i, v := range block {
		out[i] = v > med
	}
}

// haarForward2 performs one 2-D Haar analysis step on the top-left n x n
// block of a (row stride st), leaving LL, and beneath/right of it the
// detail bands, in place. tmp holds n*n values.
func haarForward2(a, tmp []float64, st, n int) {
	h := n / 2
	// Axis 0: rows 0..h-1 of tmp get the low band, h..n-1 the high band.
	for i := 0; i < h; i++ {
		r0 := a[2*i*st : 2*i*st+n]
		r1 := a[(2*i+1)*st : (2*i+1)*st+n]
		lo := tmp[i*n : (i+1)*n]
		hi := tmp[(h+i)*n : (h+i+1)*n]
		for j := 0; j < n; j++ {
			lo[j] = float64(haarC*r1[j]) + float64(haarC*r0[j])
			hi[j] = float64(-haarC*r1[j]) + float64(haarC*r0[j])
		}
	}
	// Axis 1 on every row.
	for i := 0; i < n; i++ {
		src := tmp[i*n : (i+1)*n]
		dst := a[i*st : i*st+n]
		for j := 0; j < h; j++ {
			x0, x1 := src[2*j], src[2*j+1]
			dst[j] = float64(haarC*x1) + float64(haarC*x0)
			dst[h+j] = float64(-haarC*x1) + float64(haarC*x0)
		}
	}
}

// haarInverse2 undoes haarForward2 on the top-left n x n block: axis 1
// first, then axis 0, as pywt.idwtn orders them.
func haarInverse2(a, tmp []float64, st, n int) {
	h := n / 2
	for i := 0; i < n; i++ {
		src := a[i*st : i*st+n]
		dst := tmp[i*n : (i+1)*n]
		for j := 0; j < h; j++ {
			lo, hi := src[j], src[h+j]
			dst[2*j] = float64(haarC*lo) + float64(haarC*hi)
			dst[2*j+1] = float64(haarC*lo) + float64(-haarC*hi)
		}
	}
	for i := 0; i < h; i++ {
		lo := tmp[i*n : (i+1)*n]
		hi := tmp[(h+i)*n : (h+i+1)*n]
		r0 := a[2*i*st : 2*i*st+n]
		r1 := a[(2*i+1)*st : (2*i+1)*st+n]
		for j := 0; j < n; j++ {
			r0[j] = float64(haarC*lo[j]) + float64(haarC*hi[j])
			r1[j] = float64(haarC*lo[j]) + float64(-haarC*hi[j])
		}
	}
}

// haarApprox2 replaces the top-left n/2 x n/2 block of a with the Haar
// approximation (LL band) of the top-left n x n block.
func haarApprox2(a, tmp []float64, st, n int) {
	h := n / 2
	for i := 0; i < h; i++ {
		r0 := a[2*i*st : 2*i*st+n]
		r1 := a[(2*i+1)*st : (2*i+1)*st+n]
		lo := tmp[i*n : (i+1)*n]
		for j := 0; j < n; j++ {
			lo[j] = float64(haarC*r1[j]) + float64(haarC*r0[j])
		}
	}
	for i := 0; i < h; i++ {
		src := tmp[i*n : (i+1)*n]
		dst := a[i*st : i*st+h]
		for j := 0; j < h; j++ {
			dst[j] = float64(haarC*src[2*j+1]) + float64(haarC*src[2*j])
		}
	}
}
