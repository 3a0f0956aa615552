package attack

import (
	"fmt"
	"image"
	"math"

	"github.com/privmatch/privmatch/internal/pixels"
)

// Quality measures how far a perturbed image is from its original. L2 and
// LInf are over all 8-bit R, G and B samples (alpha dropped, as the hashers
// drop it); PSNR is 10 log10(255^2 / MSE) over the same samples (+Inf for
// identical images); SSIM is Wang et al.'s index on luma (see SSIM).
type Quality struct {
	L2   float64 `json:"l2"`
	LInf float64 `json:"linf"`
	PSNR float64 `json:"psnr"`
	SSIM float64 `json:"ssim"`
}

// Measure compares a perturbed image with its original. Both must have the
// same size; their bounds need not start at (0,0).
func Measure(orig, pert image.Image) (Quality, error) {
	a, err := planeOf(orig)
	if err != nil {
		return Quality{}, err
	}
	b, err := planeOf(pert)
	if err != nil {
		return Quality{}, err
	}
	return measureRGB(a, b)
}

// rgbImage is packed 8-bit RGB, the form attacks work on.
type rgbImage struct {
	w, h int
	pix  []uint8
}

func planeOf(img image.Image) (rgbImage, error) {
	if img == nil {
		return rgbImage{}, fmt.Errorf("attack: nil image")
	}
	if img.Bounds().Empty() {
		return rgbImage{}, fmt.Errorf("attack: empty image (bounds %v)", img.Bounds())
	}
	pix, w, h := pixels.RGB(nil, img)
	return rgbImage{w: w, h: h, pix: pix}, nil
}

// nrgba returns the image as an opaque *image.NRGBA.
func (m rgbImage) nrgba() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.w, m.h))
	for i := 0; i < m.w*m.h; i++ {
		copy(out.Pix[4*i:4*i+3], m.pix[3*i:3*i+3])
		out.Pix[4*i+3] = 0xff
	}
	return out
}

// luma returns 0.299 R + 0.587 G + 0.114 B in float64 per pixel.
func (m rgbImage) luma() []float64 {
	out := make([]float64, m.w*m.h)
	for i := range out {
		p := m.pix[3*i : 3*i+3]
		out[i] = 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
	}
	return out
}

func measureRGB(a, b rgbImage) (Quality, error) {
	if a.w != b.w || a.h != b.h {
		return Quality{}, fmt.Errorf("attack: measure: sizes differ (%dx%d and %dx%d)", a.w, a.h, b.w, b.h)
	}
	var sum, linf float64
	for i := range a.pix {
		d := float64(a.pix[i]) - float64(b.pix[i])
		sum += d * d
		linf = math.Max(linf, math.Abs(d))
	}
	q := Quality{L2: math.Sqrt(sum), LInf: linf, PSNR: psnrOfMSE(sum / float64(len(a.pix)))}
	s, err := ssimPlanes(a.luma(), b.luma(), a.w, a.h)
	if err != nil {
		return Quality{}, err
	}
	q.SSIM = s
	return q, nil
}

// psnrRGB is the PSNR of two images of the same size.
func psnrRGB(a, b rgbImage) float64 {
	sum := 0
	for i, v := range a.pix {
		d := int(v) - int(b.pix[i])
		sum += d * d
	}
	return psnrOfMSE(float64(sum) / float64(len(a.pix)))
}

func psnrOfMSE(mse float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// rmsForPSNR is the root-mean-square sample change that gives PSNR p.
func rmsForPSNR(p float64) float64 {
	return 255 / math.Pow(10, p/20)
}
