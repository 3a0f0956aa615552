package transform

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"golang.org/x/image/draw"

	ljpeg "github.com/privmatch/privmatch/phash/jpeg"
)

// toNRGBA copies src into a fresh opaque NRGBA with bounds at (0,0).
// Colours are un-premultiplied as Go's color models define; alpha is
// dropped (set to 255), as the hashers drop it.
func toNRGBA(src image.Image) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	w, h := b.Dx(), b.Dy()
	switch s := src.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			d := dst.Pix[y*dst.Stride:]
			for x := 0; x < w; x++ {
				yi := s.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := s.COffset(b.Min.X+x, b.Min.Y+y)
				d[4*x], d[4*x+1], d[4*x+2] = color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			d := dst.Pix[y*dst.Stride:]
			for x := 0; x < w; x++ {
				d[4*x], d[4*x+1], d[4*x+2] = row[x], row[x], row[x]
			}
		}
	case *ljpeg.RGB:
		for y := 0; y < h; y++ {
			row := s.Pix[y*s.Stride:] // b is s.Rect: row y of the bounds
			d := dst.Pix[y*dst.Stride:]
			for x := 0; x < w; x++ {
				d[4*x], d[4*x+1], d[4*x+2] = row[3*x], row[3*x+1], row[3*x+2]
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			d := dst.Pix[y*dst.Stride:]
			for x := 0; x < w; x++ {
				if row[4*x+3] == 0xff {
					copy(d[4*x:4*x+3], row[4*x:4*x+3])
				} else {
					c := color.NRGBAModel.Convert(s.RGBAAt(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
					d[4*x], d[4*x+1], d[4*x+2] = c.R, c.G, c.B
				}
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				i := dst.PixOffset(x, y)
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = c.R, c.G, c.B
			}
		}
	}
	opaque(dst)
	return dst
}

// opaque sets every alpha to 255.
func opaque(m *image.NRGBA) {
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255
	}
}

// newRand returns the transform's deterministic generator for seed.
func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream^0x5851f42d4c957f2d))
}

// clamp8 rounds v to the nearest integer and clamps it to 0..255.
func clamp8(v float64) uint8 {
	v = math.Round(v)
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

// mapChannels applies a per-level lookup table to R, G and B.
func mapChannels(m *image.NRGBA, lut *[256]uint8) {
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i] = lut[m.Pix[i]]
		m.Pix[i+1] = lut[m.Pix[i+1]]
		m.Pix[i+2] = lut[m.Pix[i+2]]
	}
}

// scaleTo resamples src to w x h with the given interpolator.
func scaleTo(src *image.NRGBA, w, h int, k draw.Interpolator) *image.NRGBA {
	if w < 1 {
		w = 1
	}
	if h < 1 {
		h = 1
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	k.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	opaque(dst)
	return dst
}
