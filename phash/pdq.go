package phash

import (
	"image"
	"sync"
)

// PDQKind is the Kind of PDQ hashes. Both PDQ pipelines share it, so their
// hashes compare, though the same file can hash differently through each.
const PDQKind Kind = "pdq"

// pdqMinQuality is the reference's floor: hashes of quality at or below it
// are usually discarded.
const pdqMinQuality = 49

// pdqSquashDim is the side of the square the reference command line
// squashes larger images to before hashing (DOWNSAMPLE_DIMS in its pdqio.cpp).
const pdqSquashDim = 512

// pdqMinDim is the smallest side the reference hashes (MIN_HASHABLE_DIM);
// smaller images get an all-zero hash of quality 0.
const pdqMinDim = 5

// PDQHasher computes Meta's PDQ hash (facebook/ThreatExchange, pdq/cpp),
// bit-exact with the reference C++ for the same 8-bit RGB pixels.
//
// Pipeline: 8-bit RGB (un-premultiplied, alpha dropped; Go's YCbCr decoded
// with color.YCbCrToRGB) to float32 luma 0.299 R + 0.587 G + 0.114 B; two
// rounds of Jarosz box filters (a "tent"), along rows with window
// ceil(width/128) and along columns with window ceil(height/128); decimation
// to 64x64 by sampling box centres; quality from the 64x64 image's
// gradients; a 16x64 float32 DCT matrix keeping frequencies 1..16 in each
// direction; bits set where a coefficient exceeds the Torben median.
//
// The two package values differ only in what they feed that pipeline: PDQ
// uses the full-resolution pixels; PDQRef512 first squashes images wider or
// taller than 512 pixels to exactly 512x512 by nearest neighbour, as the
// reference command line (pdq-photo-hasher, through CImg's default resize)
// does. A PDQHasher is stateless and safe for concurrent use.
type PDQHasher struct {
	name   string
	squash bool
}

// PDQ hashes the full-resolution pixels: the core PDQ algorithm with no
// pre-resize. It is the default PDQ pipeline of this package.
var PDQ = &PDQHasher{name: "pdq"}

// PDQRef512 reproduces the reference command line (pdq-photo-hasher): images
// wider or taller than 512 pixels are first squashed to 512x512 with CImg's
// default nearest-neighbour resize (source index floor(i*size/512) on each
// axis, aspect ratio not kept), then hashed as by PDQ.
var PDQRef512 = &PDQHasher{name: "pdq-ref512", squash: true}

func init() {
	Register(PDQ)
	Register(PDQRef512)
}

// Name returns "pdq" or "pdq-ref512".
func (p *PDQHasher) Name() string { return p.name }

// Kind returns PDQKind.
func (p *PDQHasher) Kind() Kind { return PDQKind }

// Bits returns 256.
func (p *PDQHasher) Bits() int { return 256 }

// Threshold returns distance 31, the reference's recommended match threshold.
func (p *PDQHasher) Threshold() Threshold {
	return Threshold{
		Distance: 31,
		Source:   "PDQ reference README (facebook/ThreatExchange pdq/README.md) and hashing.pdf: match at Hamming distance <= 31 of 256",
	}
}

// MinQuality returns 49: the reference discards hashes of quality <= 49.
func (p *PDQHasher) MinQuality() int { return pdqMinQuality }

// Hash returns the PDQ hash of img. Images narrower or shorter than 5 pixels
// get the reference's all-zero hash (use HashQuality to see quality 0).
func (p *PDQHasher) Hash(img image.Image) (Hash, error) {
	h, _, err := p.HashQuality(img)
	return h, err
}

// HashQuality returns the PDQ hash of img and its quality, 0..100. The
// reference discards hashes of quality at or below MinQuality.
func (p *PDQHasher) HashQuality(img image.Image) (Hash, int, error) {
	if err := checkImage(img); err != nil {
		return Hash{}, 0, err
	}
	s := pdqScratchPool.Get().(*pdqScratch)
	defer pdqScratchPool.Put(s)
	var dct [16][16]float32
	q, ok := s.dct(img, p.squash, &dct)
	if !ok {
		return pdqZeroHash(), 0, nil
	}
	return pdqBits(&dct), q, nil
}

// The indices of the array PDQHasher.Dihedral returns, in the reference's
// order (pdqDihedralHash256esFromFloatLuma).
const (
	DihedralOriginal   = iota // the image as given
	DihedralRotate90          // rotated 90 degrees
	DihedralRotate180         // rotated 180 degrees
	DihedralRotate270         // rotated 270 degrees
	DihedralFlipX             // mirrored top to bottom (the reference's flip x)
	DihedralFlipY             // mirrored left to right (the reference's flip y)
	DihedralFlipPlus1         // transposed about the main diagonal
	DihedralFlipMinus1        // transposed about the anti-diagonal
)

// Dihedral returns the PDQ hashes of the eight rotations and mirror images
// of img, indexed by the Dihedral constants, and the quality they share. As
// in the reference, all eight come from one DCT by sign flips and
// transposes. Each is close to, not always equal to, the hash of the
// transformed image, since box windows and sample centres are not
// symmetric under the transforms.
func (p *PDQHasher) Dihedral(img image.Image) ([8]Hash, int, error) {
	var out [8]Hash
	if err := checkImage(img); err != nil {
		return out, 0, err
	}
	s := pdqScratchPool.Get().(*pdqScratch)
	defer pdqScratchPool.Put(s)
	var dct [16][16]float32
	q, ok := s.dct(img, p.squash, &dct)
	if !ok {
		for i := range out {
			out[i] = pdqZeroHash()
		}
		return out, 0, nil
	}
	var aux [16][16]float32
	for i := range out {
		pdqDihedralTransform(i, &dct, &aux)
		out[i] = pdqBits(&aux)
	}
	return out, q, nil
}

// pdqScratch holds the buffers one hash needs, reused through a pool so
// that allocations per image stay flat.
type pdqScratch struct {
	rgb    []byte    // packed RGB for image types without a fast path
	boxed  []float32 // luma after the first row pass, rows x cols
	lines  []float32 // a few luma rows, or column-pass output rows
	sums   []float32 // running column sums, one per column
	narrow []float32 // second row pass at the 64 sampled columns, rows x 64
	recRow []float64 // 1/window size at each position along a row
	recCol []float64 // 1/window size at each position along a column
	xs, ys []int     // squash or chroma index maps
	cx, cy []int
}

var pdqScratchPool = sync.Pool{New: func() any { return new(pdqScratch) }}

// dct runs the pipeline up to the 16x16 DCT and returns the quality. It
// reports false when the (possibly squashed) image is below the reference's
// minimum size.
func (s *pdqScratch) dct(img image.Image, squash bool, out *[16][16]float32) (int, bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if squash && (w > pdqSquashDim || h > pdqSquashDim) {
		w, h = pdqSquashDim, pdqSquashDim
	}
	if w < pdqMinDim || h < pdqMinDim {
		return 0, false
	}
	var small [64][64]float32
	s.downsample(img, squash, w, h, &small)
	q := pdqQuality(&small)
	pdqDCT64To16(&small, out)
	return q, true
}

func pdqZeroHash() Hash {
	h, _ := NewHash(PDQKind, 256, make([]byte, 32))
	return h
}

// pdqGrow returns a slice of length n, reusing buf when it is large enough.
func pdqGrow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}
