// Package phash computes perceptual image hashes bit-exact with their
// reference implementations: Meta's PDQ (C++ reference), the Python imagehash
// family (ahash, dhash, phash, whash, colorhash) and the Go goimagehash
// variants.
//
// Start here: pick a Hasher from the registry (All, ByName) or a package
// value such as PDQ, hash an image.Image (Load decodes a file), and compare
// two hashes with Distance against the hasher's Threshold:
//
//	img, err := phash.Load("photo.jpg", phash.LoadOptions{})
//	h, err := phash.PDQ.Hash(img)
//	d, err := phash.Distance(h, listed)
//	match := d <= phash.PDQ.Threshold().Distance
//
// Every Hasher is stateless and safe for concurrent use. Each one documents
// the colour conversion and resize method it uses, since the hash depends on
// both. Images are read through their Bounds, which need not start at (0,0).
//
// Alpha is dropped, never composited: hashers read each pixel's
// un-premultiplied 8-bit red, green and blue, as stored in a PNG and as the
// references read them (Pillow's convert('L') and PDQ's reader both ignore
// the alpha channel). A fully transparent pixel keeps the colour stored
// under it. Colour conversion from Go's decoded types (YCbCr, CMYK,
// paletted) follows the standard library's own 8-bit conversions.
//
// Where things are: phash.go (this registry), hash.go (the Hash value,
// Distance, ParseHash), load.go and exif.go (decoding files), one file per
// algorithm (pdq*.go, imagehash*.go, whash.go, colorhash.go,
// goimagehash.go), pillow_*.go (Pillow's convert('L') and LANCZOS resize
// that the imagehash family depends on) and features.go (the inputs a hash
// reads, PillowGrey and PDQLuma64, for computing its later stages
// elsewhere). Subpackages: jpeg (libjpeg-turbo's
// pixels in pure Go), transform (the edits of the robustness suite), attack
// (evasion and collision attacks) and phashtest (the conformance suite).
package phash

import (
	"fmt"
	"image"
	"sort"
	"sync"
)

// CodeVersion versions the hash implementations in this package. Bump it
// whenever any registered hasher's output changes for some image, so that
// caches of computed hashes (package bench) are invalidated.
const CodeVersion = 1

// Threshold is a hasher's recommended match threshold: two images match when
// the Hamming distance of their hashes is at most Distance.
type Threshold struct {
	Distance int
	// Source says where the number comes from.
	Source string
}

// Hasher computes one perceptual hash. Implementations are stateless and
// safe for concurrent use.
type Hasher interface {
	// Name is the registry name, such as "pdq" or "phash8".
	Name() string
	// Kind is the hash family, shared by hashers whose outputs compare.
	Kind() Kind
	// Bits is the hash length.
	Bits() int
	// Threshold is the recommended match threshold and its source.
	Threshold() Threshold
	// Hash hashes an image. It fails only for an empty image.
	Hash(img image.Image) (Hash, error)
}

// QualityHasher is a Hasher that also scores how much the image's content
// supports its hash, as PDQ does (0..100; hashes at or below a floor are
// usually discarded).
type QualityHasher interface {
	Hasher
	// HashQuality returns the hash and its quality score.
	HashQuality(img image.Image) (Hash, int, error)
	// MinQuality is the quality at or below which the reference discards
	// a hash.
	MinQuality() int
}

var (
	regMu    sync.RWMutex
	registry = map[string]Hasher{}
)

// Register adds a hasher to the registry under its Name. It is safe to
// call concurrently with All, Names and ByName. It panics if the name is
// taken: registration happens at init time and a clash is a programming
// error.
func Register(h Hasher) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[h.Name()]; dup {
		panic("phash: hasher registered twice: " + h.Name())
	}
	registry[h.Name()] = h
}

// All returns every registered hasher in a fixed order: the order of
// registration names sorted by Names.
func All() []Hasher {
	regMu.RLock()
	defer regMu.RUnlock()
	names := namesLocked()
	out := make([]Hasher, len(names))
	for i, n := range names {
		out[i] = registry[n]
	}
	return out
}

// Names returns the registered hasher names in their canonical order.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	return namesLocked()
}

// namesLocked is Names for a caller holding regMu.
func namesLocked() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := orderOf(names[i]), orderOf(names[j])
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	return names
}

// canonicalOrder lists the built-in names in the order the command and the
// report print them; names not listed sort after, alphabetically.
var canonicalOrder = []string{
	"pdq", "pdq-ref512",
	"ahash8", "ahash16", "dhash8", "dhash16", "dhashv8",
	"phash8", "phash16", "phash-simple8", "whash8", "colorhash",
	"goimagehash-ahash", "goimagehash-dhash", "goimagehash-phash",
}

func orderOf(name string) int {
	for i, n := range canonicalOrder {
		if n == name {
			return i
		}
	}
	return len(canonicalOrder)
}

// ByName returns the registered hasher with the given name.
func ByName(name string) (Hasher, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	h, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("phash: unknown algorithm %q (known: %v)", name, namesLocked())
	}
	return h, nil
}

// checkImage rejects images a hasher cannot read.
func checkImage(img image.Image) error {
	if img == nil {
		return fmt.Errorf("phash: nil image")
	}
	if b := img.Bounds(); b.Empty() {
		return fmt.Errorf("phash: empty image (bounds %v)", b)
	}
	return nil
}
