package attack

import (
	"fmt"
	"image"
	"math"
)

// Strip returns an example strip for a report: the original, the perturbed
// image and their difference amplified (128 + amplify*(perturbed-original)
// per channel, clamped), side by side with a 4-pixel white gap.
func Strip(orig, pert image.Image, amplify float64) (*image.NRGBA, error) {
	a, err := planeOf(orig)
	if err != nil {
		return nil, err
	}
	b, err := planeOf(pert)
	if err != nil {
		return nil, err
	}
	if a.w != b.w || a.h != b.h {
		return nil, fmt.Errorf("attack: strip: sizes differ (%dx%d and %dx%d)", a.w, a.h, b.w, b.h)
	}
	const gap = 4
	out := image.NewNRGBA(image.Rect(0, 0, 3*a.w+2*gap, a.h))
	for i := range out.Pix {
		out.Pix[i] = 0xff
	}
	for y := 0; y < a.h; y++ {
		for x := 0; x < a.w; x++ {
			i := 3 * (y*a.w + x)
			for c := 0; c < 3; c++ {
				pa, pb := a.pix[i+c], b.pix[i+c]
				d := 128 + amplify*(float64(pb)-float64(pa))
				out.Pix[out.PixOffset(x, y)+c] = pa
				out.Pix[out.PixOffset(a.w+gap+x, y)+c] = pb
				out.Pix[out.PixOffset(2*(a.w+gap)+x, y)+c] = uint8(math.Max(0, math.Min(255, math.Round(d))))
			}
		}
	}
	return out, nil
}
