package imagehash

import (
	"fmt"
	"image"

	"github.com/privmatch/privmatch/phash"
)

// This file holds the client's plaintext front end: the downsampled luma
// each hash's linear stage reads, taken from package phash itself
// (phash.PillowGrey and phash.PDQLuma64), so that the encrypted pipeline
// starts from exactly what the plaintext hashers read. The tests check that
// thresholding the exact DCT of this luma reproduces phash.PHash8 and
// phash.PDQ bit for bit.

// Luma returns the downsampled luma alg's linear stage reads: 1024 values
// (32x32: Pillow convert('L') and LANCZOS, as imagehash's phash) for
// AlgPHash8, 4096 (64x64: PDQ's float32 luma and box filter at full
// resolution) for AlgPDQ, row-major, on the 0..255 scale. It errors on an
// empty image, and for PDQ on a side below 5 pixels.
func Luma(alg Alg, img image.Image) ([]float64, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("imagehash: luma: empty image")
	}
	switch alg {
	case AlgPHash8:
		g, err := phash.PillowGrey(img, 32, 32)
		if err != nil {
			return nil, fmt.Errorf("imagehash: luma: %w", err)
		}
		out := make([]float64, len(g))
		for i, v := range g {
			out[i] = float64(v)
		}
		return out, nil
	case AlgPDQ:
		l, err := phash.PDQLuma64(img)
		if err != nil {
			return nil, fmt.Errorf("imagehash: luma: %w", err)
		}
		out := make([]float64, 0, 64*64)
		for i := range l {
			for _, v := range l[i] {
				out = append(out, float64(v))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("imagehash: luma: unknown algorithm %q", alg)
}
