package transform

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"golang.org/x/image/draw"

	ljpeg "github.com/privmatch/privmatch/phash/jpeg"
)

// reencode writes m as JPEG at quality q with Go's encoder and decodes it
// as libjpeg-turbo does (package phash/jpeg), the decoder the reference
// hashers read files with, so an edit's pixels are what a reference tool
// would hash from the re-encoded file.
func reencode(m *image.NRGBA, q int) (*image.NRGBA, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
		return nil, fmt.Errorf("jpeg encode: %w", err)
	}
	d, _, err := ljpeg.DecodeBytes(buf.Bytes(), ljpeg.Options{Strict: true})
	if err != nil {
		return nil, fmt.Errorf("jpeg decode: %w", err)
	}
	return toNRGBA(d), nil
}

// jpegFn re-encodes as JPEG at quality round(s).
func jpegFn(src *image.NRGBA, s float64, _ uint64) (*image.NRGBA, error) {
	return reencode(src, int(math.Round(s)))
}

// screenshotFn imitates a screenshot of a displayed image: downscale by s
// and upscale back to the original size (BiLinear both ways), shift each
// channel by a seeded offset in -4..4 levels, and re-encode as JPEG at
// quality 90.
func screenshotFn(src *image.NRGBA, s float64, seed uint64) (*image.NRGBA, error) {
	b := src.Bounds()
	small := scaleTo(src, int(math.Round(float64(b.Dx())*s)), int(math.Round(float64(b.Dy())*s)), draw.BiLinear)
	big := scaleTo(small, b.Dx(), b.Dy(), draw.BiLinear)
	rng := newRand(seed, 4)
	var off [3]int
	for c := range off {
		off[c] = rng.IntN(9) - 4
	}
	for i := 0; i < len(big.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			big.Pix[i+c] = clamp8(float64(int(big.Pix[i+c]) + off[c]))
		}
	}
	return reencode(big, 90)
}
