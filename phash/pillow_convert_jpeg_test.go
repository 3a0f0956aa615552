package phash

import (
	"bytes"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash/jpeg"
)

// TestLumaOfJPEGRGB checks lumaOf's fast path for phash/jpeg's images
// against the general path through packed RGB.
func TestLumaOfJPEGRGB(t *testing.T) {
	img := rocketJPEG(t)
	if _, ok := img.(*jpeg.RGB); !ok {
		t.Fatalf("decoded %T", img)
	}
	got, _, w, h := lumaOf(nil, nil, img)
	rgb, w2, h2 := pixels.RGB(nil, img)
	if want := pillowLuma(nil, rgb); w != w2 || h != h2 || !bytes.Equal(got, want) {
		t.Errorf("lumaOf %dx%d differs from pillowLuma of pixels.RGB %dx%d", w, h, w2, h2)
	}
}
