package phash

import (
	"encoding/binary"
	"fmt"
	"image"

	"github.com/corona10/goimagehash"

	"github.com/privmatch/privmatch/phash/jpeg"
)

// The goimagehash variants wrap github.com/corona10/goimagehash v1.1.0 (the
// Go ecosystem's common perceptual-hash library) unchanged, so that its
// numbers can be set beside the references'. They are not imagehash:
//
//   - Resize: nfnt/resize bilinear (goimagehash) against Pillow's LANCZOS
//     with fixed-point rounding (imagehash).
//   - Grey: 0.299 R + 0.587 G + 0.114 B in float64 on 16-bit channels
//     divided by 257 (goimagehash) against Pillow's fixed-point
//     convert('L'), rounded to 8 bits (imagehash).
//   - pHash: goimagehash shrinks to 64x64 and takes the 8x8 low block of a
//     64x64 DCT; imagehash shrinks to 32x32 (hash size 8, highfreq_factor 4)
//     and takes the 8x8 block of a 32x32 DCT. aHash compares with the mean
//     and dHash with the right neighbour in both, so those differ only
//     through resize and grey conversion.
//
// Measured on the 41 photographs of testdata/photos and the PDQ vector
// set (see the README), goimagehash's hashes differ from imagehash's by a
// mean of 3.5 bits for aHash, 5.6 for dHash and 1.1 for pHash (maxima 13,
// 14 and 11 of 64): close on average, but far enough apart on some images
// that a threshold tuned on one library does not carry to the other.
var (
	GoImageHashAverage Hasher = goImageHasher{name: "goimagehash-ahash", kind: "goimagehash-ahash", fn: goimagehash.AverageHash}
	GoImageHashDiff    Hasher = goImageHasher{name: "goimagehash-dhash", kind: "goimagehash-dhash", fn: goimagehash.DifferenceHash}
	GoImageHashPercept Hasher = goImageHasher{name: "goimagehash-phash", kind: "goimagehash-phash", fn: goimagehash.PerceptionHash}
)

func init() {
	Register(GoImageHashAverage)
	Register(GoImageHashDiff)
	Register(GoImageHashPercept)
}

type goImageHasher struct {
	name string
	kind Kind
	fn   func(image.Image) (*goimagehash.ImageHash, error)
}

func (g goImageHasher) Name() string { return g.name }
func (g goImageHasher) Kind() Kind   { return g.kind }
func (g goImageHasher) Bits() int    { return 64 }

// Threshold is 10 of 64 bits, a convention of the perceptual-hashing
// literature for 64-bit hashes; goimagehash itself names no threshold.
func (g goImageHasher) Threshold() Threshold {
	return Threshold{Distance: 10, Source: "convention for 64-bit hashes (about 15% of bits); goimagehash documents no threshold"}
}

// Hash runs goimagehash on the image. goimagehash reads pixels through
// nfnt/resize, which honours Bounds().Min.
func (g goImageHasher) Hash(img image.Image) (h Hash, err error) {
	if err := checkImage(img); err != nil {
		return Hash{}, err
	}
	defer func() {
		if r := recover(); r != nil {
			h, err = Hash{}, fmt.Errorf("phash: %s: goimagehash failed: %v", g.name, r)
		}
	}()
	if m, ok := img.(*jpeg.RGB); ok {
		// nfnt/resize has a fast path per image type and rounds
		// differently in each: hand it the *image.RGBA that PNG and BMP
		// decoders give for the same pixels, so that equal pixels hash
		// equally whatever file they came from.
		img = rgbaOf(m)
	}
	gh, err := g.fn(img)
	if err != nil {
		return Hash{}, fmt.Errorf("phash: %s: %w", g.name, err)
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], gh.GetHash())
	return NewHash(g.kind, 64, b[:])
}

// rgbaOf copies packed RGB into an opaque *image.RGBA with the same bounds.
func rgbaOf(m *jpeg.RGB) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(b)
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		src := m.Pix[y*m.Stride : y*m.Stride+3*w]
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x++ {
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = src[3*x], src[3*x+1], src[3*x+2], 0xff
		}
	}
	return out
}
