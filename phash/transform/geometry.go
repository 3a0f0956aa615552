package transform

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// resizeFn scales both sides by strength with CatmullRom (rounding each
// side to the nearest pixel, at least 1).
func resizeFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	b := src.Bounds()
	w := int(math.Round(float64(b.Dx()) * s))
	h := int(math.Round(float64(b.Dy()) * s))
	return scaleTo(src, w, h, draw.CatmullRom), nil
}

// cropFn removes round(s*w) columns and round(s*h) rows, each split
// between the two opposite sides at a seeded point. It keeps at least one
// pixel in each direction.
func cropFn(src *image.NRGBA, s float64, seed uint64) (*image.NRGBA, error) {
	b := src.Bounds()
	rng := newRand(seed, 1)
	cut := func(n int) (lo, keep int) {
		c := int(math.Round(float64(n) * s))
		if c > n-1 {
			c = n - 1
		}
		if c > 0 {
			lo = rng.IntN(c + 1)
		}
		return lo, n - c
	}
	x0, w := cut(b.Dx())
	y0, h := cut(b.Dy())
	return toNRGBA(src.SubImage(image.Rect(x0, y0, x0+w, y0+h))), nil
}

// padFn adds a border of round(s*w) columns on the left and on the right,
// and round(s*h) rows above and below, in a seeded grey level (one of
// black, white, or mid-grey 128, as letterboxing uses).
func padFn(src *image.NRGBA, s float64, seed uint64) (*image.NRGBA, error) {
	b := src.Bounds()
	px := int(math.Round(float64(b.Dx()) * s))
	py := int(math.Round(float64(b.Dy()) * s))
	levels := [3]uint8{0, 255, 128}
	g := levels[newRand(seed, 2).IntN(3)]
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx()+2*px, b.Dy()+2*py))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.NRGBA{g, g, g, 255}), image.Point{}, draw.Src)
	draw.Draw(dst, image.Rect(px, py, px+b.Dx(), py+b.Dy()), src, image.Point{}, draw.Src)
	return dst, nil
}

// rotateFn rotates counter-clockwise by s degrees. Multiples of 90 move
// pixels exactly (the canvas swaps sides for 90 and 270); other angles
// rotate about the centre onto a canvas of the same size with BiLinear
// sampling, leaving uncovered corners black.
func rotateFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	if q := s / 90; q == math.Trunc(q) {
		k := ((int(q) % 4) + 4) % 4
		out := src
		for i := 0; i < k; i++ {
			out = rot90(out)
		}
		if k == 0 {
			out = toNRGBA(src)
		}
		return out, nil
	}
	b := src.Bounds()
	dst := image.NewNRGBA(b)
	draw.Draw(dst, b, image.NewUniform(color.NRGBA{0, 0, 0, 255}), image.Point{}, draw.Src)
	th := s * math.Pi / 180
	sin, cos := math.Sincos(th)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	// Source-to-destination affine map: rotate by th about the centre; with
	// y pointing down, counter-clockwise on screen is a rotation by -th.
	m := f64.Aff3{
		cos, sin, cx - cos*cx - sin*cy,
		-sin, cos, cy + sin*cx - cos*cy,
	}
	draw.BiLinear.Transform(dst, m, src, b, draw.Over, nil)
	opaque(dst)
	return dst, nil
}

// rot90 rotates counter-clockwise by exactly 90 degrees.
func rot90(src *image.NRGBA) *image.NRGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Source (x, y) goes to (y, w-1-x).
			copy(dst.Pix[dst.PixOffset(y, w-1-x):][:4], src.Pix[src.PixOffset(x, y):][:4])
		}
	}
	return dst
}

// flipHFn mirrors left-right when s >= 0.5.
func flipHFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	if s < 0.5 {
		return src, nil
	}
	b := src.Bounds()
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			var t [4]byte
			copy(t[:], row[4*i:4*i+4])
			copy(row[4*i:4*i+4], row[4*j:4*j+4])
			copy(row[4*j:4*j+4], t[:])
		}
	}
	return src, nil
}

// flipVFn mirrors top-bottom when s >= 0.5.
func flipVFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	if s < 0.5 {
		return src, nil
	}
	b := src.Bounds()
	n := 4 * b.Dx()
	t := make([]byte, n)
	for i, j := 0, b.Dy()-1; i < j; i, j = i+1, j-1 {
		ri := src.Pix[i*src.Stride : i*src.Stride+n]
		rj := src.Pix[j*src.Stride : j*src.Stride+n]
		copy(t, ri)
		copy(ri, rj)
		copy(rj, t)
	}
	return src, nil
}
