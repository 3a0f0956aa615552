package phash_test

import (
	"bytes"
	"image"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

// TestHashJPEGRGBFastPath checks that every hasher gives the same hash for
// phash/jpeg's *jpeg.RGB as for the same pixels in an *image.NRGBA, so the
// fast paths that read its rows in place change nothing.
func TestHashJPEGRGBFastPath(t *testing.T) {
	img := phash.RocketJPEG(t)
	rgb, w, h := pixels.RGB(nil, img)
	n := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(n.Pix[4*i:4*i+3], rgb[3*i:3*i+3])
		n.Pix[4*i+3] = 0xff
	}
	if again, _, _ := pixels.RGB(nil, n); !bytes.Equal(again, rgb) {
		t.Fatal("NRGBA copy differs")
	}
	for _, hs := range phash.All() {
		if a, b := phashtest.Hash(t, hs, img), phashtest.Hash(t, hs, n); a != b {
			t.Errorf("%s: *jpeg.RGB %v, *image.NRGBA %v", hs.Name(), a, b)
		}
	}
}
