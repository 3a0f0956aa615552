package phash

import (
	"image"
	"math"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash/jpeg"
)

// pillowLuma converts packed 8-bit RGB to 8-bit luma exactly as Pillow's
// convert('L') does for an RGB image: the ITU-R 601-2 weights in 16-bit
// fixed point, L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. It reuses
// dst when it is large enough.
func pillowLuma(dst []uint8, rgb []byte) []uint8 {
	n := len(rgb) / 3
	if cap(dst) < n {
		dst = make([]uint8, n)
	}
	dst = dst[:n]
	for i := range dst {
		p := rgb[3*i : 3*i+3 : 3*i+3]
		dst[i] = uint8((uint32(p[0])*19595 + uint32(p[1])*38470 + uint32(p[2])*7471 + 0x8000) >> 16)
	}
	return dst
}

// pillowHueSat returns the hue and saturation bytes of Pillow's
// convert('HSV') for one RGB pixel (the value byte is max(r, g, b)). Pillow
// computes them in C float and double arithmetic, following Python's
// colorsys, and truncates h*255 and s*255 to integers; the conversions
// below keep each operation at the precision the C code uses, so the bytes
// agree for all 2^24 colours (see TestPillowHSVAllColours).
func pillowHueSat(r, g, b uint8) (h, s uint8) {
	maxc := max(r, g, b)
	minc := min(r, g, b)
	if maxc == minc {
		return 0, 0
	}
	cr := float32(maxc - minc)
	sf := cr / float32(maxc)
	rc := float32(maxc-r) / cr
	gc := float32(maxc-g) / cr
	bc := float32(maxc-b) / cr
	var hf float32
	switch {
	case r == maxc:
		hf = bc - gc
	case g == maxc:
		hf = float32(float64(float64(2.0)+float64(rc)) - float64(bc))
	default:
		hf = float32(float64(float64(4.0)+float64(gc)) - float64(rc))
	}
	hf = float32(math.Mod(float64(float64(hf)/6.0)+1.0, 1.0))
	return clip8int(int(float64(hf) * 255.0)), clip8int(int(float64(sf) * 255.0))
}

// clip8int clamps an int to 0..255 as Pillow's CLIP8 macro does.
func clip8int(v int) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

// lumaOf returns img's pixels as Pillow convert('L') bytes, row-major,
// reusing dst and (for types without a fast path) rgb. It equals
// pillowLuma of pixels.RGB(img); *jpeg.RGB and *image.YCbCr, the types
// phash/jpeg and image/jpeg return for colour files, are converted in one
// pass without the RGB buffer.
func lumaOf(dst, rgb []byte, img image.Image) (luma, rgbOut []byte, w, h int) {
	if p, ok := img.(*jpeg.RGB); ok {
		// phash/jpeg's output: luma straight from its rows, no copy.
		b := p.Bounds()
		w, h = b.Dx(), b.Dy()
		if cap(dst) < w*h {
			dst = make([]uint8, w*h)
		}
		dst = dst[:w*h]
		for y := 0; y < h; y++ {
			pillowLuma(dst[y*w:(y+1)*w], p.Pix[y*p.Stride:y*p.Stride+3*w])
		}
		return dst, rgb, w, h
	}
	m, ok := img.(*image.YCbCr)
	if !ok {
		rgb, w, h = pixels.RGB(rgb, img)
		return pillowLuma(dst, rgb), rgb, w, h
	}
	b := m.Bounds()
	w, h = b.Dx(), b.Dy()
	if cap(dst) < w*h {
		dst = make([]uint8, w*h)
	}
	dst = dst[:w*h]
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		yrow := m.Y[m.YOffset(b.Min.X, y):]
		yrow = yrow[:w]
		sub2 := m.SubsampleRatio == image.YCbCrSubsampleRatio420 || m.SubsampleRatio == image.YCbCrSubsampleRatio422
		switch {
		case sub2 && b.Min.X >= 0:
			// Chroma index steps every second x, starting at COffset(Min.X);
			// for x >= 0 COffset's x/2 is x>>1.
			c0 := m.COffset(b.Min.X, y)
			odd := b.Min.X & 1
			cb := m.Cb[c0 : c0+(w+odd+1)/2]
			cr := m.Cr[c0 : c0+(w+odd+1)/2]
			for x, yv := range yrow {
				j := (x + odd) >> 1
				dst[i] = ycbcrLuma(yv, cb[j], cr[j])
				i++
			}
		case m.SubsampleRatio == image.YCbCrSubsampleRatio444:
			c0 := m.COffset(b.Min.X, y)
			cb := m.Cb[c0 : c0+w]
			cr := m.Cr[c0 : c0+w]
			for x, yv := range yrow {
				dst[i] = ycbcrLuma(yv, cb[x], cr[x])
				i++
			}
		default:
			for x := b.Min.X; x < b.Max.X; x++ {
				ci := m.COffset(x, y)
				dst[i] = ycbcrLuma(yrow[x-b.Min.X], m.Cb[ci], m.Cr[ci])
				i++
			}
		}
	}
	return dst, rgb, w, h
}

// ycbcrLuma is Pillow's fixed-point luma of the RGB colour that
// color.YCbCrToRGB gives for (y, cb, cr); the conversion is the standard
// library's 16.16 fixed-point one, restated here so that it inlines.
func ycbcrLuma(y, cb, cr uint8) uint8 {
	yy1 := int32(y) * 0x10101
	cb1 := int32(cb) - 128
	cr1 := int32(cr) - 128
	r := yy1 + 91881*cr1
	if uint32(r)&0xff000000 == 0 {
		r >>= 16
	} else {
		r = ^(r >> 31)
	}
	g := yy1 - 22554*cb1 - 46802*cr1
	if uint32(g)&0xff000000 == 0 {
		g >>= 16
	} else {
		g = ^(g >> 31)
	}
	bb := yy1 + 116130*cb1
	if uint32(bb)&0xff000000 == 0 {
		bb >>= 16
	} else {
		bb = ^(bb >> 31)
	}
	return uint8((uint32(uint8(r))*19595 + uint32(uint8(g))*38470 + uint32(uint8(bb))*7471 + 0x8000) >> 16)
}
