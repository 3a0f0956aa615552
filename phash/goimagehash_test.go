package phash_test

import (
	"testing"

	"github.com/corona10/goimagehash"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

func TestGoImageHashConformance(t *testing.T) {
	for _, h := range []phash.Hasher{phash.GoImageHashAverage, phash.GoImageHashDiff, phash.GoImageHashPercept} {
		t.Run(h.Name(), func(t *testing.T) { phashtest.TestHasher(t, h) })
	}
}

// The wrappers print exactly what goimagehash's own ToString prints after
// its "a:"/"d:"/"p:" prefix.
func TestGoImageHashMatchesLibrary(t *testing.T) {
	img := loadPNG(t, "testdata/formats/chelsea-small.png")
	lib := map[string]func() (*goimagehash.ImageHash, error){
		"goimagehash-ahash": func() (*goimagehash.ImageHash, error) { return goimagehash.AverageHash(img) },
		"goimagehash-dhash": func() (*goimagehash.ImageHash, error) { return goimagehash.DifferenceHash(img) },
		"goimagehash-phash": func() (*goimagehash.ImageHash, error) { return goimagehash.PerceptionHash(img) },
	}
	for name, f := range lib {
		got := phashtest.Hash(t, phashtest.Hashers(t, name)[0], img)
		want, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if s := want.ToString(); got.String() != s[2:] {
			t.Errorf("%s: %s, library prints %s", name, got, s)
		}
	}
}
