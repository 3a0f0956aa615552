package transform

import (
	"image"
	"math"
)

// gaussKernel returns a normalised Gaussian kernel of radius ceil(3*sigma).
func gaussKernel(sigma float64) []float64 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := -r; i <= r; i++ {
		v := math.Exp(-float64(i*i) / (2 * sigma * sigma))
		k[i+r] = v
		sum += v
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// gaussPlanes blurs the R, G, B channels of m separably with clamped edges
// and returns them as float planes (3 planes of w*h, row-major).
func gaussPlanes(m *image.NRGBA, sigma float64) [3][]float64 {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	k := gaussKernel(sigma)
	r := len(k) / 2
	var out [3][]float64
	tmp := make([]float64, w*h)
	for c := 0; c < 3; c++ {
		// Horizontal pass.
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				acc := 0.0
				for i, kv := range k {
					xx := min(max(x+i-r, 0), w-1)
					acc += kv * float64(row[4*xx+c])
				}
				tmp[y*w+x] = acc
			}
		}
		// Vertical pass.
		o := make([]float64, w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				acc := 0.0
				for i, kv := range k {
					yy := min(max(y+i-r, 0), h-1)
					acc += kv * tmp[yy*w+x]
				}
				o[y*w+x] = acc
			}
		}
		out[c] = o
	}
	return out
}

// blurFn applies a Gaussian blur of standard deviation s pixels.
func blurFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	if s == 0 {
		return src, nil
	}
	p := gaussPlanes(src, s)
	w := src.Bounds().Dx()
	for y := 0; y < src.Bounds().Dy(); y++ {
		for x := 0; x < w; x++ {
			i := src.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				src.Pix[i+c] = clamp8(p[c][y*w+x])
			}
		}
	}
	return src, nil
}

// sharpenFn applies an unsharp mask: out = in + s*(in - blur_sigma1(in)).
func sharpenFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	if s == 0 {
		return src, nil
	}
	p := gaussPlanes(src, 1)
	w := src.Bounds().Dx()
	for y := 0; y < src.Bounds().Dy(); y++ {
		for x := 0; x < w; x++ {
			i := src.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				v := float64(src.Pix[i+c])
				src.Pix[i+c] = clamp8(v + s*(v-p[c][y*w+x]))
			}
		}
	}
	return src, nil
}

// noiseFn adds independent Gaussian noise of standard deviation s levels to
// each channel of each pixel, drawn from a PCG generator seeded with seed.
func noiseFn(src *image.NRGBA, s float64, seed uint64) (*image.NRGBA, error) {
	rng := newRand(seed, 3)
	for i := 0; i < len(src.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			src.Pix[i+c] = clamp8(float64(src.Pix[i+c]) + s*rng.NormFloat64())
		}
	}
	return src, nil
}
