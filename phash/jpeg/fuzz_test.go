package jpeg

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that any input either fails with an error wrapping
// ErrFormat or decodes to an image of the size DecodeConfig reports, and
// that DecodeRGB then gives the same pixels as DecodeBytes.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob("testdata/libjpeg/*_13x17_*.jpg")
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	poison, err := os.ReadFile("testdata/libjpeg/cj_127x61_smooth_q90_1x1-1x1-1x1.jpg")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxPixels: 1 << 16}
		img, _, err := DecodeBytes(data, opts)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decoded, but DecodeConfig fails: %v", err)
		}
		b := img.Bounds()
		if b != image.Rect(0, 0, cfg.Width, cfg.Height) || b.Empty() {
			t.Fatalf("bounds %v, config %dx%d", b, cfg.Width, cfg.Height)
		}
		rgb, w, h, _, err := DecodeRGB(nil, data, opts)
		if err != nil || w != cfg.Width || h != cfg.Height {
			t.Fatalf("DecodeRGB %dx%d %v", w, h, err)
		}
		if m, ok := img.(*RGB); ok && !bytes.Equal(m.Pix, rgb) {
			t.Fatal("DecodeRGB and DecodeBytes disagree")
		}
		// Decoding is deterministic even after another image has left
		// its samples in the pooled buffers.
		DecodeRGB(nil, poison, Options{})
		again, _, _, _, _ := DecodeRGB(nil, data, opts)
		if !bytes.Equal(again, rgb) {
			t.Fatal("a second decode differs from the first")
		}
	})
}
