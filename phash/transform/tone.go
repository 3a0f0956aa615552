package transform

import (
	"image"
	"math"
)

// lut builds a lookup table from a level map.
func lut(f func(v float64) float64) *[256]uint8 {
	var t [256]uint8
	for i := range t {
		t[i] = clamp8(f(float64(i)))
	}
	return &t
}

// gammaFn maps each level v to 255*(v/255)^s.
func gammaFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	mapChannels(src, lut(func(v float64) float64 { return 255 * math.Pow(v/255, s) }))
	return src, nil
}

// brightnessFn adds s*255 to every channel.
func brightnessFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	mapChannels(src, lut(func(v float64) float64 { return v + 255*s }))
	return src, nil
}

// contrastFn scales every channel about mid-grey: 127.5 + s*(v-127.5).
func contrastFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	mapChannels(src, lut(func(v float64) float64 { return 127.5 + s*(v-127.5) }))
	return src, nil
}

// grayscaleFn blends each pixel towards its BT.601 luma
// (0.299 R + 0.587 G + 0.114 B) by s.
func grayscaleFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	for i := 0; i < len(src.Pix); i += 4 {
		r, g, b := float64(src.Pix[i]), float64(src.Pix[i+1]), float64(src.Pix[i+2])
		y := 0.299*r + 0.587*g + 0.114*b
		src.Pix[i] = clamp8(r + s*(y-r))
		src.Pix[i+1] = clamp8(g + s*(y-g))
		src.Pix[i+2] = clamp8(b + s*(y-b))
	}
	return src, nil
}
