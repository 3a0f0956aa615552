package imagehash

import (
	"fmt"
	"image"
	"math"

	"github.com/privmatch/privmatch/internal/pixels"
)

// This file holds the client's plaintext front end: the downsampled luma
// each hash's linear stage reads. Both are restated from the plaintext
// hashers' documented pipelines (package phash exports neither), and the
// tests check that thresholding their exact DCT reproduces phash.PHash8 and
// phash.PDQ bit for bit.

// luma32 returns imagehash's phash input: Pillow convert('L') (ITU-R 601-2
// weights in 16-bit fixed point) and a Pillow 9.4 LANCZOS resize to 32x32
// (two separable fixed-point passes, 22 fractional bits, each rounded and
// clipped to 0..255), as float64 values 0..255 in row-major order.
func luma32(img image.Image) []float64 {
	rgb, w, h := pixels.RGB(nil, img)
	l := make([]uint8, w*h)
	for i := range l {
		p := rgb[3*i : 3*i+3]
		l[i] = uint8((uint32(p[0])*19595 + uint32(p[1])*38470 + uint32(p[2])*7471 + 0x8000) >> 16)
	}
	const n = 32
	// Horizontal pass (skipped when the width is already n), then vertical.
	if w != n {
		k := lanczosKernel(w, n)
		out := make([]uint8, n*h)
		for y := 0; y < h; y++ {
			for x := 0; x < n; x++ {
				out[y*n+x] = k.apply(func(i int) uint8 { return l[y*w+i] }, x)
			}
		}
		l, w = out, n
	}
	if h != n {
		k := lanczosKernel(h, n)
		out := make([]uint8, n*w)
		for y := 0; y < n; y++ {
			for x := 0; x < w; x++ {
				out[y*w+x] = k.apply(func(i int) uint8 { return l[i*w+x] }, y)
			}
		}
		l = out
	}
	v := make([]float64, n*n)
	for i, p := range l {
		v[i] = float64(p)
	}
	return v
}

// kernel holds Pillow's fixed-point resampling weights for one axis.
type kernel struct {
	ksize  int
	bounds []int // first input index and tap count per output
	coeffs []int32
}

const precisionBits = 32 - 8 - 2

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

func lanczos(x float64) float64 {
	if -3 <= x && x < 3 {
		return sinc(x) * sinc(x/3)
	}
	return 0
}

// lanczosKernel is Pillow's precompute_coeffs + normalize_coeffs_8bpc for
// LANCZOS from inSize to outSize.
func lanczosKernel(inSize, outSize int) *kernel {
	scale := float64(inSize) / float64(outSize)
	fs := max(scale, 1)
	support := 3 * fs
	ksize := int(math.Ceil(support))*2 + 1
	k := &kernel{ksize: ksize, bounds: make([]int, 2*outSize), coeffs: make([]int32, outSize*ksize)}
	w := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale
		ss := 1 / fs
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			v := lanczos((float64(x+xmin) - center + 0.5) * ss)
			w[x] = v
			ww += v
		}
		row := k.coeffs[xx*ksize : (xx+1)*ksize]
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				row[x] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				row[x] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		k.bounds[2*xx], k.bounds[2*xx+1] = xmin, xmax
	}
	return k
}

// apply computes output xx from the input samples at(i).
func (k *kernel) apply(at func(int) uint8, xx int) uint8 {
	xmin, xmax := k.bounds[2*xx], k.bounds[2*xx+1]
	ss := int32(1) << (precisionBits - 1)
	for i, c := range k.coeffs[xx*k.ksize : xx*k.ksize+xmax] {
		ss += int32(at(xmin+i)) * c
	}
	v := ss >> precisionBits
	return uint8(min(max(v, 0), 255))
}

// luma64 returns PDQ's 64x64 input as phash.PDQ computes it (no squash):
// float32 luma 0.299 R + 0.587 G + 0.114 B, two rounds of Jarosz box
// filters along rows (window ceil(w/128)) and columns (ceil(h/128)), and
// decimation at box centres; 64x64 images are used unfiltered. It returns
// false for images with a side below 5 pixels, which PDQ hashes to zero.
func luma64(img image.Image) ([]float64, bool) {
	rgb, w, h := pixels.RGB(nil, img)
	if w < 5 || h < 5 {
		return nil, false
	}
	cr, cg, cb := float32(0.299), float32(0.587), float32(0.114)
	b1 := make([]float32, w*h)
	b2 := make([]float32, w*h)
	for i := range b1 {
		r := float32(cr * float32(rgb[3*i]))
		g := float32(cg * float32(rgb[3*i+1]))
		b := float32(cb * float32(rgb[3*i+2]))
		b1[i] = float32(r+g) + b
	}
	out := make([]float64, 64*64)
	if w == 64 && h == 64 {
		for i, v := range b1 {
			out[i] = float64(v)
		}
		return out, true
	}
	wr, wc := (w+127)/128, (h+127)/128
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < h; i++ {
			box(b1[i*w:], b2[i*w:], w, 1, wr)
		}
		for j := 0; j < w; j++ {
			box(b2[j:], b1[j:], h, w, wc)
		}
	}
	for i := 0; i < 64; i++ {
		ii := int((float64(i) + 0.5) * float64(h) / 64)
		for j := 0; j < 64; j++ {
			jj := int((float64(j) + 0.5) * float64(w) / 64)
			out[i*64+j] = float64(b1[ii*w+jj])
		}
	}
	return out, true
}

// box is the PDQ reference's box1DFloat over n samples with the given
// stride and window.
func box(in, out []float32, n, stride, win int) {
	half := (win + 2) / 2
	p1, p2, p3, p4 := half-1, win-half+1, n-win, half-1
	li, ri, oi, cur := 0, 0, 0, 0
	var sum float32
	for i := 0; i < p1; i++ {
		sum += in[ri]
		cur++
		ri += stride
	}
	for i := 0; i < p2; i++ {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for i := 0; i < p3; i++ {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for i := 0; i < p4; i++ {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

// Luma returns the downsampled luma alg's linear stage reads: 1024 values
// (32x32) for AlgPHash8, 4096 (64x64) for AlgPDQ, row-major, on the 0..255
// scale. It errors on an empty image, and for PDQ on a side below 5 pixels.
func Luma(alg Alg, img image.Image) ([]float64, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("imagehash: luma: empty image")
	}
	switch alg {
	case AlgPHash8:
		return luma32(img), nil
	case AlgPDQ:
		v, ok := luma64(img)
		if !ok {
			return nil, fmt.Errorf("imagehash: luma: %dx%d image below PDQ's 5-pixel minimum", img.Bounds().Dx(), img.Bounds().Dy())
		}
		return v, nil
	}
	return nil, fmt.Errorf("imagehash: luma: unknown algorithm %q", alg)
}
