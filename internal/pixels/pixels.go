// Package pixels turns any image.Image into packed 8-bit RGB, the common
// input of every hasher, with fast paths for the types Go's decoders return.
package pixels

import (
	"image"
	"image/color"
)

// packedRGB is an image already held as packed 8-bit RGB rows starting at
// its bounds' origin, such as phash/jpeg's *RGB.
type packedRGB interface {
	PackedRGB() (pix []byte, stride int)
}

// RGB returns the image's pixels as packed 8-bit R, G, B triples in row-major
// order, w*h*3 bytes, reusing dst when it is large enough. Colours are
// un-premultiplied and alpha is dropped; YCbCr and CMYK are converted with
// the standard library's 8-bit formulas (color.YCbCrToRGB, color.CMYKToRGB).
func RGB(dst []byte, img image.Image) (out []byte, w, h int) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	n := w * h * 3
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	out = dst[:n]
	switch m := img.(type) {
	case packedRGB:
		pix, stride := m.PackedRGB()
		for y := 0; y < h; y++ {
			copy(out[3*w*y:3*w*(y+1)], pix[y*stride:y*stride+3*w])
		}
	case *image.YCbCr:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi := m.YOffset(x, y)
				ci := m.COffset(x, y)
				r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				out[i], out[i+1], out[i+2] = r, g, bb
				i += 3
			}
		}
	case *image.NRGBA:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < w; x++ {
				out[i], out[i+1], out[i+2] = row[4*x], row[4*x+1], row[4*x+2]
				i += 3
			}
		}
	case *image.Gray:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < w; x++ {
				v := row[x]
				out[i], out[i+1], out[i+2] = v, v, v
				i += 3
			}
		}
	case *image.RGBA:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < w; x++ {
				r, g, bb, a := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				if a != 0xff && a != 0 {
					c := color.NRGBAModel.Convert(color.RGBA{r, g, bb, a}).(color.NRGBA)
					r, g, bb = c.R, c.G, c.B
				}
				out[i], out[i+1], out[i+2] = r, g, bb
				i += 3
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				out[i], out[i+1], out[i+2] = c.R, c.G, c.B
				i += 3
			}
		}
	}
	return out, w, h
}
