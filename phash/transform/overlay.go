package transform

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// OverlayText is the caption the text transform draws.
const OverlayText = "privmatch (c) 2025"

// textFn draws OverlayText in white with a one-pixel black shadow, rendered
// with basicfont.Face7x13 and scaled with NearestNeighbor to a height of
// round(s*h) pixels (keeping the aspect ratio), at a seeded position; text
// running past the right edge is clipped.
func textFn(src *image.NRGBA, s float64, seed uint64) (*image.NRGBA, error) {
	b := src.Bounds()
	th := int(math.Round(s * float64(b.Dy())))
	if th < 1 {
		return src, nil
	}
	face := basicfont.Face7x13
	adv := font.MeasureString(face, OverlayText).Ceil()
	lh := face.Metrics().Height.Ceil()
	label := image.NewNRGBA(image.Rect(0, 0, adv+1, lh+1))
	for i, c := range []color.NRGBA{{0, 0, 0, 255}, {255, 255, 255, 255}} {
		d := font.Drawer{
			Dst:  label,
			Src:  image.NewUniform(c),
			Face: face,
			Dot:  fixed.P(1-i, face.Metrics().Ascent.Ceil()+1-i),
		}
		d.DrawString(OverlayText)
	}
	tw := int(math.Round(float64(label.Bounds().Dx()) * float64(th) / float64(label.Bounds().Dy())))
	rng := newRand(seed, 5)
	x0 := rng.IntN(max(b.Dx()-tw, 0) + 1)
	y0 := rng.IntN(max(b.Dy()-th, 0) + 1)
	draw.NearestNeighbor.Scale(src, image.Rect(x0, y0, x0+tw, y0+th), label, label.Bounds(), draw.Over, nil)
	opaque(src)
	return src, nil
}

// logoFn draws a simple logo, a red disc crossed by a white bar, inside a
// square whose area is s times the image area (capped by the shorter side),
// at a seeded position. Pixels outside that square are untouched.
func logoFn(src *image.NRGBA, s float64, seed uint64) (*image.NRGBA, error) {
	b := src.Bounds()
	side := int(math.Round(math.Sqrt(s * float64(b.Dx()*b.Dy()))))
	side = min(side, b.Dx(), b.Dy())
	if side < 1 {
		return src, nil
	}
	rng := newRand(seed, 6)
	x0 := rng.IntN(b.Dx() - side + 1)
	y0 := rng.IntN(b.Dy() - side + 1)
	r := float64(side) / 2
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			dx, dy := float64(x)+0.5-r, float64(y)+0.5-r
			var c color.NRGBA
			switch {
			case math.Abs(dy) < r/5 && math.Abs(dx) < 0.8*r:
				c = color.NRGBA{255, 255, 255, 255}
			case dx*dx+dy*dy <= r*r:
				c = color.NRGBA{200, 16, 32, 255}
			default:
				continue
			}
			src.SetNRGBA(x0+x, y0+y, c)
		}
	}
	return src, nil
}
