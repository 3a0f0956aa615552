package jpeg

import (
	"bytes"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecode decodes the repository's JPEG photographs with this
// package (into a reused RGB buffer) and with image/jpeg, one at a time.
func BenchmarkDecode(b *testing.B) {
	files, _ := filepath.Glob("../../testdata/photos/*.jpg")
	if len(files) == 0 {
		b.Skip("no JPEG photos in testdata/photos")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		name := filepath.Base(f)
		b.Run("dec=libjpeg/file="+name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				if buf, _, _, _, err = DecodeRGB(buf, data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cfg.Width*cfg.Height)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpix/s")
		})
		b.Run("dec=go/file="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := stdjpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cfg.Width*cfg.Height)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpix/s")
		})
	}
}
