package phash

import (
	"fmt"
	"image"
)

// PillowGrey returns the w x h grey image that the imagehash family reads
// before its own arithmetic: Pillow's convert('L') (ITU-R 601-2 weights in
// 16-bit fixed point) followed by Pillow 9.4's LANCZOS resize, as 8-bit
// values in row-major order. phash8's input is PillowGrey(img, 32, 32).
// Other packages (such as he/imagehash, which computes the DCT stage under
// encryption) use it to feed exactly what the plaintext hash reads.
func PillowGrey(img image.Image, w, h int) ([]uint8, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("phash: PillowGrey: size %dx%d", w, h)
	}
	luma, _, iw, ih := lumaOf(nil, nil, img)
	out, _ := pillowResizeL(nil, nil, luma, iw, ih, w, h)
	return out, nil
}

// PDQLuma64 returns the 64x64 box-filtered luma that PDQ's DCT reads in the
// full-resolution pipeline (float32, as the reference computes it). It
// returns an error for an empty image or one with a side below PDQ's
// 5-pixel minimum.
func PDQLuma64(img image.Image) (*[64][64]float32, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < pdqMinDim || h < pdqMinDim {
		return nil, fmt.Errorf("phash: PDQLuma64: %dx%d image below PDQ's %d-pixel minimum", w, h, pdqMinDim)
	}
	s := pdqScratchPool.Get().(*pdqScratch)
	defer pdqScratchPool.Put(s)
	var small [64][64]float32
	s.downsample(img, false, w, h, &small)
	return &small, nil
}
