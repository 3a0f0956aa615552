package attack

import (
	"fmt"
	"image"
	"math"
)

// SSIM constants of Wang, Bovik, Sheikh and Simoncelli, "Image Quality
// Assessment: From Error Visibility to Structural Similarity" (IEEE TIP
// 2004): an 11x11 circular-symmetric Gaussian window of standard deviation
// 1.5, K1 = 0.01, K2 = 0.03, dynamic range L = 255.
const (
	ssimSigma  = 1.5
	ssimRadius = 5 // window 11x11; scikit-image: int(3.5*sigma + 0.5)
	ssimK1     = 0.01
	ssimK2     = 0.03
	ssimL      = 255.0
)

// SSIM returns the mean structural similarity of two images of the same
// size, computed on luma 0.299 R + 0.587 G + 0.114 B (float64, unrounded)
// with the Gaussian-weighted statistics of Wang et al. 2004 (population
// variances) averaged over every pixel whose 11x11 window lies inside the
// image. It equals scikit-image's structural_similarity(gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False, data_range=255) on the same luma.
// Both sides must be at least 11 pixels.
func SSIM(a, b image.Image) (float64, error) {
	pa, err := planeOf(a)
	if err != nil {
		return 0, err
	}
	pb, err := planeOf(b)
	if err != nil {
		return 0, err
	}
	if pa.w != pb.w || pa.h != pb.h {
		return 0, fmt.Errorf("attack: ssim: sizes differ (%dx%d and %dx%d)", pa.w, pa.h, pb.w, pb.h)
	}
	return ssimPlanes(pa.luma(), pb.luma(), pa.w, pa.h)
}

// ssimKernel is the normalised 1-D Gaussian of radius ssimRadius.
var ssimKernel = func() (k [2*ssimRadius + 1]float64) {
	s := 0.0
	for i := range k {
		x := float64(i - ssimRadius)
		k[i] = math.Exp(-x * x / (2 * ssimSigma * ssimSigma))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	return k
}()

// ssimPlanes computes SSIM of two w x h planes.
func ssimPlanes(x, y []float64, w, h int) (float64, error) {
	const win = 2*ssimRadius + 1
	if w < win || h < win {
		return 0, fmt.Errorf("attack: ssim: image %dx%d smaller than the %dx%d window", w, h, win, win)
	}
	ow, oh := w-win+1, h-win+1
	xx := make([]float64, len(x))
	yy := make([]float64, len(x))
	xy := make([]float64, len(x))
	for i := range x {
		xx[i] = x[i] * x[i]
		yy[i] = y[i] * y[i]
		xy[i] = x[i] * y[i]
	}
	mx, my := ssimFilter(x, w, h), ssimFilter(y, w, h)
	sxx, syy, sxy := ssimFilter(xx, w, h), ssimFilter(yy, w, h), ssimFilter(xy, w, h)
	c1 := (ssimK1 * ssimL) * (ssimK1 * ssimL)
	c2 := (ssimK2 * ssimL) * (ssimK2 * ssimL)
	sum := 0.0
	for i := range mx {
		ux, uy := mx[i], my[i]
		vx := sxx[i] - ux*ux
		vy := syy[i] - uy*uy
		cxy := sxy[i] - ux*uy
		sum += (2*ux*uy + c1) * (2*cxy + c2) / ((ux*ux + uy*uy + c1) * (vx + vy + c2))
	}
	return sum / float64(ow*oh), nil
}

// ssimFilter returns the Gaussian-weighted means of every fully inside
// window: (w-10) x (h-10) values, rows then columns.
func ssimFilter(p []float64, w, h int) []float64 {
	const win = 2*ssimRadius + 1
	ow, oh := w-win+1, h-win+1
	tmp := make([]float64, ow*h)
	for r := 0; r < h; r++ {
		row := p[r*w : (r+1)*w]
		for c := 0; c < ow; c++ {
			s := 0.0
			for k, kv := range ssimKernel {
				s += kv * row[c+k]
			}
			tmp[r*ow+c] = s
		}
	}
	out := make([]float64, ow*oh)
	for r := 0; r < oh; r++ {
		for c := 0; c < ow; c++ {
			s := 0.0
			for k, kv := range ssimKernel {
				s += kv * tmp[(r+k)*ow+c]
			}
			out[r*ow+c] = s
		}
	}
	return out
}
