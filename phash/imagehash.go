package phash

import (
	"fmt"
	"image"
	"sync"

	"github.com/privmatch/privmatch/internal/pixels"
)

// This file holds the Python imagehash family (JohannesBuchner/imagehash
// 4.3) as run under Pillow 9.4, NumPy, SciPy and PyWavelets: one ImageHash
// type configured per method, its constructors, the registered presets and
// the shared front end. Every method starts from Pillow's convert('L')
// (fixed-point ITU-R 601-2 luma, see pillowLuma) and, except colorhash, a
// Pillow LANCZOS resize (see pillowResizeL); hashes are bit-exact with
// imagehash given the same RGB pixels.

// ihMethod selects one imagehash function.
type ihMethod int

const (
	ihAverage ihMethod = iota
	ihDifference
	ihDifferenceVertical
	ihPerceptual
	ihPerceptualSimple
	ihWavelet
	ihColor
)

// ImageHash is one hash of the Python imagehash family with its parameters.
// Build one with NewAHash, NewDHash, NewDHashVertical, NewPHash,
// NewPHashSimple, NewWHash or NewColorHash, or use a registered preset
// (AHash8, PHash16, ...). It is stateless and safe for concurrent use.
type ImageHash struct {
	name      string
	kind      Kind
	method    ihMethod
	size      int // hash_size, or binbits for colorhash
	highfreq  int // phash highfreq_factor
	bits      int
	threshold Threshold
}

// Name reports the hasher's name, such as "phash8".
func (h *ImageHash) Name() string { return h.name }

// Kind reports the hash family: "ahash", "dhash", "dhash-vertical",
// "phash", "phash-simple", "whash" or "colorhash".
func (h *ImageHash) Kind() Kind { return h.kind }

// Bits reports the hash length: hash_size squared, or 14*binbits for
// colorhash.
func (h *ImageHash) Bits() int { return h.bits }

// Threshold reports the match threshold and where it comes from.
func (h *ImageHash) Threshold() Threshold { return h.threshold }

// Hash computes the hash of img from its 8-bit RGB pixels (alpha dropped),
// bit-exact with imagehash under Pillow 9.4 for the same pixels.
func (h *ImageHash) Hash(img image.Image) (Hash, error) {
	if err := checkImage(img); err != nil {
		return Hash{}, err
	}
	s := scratchPool.Get().(*ihScratch)
	defer scratchPool.Put(s)
	var w, ht int
	if h.method == ihColor {
		s.rgb, w, ht = pixels.RGB(s.rgb, img)
		s.luma = pillowLuma(s.luma, s.rgb)
	} else {
		s.luma, s.rgb, w, ht = lumaOf(s.luma, s.rgb, img)
	}
	var bitsOut []bool
	if cap(s.bits) < h.bits {
		s.bits = make([]bool, h.bits)
	}
	bitsOut = s.bits[:h.bits]
	switch h.method {
	case ihAverage:
		h.average(s, w, ht, bitsOut)
	case ihDifference, ihDifferenceVertical:
		h.difference(s, w, ht, bitsOut)
	case ihPerceptual:
		h.perceptual(s, w, ht, bitsOut)
	case ihPerceptualSimple:
		h.perceptualSimple(s, w, ht, bitsOut)
	case ihWavelet:
		h.wavelet(s, w, ht, bitsOut)
	case ihColor:
		h.color(s, w, ht, bitsOut)
	}
	return FromBits(h.kind, bitsOut)
}

// ihScratch holds the buffers one Hash call reuses.
type ihScratch struct {
	rgb, luma, small, tmp []uint8
	f, g                  []float64
	bits                  []bool
}

var scratchPool = sync.Pool{New: func() any { return new(ihScratch) }}

// resized resizes s.luma (w x h) to outW x outH with Pillow's LANCZOS into
// s.small and returns it.
func (s *ihScratch) resized(w, h, outW, outH int) []uint8 {
	s.small, s.tmp = pillowResizeL(s.small, s.tmp, s.luma, w, h, outW, outH)
	return s.small
}

// floats returns a reused float64 slice of length n.
func (s *ihScratch) floats(n int) []float64 {
	if cap(s.f) < n {
		s.f = make([]float64, n)
	}
	return s.f[:n]
}

// floats2 returns a second reused float64 slice of length n.
func (s *ihScratch) floats2(n int) []float64 {
	if cap(s.g) < n {
		s.g = make([]float64, n)
	}
	return s.g[:n]
}

// average is imagehash.average_hash: resize to size x size, bit = pixel >
// mean of the pixels.
func (h *ImageHash) average(s *ihScratch, w, ht int, out []bool) {
	px := s.resized(w, ht, h.size, h.size)
	sum := 0
	for _, v := range px {
		sum += int(v)
	}
	// pixel > sum/n in float64 is exactly pixel*n > sum for these ranges.
	n := len(px)
	for i, v := range px {
		out[i] = int(v)*n > sum
	}
}

// difference is imagehash.dhash (resize to (size+1) x size, bit = right
// neighbour brighter) or dhash_vertical (size x (size+1), bit = lower
// neighbour brighter).
func (h *ImageHash) difference(s *ihScratch, w, ht int, out []bool) {
	n := h.size
	if h.method == ihDifference {
		px := s.resized(w, ht, n+1, n)
		for r := 0; r < n; r++ {
			for c := 0; c < n; c++ {
				out[r*n+c] = px[r*(n+1)+c+1] > px[r*(n+1)+c]
			}
		}
		return
	}
	px := s.resized(w, ht, n, n+1)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			out[r*n+c] = px[(r+1)*n+c] > px[r*n+c]
		}
	}
}

// Thresholds. imagehash publishes none; these are conventions, stated as such.
const thresholdSource64 = "convention: 10 of 64 bits, after Krawetz's rule of thumb for 64-bit aHash/dHash/pHash " +
	"(hackerfactor.com, \"Looks Like It\", 2011: 0-5 likely similar, 10 or more probably a different picture); " +
	"imagehash itself publishes no threshold"

func conventionalThreshold(bits int) Threshold {
	if bits == 64 {
		return Threshold{Distance: 10, Source: thresholdSource64}
	}
	d := (bits*10 + 32) / 64
	return Threshold{Distance: d, Source: fmt.Sprintf("convention: %d of %d bits, the 10-of-64 rule of thumb "+
		"(Krawetz, hackerfactor.com 2011) scaled to this length; imagehash itself publishes no threshold; not validated", d, bits)}
}

func newImageHash(name string, kind Kind, m ihMethod, size, highfreq, bits int) *ImageHash {
	return &ImageHash{name: name, kind: kind, method: m, size: size, highfreq: highfreq, bits: bits,
		threshold: conventionalThreshold(bits)}
}

func checkHashSize(fn string, size int) error {
	if size < 2 || size*size > MaxBits {
		return fmt.Errorf("phash: %s: hash size %d outside 2..16", fn, size)
	}
	return nil
}

// NewAHash returns imagehash.average_hash(image, hash_size=size): Pillow
// convert('L'), LANCZOS resize to size x size, one bit per pixel brighter
// than the mean. size must be 2..16.
func NewAHash(size int) (*ImageHash, error) {
	if err := checkHashSize("ahash", size); err != nil {
		return nil, err
	}
	return newImageHash(fmt.Sprintf("ahash%d", size), "ahash", ihAverage, size, 0, size*size), nil
}

// NewDHash returns imagehash.dhash(image, hash_size=size): Pillow
// convert('L'), LANCZOS resize to (size+1) x size, one bit per pixel whose
// right neighbour is brighter. size must be 2..16.
func NewDHash(size int) (*ImageHash, error) {
	if err := checkHashSize("dhash", size); err != nil {
		return nil, err
	}
	return newImageHash(fmt.Sprintf("dhash%d", size), "dhash", ihDifference, size, 0, size*size), nil
}

// NewDHashVertical returns imagehash.dhash_vertical(image, hash_size=size):
// Pillow convert('L'), LANCZOS resize to size x (size+1), one bit per pixel
// whose lower neighbour is brighter. size must be 2..16.
func NewDHashVertical(size int) (*ImageHash, error) {
	if err := checkHashSize("dhash_vertical", size); err != nil {
		return nil, err
	}
	return newImageHash(fmt.Sprintf("dhashv%d", size), "dhash-vertical", ihDifferenceVertical, size, 0, size*size), nil
}

// NewPHash returns imagehash.phash(image, hash_size=size,
// highfreq_factor=highfreq): Pillow convert('L'), LANCZOS resize to n x n
// with n = size*highfreq, unnormalised DCT-II (scipy.fftpack.dct) along
// columns then rows, and one bit per coefficient of the low size x size
// block above that block's median. size must be 2..16, highfreq 1..64.
func NewPHash(size, highfreq int) (*ImageHash, error) {
	return newDCTHash("phash", "phash", ihPerceptual, size, highfreq, 1)
}

// NewPHashSimple returns imagehash.phash_simple(image, hash_size=size,
// highfreq_factor=highfreq): Pillow convert('L'), LANCZOS resize to n x n
// with n = size*highfreq, unnormalised DCT-II along rows only, and one bit
// per coefficient of rows 0..size-1, columns 1..size above their mean.
// size must be 2..16 and highfreq at least 2 (so that n > size).
func NewPHashSimple(size, highfreq int) (*ImageHash, error) {
	return newDCTHash("phash_simple", "phash-simple", ihPerceptualSimple, size, highfreq, 2)
}

// newDCTHash checks the arguments of imagehash function fn (a DCT hash
// with highfreq_factor minHF..64) and returns the hasher of kind, named
// kind+size with "-hf" and the factor appended when it is not 4.
func newDCTHash(fn string, kind Kind, m ihMethod, size, highfreq, minHF int) (*ImageHash, error) {
	if err := checkHashSize(fn, size); err != nil {
		return nil, err
	}
	if highfreq < minHF || highfreq > 64 {
		return nil, fmt.Errorf("phash: %s: highfreq_factor %d outside %d..64", fn, highfreq, minHF)
	}
	name := fmt.Sprintf("%s%d", kind, size)
	if highfreq != 4 {
		name += fmt.Sprintf("-hf%d", highfreq)
	}
	return newImageHash(name, kind, m, size, highfreq, size*size), nil
}

func mustImageHash(h *ImageHash, err error) *ImageHash {
	if err != nil {
		panic(err)
	}
	return h
}

// Registered imagehash presets. Each is bit-exact with imagehash 4.3 under
// Pillow 9.4 at its default arguments except hash_size.
var (
	// AHash8 is average_hash, hash_size 8 (64 bits).
	AHash8 = mustImageHash(NewAHash(8))
	// AHash16 is average_hash, hash_size 16 (256 bits).
	AHash16 = mustImageHash(NewAHash(16))
	// DHash8 is dhash, hash_size 8.
	DHash8 = mustImageHash(NewDHash(8))
	// DHash16 is dhash, hash_size 16.
	DHash16 = mustImageHash(NewDHash(16))
	// DHashV8 is dhash_vertical, hash_size 8.
	DHashV8 = mustImageHash(NewDHashVertical(8))
	// PHash8 is phash, hash_size 8, highfreq_factor 4 (32x32 DCT).
	PHash8 = mustImageHash(NewPHash(8, 4))
	// PHash16 is phash, hash_size 16, highfreq_factor 4 (64x64 DCT).
	PHash16 = mustImageHash(NewPHash(16, 4))
	// PHashSimple8 is phash_simple, hash_size 8, highfreq_factor 4.
	PHashSimple8 = mustImageHash(NewPHashSimple(8, 4))
	// WHash8 is whash, hash_size 8, mode haar, remove_max_haar_ll.
	WHash8 = mustImageHash(NewWHash(8))
	// ColorHash is colorhash, binbits 3 (42 bits).
	ColorHash = mustImageHash(NewColorHash(3))
)

func init() {
	for _, h := range []*ImageHash{AHash8, AHash16, DHash8, DHash16, DHashV8,
		PHash8, PHash16, PHashSimple8, WHash8, ColorHash} {
		Register(h)
	}
}
