// Package phashtest holds the conformance suite every phash.Hasher must pass
// (TestHasher) and helpers for tests: synthetic images (Photo), hashing that
// fails the test on an error (Hash) and registered hashers by name
// (Hashers). It is for tests only.
package phashtest

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// Photo returns a deterministic synthetic w x h image with smooth gradients,
// edges and noise, so that hashes are not degenerate. Its bounds start at
// origin.
func Photo(seed uint64, origin image.Point, w, h int) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	img := image.NewNRGBA(image.Rect(origin.X, origin.Y, origin.X+w, origin.Y+h))
	cx, cy := rng.IntN(w), rng.IntN(h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := uint8((x*255/w + rng.IntN(8)) & 0xff)
			g := uint8((y*255/h + rng.IntN(8)) & 0xff)
			b := uint8(0)
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < w*h/10 {
				b = 200
			}
			img.SetNRGBA(origin.X+x, origin.Y+y, color.NRGBA{r, g, b, 255})
		}
	}
	return img
}

// Hash returns h's hash of img, failing the test on an error.
func Hash(t testing.TB, h phash.Hasher, img image.Image) phash.Hash {
	t.Helper()
	x, err := h.Hash(img)
	if err != nil {
		t.Fatalf("%s: %v", h.Name(), err)
	}
	return x
}

// Hashers returns the registered hashers of the given names, failing the
// test when one is not registered.
func Hashers(t testing.TB, names ...string) []phash.Hasher {
	t.Helper()
	out := make([]phash.Hasher, len(names))
	for i, n := range names {
		h, err := phash.ByName(n)
		if err != nil {
			t.Fatalf("hasher %s not registered: %v", n, err)
		}
		out[i] = h
	}
	return out
}

// TestHasher runs the conformance suite on h: determinism, distance to self
// zero, symmetry of distance, the declared length and kind, independence from
// the bounds' origin, concurrent use, and an error for an empty image.
func TestHasher(t *testing.T, h phash.Hasher) {
	t.Helper()
	a := Photo(1, image.Point{}, 97, 61)
	b := Photo(2, image.Point{}, 97, 61)

	t.Run("deterministic", func(t *testing.T) {
		h1, h2 := Hash(t, h, a), Hash(t, h, a)
		if h1 != h2 {
			t.Fatalf("two hashes of one image differ: %v %v", h1, h2)
		}
		if d, err := phash.Distance(h1, h2); err != nil || d != 0 {
			t.Fatalf("distance to self = %d, %v", d, err)
		}
	})
	t.Run("length-and-kind", func(t *testing.T) {
		x := Hash(t, h, a)
		if x.Bits() != h.Bits() || x.Kind() != h.Kind() {
			t.Fatalf("hash is %s/%d, hasher declares %s/%d", x.Kind(), x.Bits(), h.Kind(), h.Bits())
		}
		if got := len(x.String()); got != (h.Bits()+3)/4 {
			t.Fatalf("hex length %d for %d bits", got, h.Bits())
		}
		back, err := phash.ParseHash(x.Kind(), x.Bits(), x.String())
		if err != nil || back != x {
			t.Fatalf("ParseHash(String()) = %v, %v; want %v", back, err, x)
		}
	})
	t.Run("symmetric", func(t *testing.T) {
		ha, hb := Hash(t, h, a), Hash(t, h, b)
		d1, err1 := phash.Distance(ha, hb)
		d2, err2 := phash.Distance(hb, ha)
		if err1 != nil || err2 != nil || d1 != d2 {
			t.Fatalf("d(a,b)=%d,%v d(b,a)=%d,%v", d1, err1, d2, err2)
		}
		if d1 < 0 || d1 > h.Bits() {
			t.Fatalf("distance %d outside 0..%d", d1, h.Bits())
		}
	})
	t.Run("bounds-origin", func(t *testing.T) {
		shifted := Photo(1, image.Pt(-13, 29), 97, 61)
		h0, h1 := Hash(t, h, a), Hash(t, h, shifted)
		if h0 != h1 {
			t.Fatalf("hash depends on bounds origin: %v vs %v", h0, h1)
		}
		// A sub-image shares pixels with its parent but not the origin.
		big := image.NewNRGBA(image.Rect(0, 0, 140, 100))
		draw.Draw(big, image.Rect(20, 30, 117, 91), a, image.Point{}, draw.Src)
		sub := big.SubImage(image.Rect(20, 30, 117, 91))
		if h2 := Hash(t, h, sub); h0 != h2 {
			t.Fatalf("hash of sub-image differs: %v vs %v", h0, h2)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		want := Hash(t, h, a)
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 4; j++ {
					got, err := h.Hash(a)
					if err != nil || got != want {
						errs <- "concurrent hash differs"
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}
	})
	t.Run("empty-image", func(t *testing.T) {
		if _, err := h.Hash(image.NewNRGBA(image.Rect(5, 5, 5, 9))); err == nil {
			t.Fatal("no error for an empty image")
		}
	})
	t.Run("tiny-image", func(t *testing.T) {
		// A 1x1 image must hash or fail cleanly, never panic.
		_, _ = h.Hash(Photo(3, image.Point{}, 1, 1))
		_, _ = h.Hash(Photo(3, image.Point{}, 3, 2))
	})
}
