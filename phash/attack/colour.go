package attack

import "math"

// Colour-weighted perturbation. Every hasher modelled here sees only luma,
// Y = 0.299 R + 0.587 G + 0.114 B (Pillow's fixed point 19595, 38470, 7471
// over 65536 and PDQ's float32 are these to five places). The least RGB
// change giving a luma change dY is dY w / |w|^2, w = (0.299, 0.587,
// 0.114): its mean squared sample change is dY^2 / (3 |w|^2) = 0.746 dY^2,
// against dY^2 for the same change on R, G and B, so the same luma change
// costs 1.27 dB less PSNR. A channel that would leave [0, 255] is clamped
// and the luma it owed is moved to the channels still free, in proportion
// to their weights (the least-norm split over the free channels).

// lumaW are the luma weights of R, G and B.
var lumaW = [3]float64{0.299, 0.587, 0.114}

// lumaW2 is |w|^2.
var lumaW2 = lumaW[0]*lumaW[0] + lumaW[1]*lumaW[1] + lumaW[2]*lumaW[2]

var invLumaW2 = 1 / lumaW2

// rgbPerLuma is the RMS RGB sample change per unit RMS luma change under
// the weighted split: sqrt(1 / (3 |w|^2)).
var rgbPerLuma = math.Sqrt(1 / (3 * lumaW2))

// splitLuma writes to out the RGB change (before rounding) that moves a
// pixel of value p by dy in luma, keeping each channel within [0, 255],
// and returns the luma change achieved (dy unless every channel that could
// help is clamped).
func splitLuma(p []uint8, dy float64, out *[3]float64) float64 {
	if (dy <= 0 && p[0] == 0 && p[1] == 0 && p[2] == 0) || (dy >= 0 && p[0] == 255 && p[1] == 255 && p[2] == 255) {
		*out = [3]float64{} // black cannot darken, white cannot brighten
		return 0
	}
	k0 := dy * invLumaW2
	r, g, b := float64(p[0])+k0*lumaW[0], float64(p[1])+k0*lumaW[1], float64(p[2])+k0*lumaW[2]
	if r >= 0 && r <= 255 && g >= 0 && g <= 255 && b >= 0 && b <= 255 { // nothing clamps
		*out = [3]float64{k0 * lumaW[0], k0 * lumaW[1], k0 * lumaW[2]}
		return dy
	}
	*out = [3]float64{}
	rem := dy
	free := [3]bool{true, true, true}
	for round := 0; round < 3 && math.Abs(rem) > 1e-12; round++ {
		n2 := 0.0
		for c := range 3 {
			if free[c] {
				n2 += lumaW[c] * lumaW[c]
			}
		}
		if n2 == 0 {
			break
		}
		k := rem / n2
		rem = 0
		for c := range 3 {
			if !free[c] {
				continue
			}
			v := float64(p[c]) + out[c] + k*lumaW[c]
			switch {
			case v > 255:
				rem += (v - 255) * lumaW[c]
				out[c] = 255 - float64(p[c])
				free[c] = false
			case v < 0:
				rem += v * lumaW[c]
				out[c] = -float64(p[c])
				free[c] = false
			default:
				out[c] += k * lumaW[c]
			}
		}
	}
	return dy - rem
}

// applyDeltaRGB returns orig plus a luma change per pixel, split over R, G
// and B by splitLuma and dithered to 8 bits per channel with u (three
// values in [0,1) per pixel). It is the plain form of splitter.apply, kept
// as the reference the fast path is tested against.
func applyDeltaRGB(orig rgbImage, delta, u []float64) rgbImage {
	out := rgbImage{w: orig.w, h: orig.h, pix: make([]uint8, len(orig.pix))}
	var d [3]float64
	for i, dy := range delta {
		p := orig.pix[3*i : 3*i+3]
		splitLuma(p, dy, &d)
		ditherPixel(out.pix[3*i:3*i+3], p, &d, u[3*i:3*i+3])
	}
	return out
}

// rgbRMS is the RMS change over R, G and B samples, before rounding, of
// adding the luma change delta to orig with the weighted split: the plain
// form of splitter.rms.
func rgbRMS(orig rgbImage, delta []float64) float64 {
	var d [3]float64
	sum := 0.0
	for i, dy := range delta {
		splitLuma(orig.pix[3*i:3*i+3], dy, &d)
		sum += d[0]*d[0] + d[1]*d[1] + d[2]*d[2]
	}
	return math.Sqrt(sum / float64(3*len(delta)))
}

// clampedLuma writes the luma change each pixel can take of delta, before
// rounding: the plain form of splitter.clamped.
func clampedLuma(orig rgbImage, delta, dst []float64) {
	var d [3]float64
	for i, dy := range delta {
		dst[i] = splitLuma(orig.pix[3*i:3*i+3], dy, &d)
	}
}

// A splitter is splitLuma for one original image with a fast path: lo and
// hi bound, per pixel, the luma changes that clamp no channel, so most
// pixels need one comparison.
type splitter struct {
	orig   rgbImage
	lo, hi []float64
}

func newSplitter(orig rgbImage) *splitter {
	n := orig.w * orig.h
	s := &splitter{orig: orig, lo: make([]float64, n), hi: make([]float64, n)}
	for i := range n {
		lo, hi := math.Inf(-1), math.Inf(1)
		for c := range 3 {
			k := lumaW[c] * invLumaW2 // channel change per unit luma
			v := float64(orig.pix[3*i+c])
			lo, hi = math.Max(lo, -v/k), math.Min(hi, (255-v)/k)
		}
		s.lo[i], s.hi[i] = lo, hi
	}
	return s
}

// rms is rgbRMS(s.orig, delta).
func (s *splitter) rms(delta []float64) float64 {
	var d [3]float64
	sum := 0.0
	for i, dy := range delta {
		if dy >= s.lo[i] && dy <= s.hi[i] {
			sum += dy * dy * invLumaW2
			continue
		}
		splitLuma(s.orig.pix[3*i:3*i+3], dy, &d)
		sum += d[0]*d[0] + d[1]*d[1] + d[2]*d[2]
	}
	return math.Sqrt(sum / float64(3*len(delta)))
}

// apply is applyDeltaRGB(s.orig, delta, u, nil).
func (s *splitter) apply(delta, u []float64) rgbImage {
	orig := s.orig
	out := rgbImage{w: orig.w, h: orig.h, pix: make([]uint8, len(orig.pix))}
	var d [3]float64
	for i, dy := range delta {
		p := orig.pix[3*i : 3*i+3]
		if dy >= s.lo[i] && dy <= s.hi[i] {
			k := dy * invLumaW2
			d = [3]float64{k * lumaW[0], k * lumaW[1], k * lumaW[2]}
		} else {
			splitLuma(p, dy, &d)
		}
		ditherPixel(out.pix[3*i:3*i+3], p, &d, u[3*i:3*i+3])
	}
	return out
}

// clamped is clampedLuma(s.orig, delta, dst).
func (s *splitter) clamped(delta, dst []float64) {
	var d [3]float64
	for i, dy := range delta {
		if dy >= s.lo[i] && dy <= s.hi[i] {
			dst[i] = dy
			continue
		}
		dst[i] = splitLuma(s.orig.pix[3*i:3*i+3], dy, &d)
	}
}

// ditherPixel writes p + d to dst, each channel rounded down after adding
// its dither value from u and clamped to 0..255.
func ditherPixel(dst, p []uint8, d *[3]float64, u []float64) {
	for c := range 3 {
		v := float64(p[c]) + math.Floor(d[c]+u[c])
		if v < 0 {
			v = 0
		} else if v > 255 {
			v = 255
		}
		dst[c] = uint8(v)
	}
}
