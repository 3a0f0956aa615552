package imagehash

import (
	"image"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// corpusImage is one decoded test image.
type corpusImage struct {
	name string
	img  image.Image
}

// repoRoot walks up to the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// corpus loads testdata/photos and, when present, the PDQ vector images
// in phash/testdata/vectors/pdq/images.
func corpus(t testing.TB) []corpusImage {
	t.Helper()
	root := repoRoot(t)
	var out []corpusImage
	for _, dir := range []string{filepath.Join(root, "testdata", "photos"), filepath.Join(root, "phash", "testdata", "vectors", "pdq", "images")} {
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		sort.Strings(names)
		if len(names) == 0 {
			t.Logf("corpus: %s absent, skipped", dir)
		}
		for _, n := range names {
			img, err := phash.Load(n, phash.LoadOptions{})
			if err != nil {
				t.Fatalf("load %s: %v", n, err)
			}
			out = append(out, corpusImage{name: filepath.Base(n), img: img})
		}
	}
	if len(out) == 0 {
		t.Skip("no corpus images found")
	}
	return out
}

// plainHasher returns the plaintext hasher alg reproduces.
func plainHasher(alg Alg) phash.Hasher {
	if alg == AlgPDQ {
		return phash.PDQ
	}
	return phash.PHash8
}
