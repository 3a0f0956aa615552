package phash_test

import (
	"fmt"
	"image"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// BenchmarkHash times PDQ hashing of decoded vector images (decoding
// excluded): bridge-1-original.jpg (1600x1004, YCbCr 4:2:0) and
// square-256x256.jpg (256x256), each alone and as a mix of one of each per
// iteration (the mix the reference command line was timed on). It reports
// images/s.
func BenchmarkHash(b *testing.B) {
	dir := phash.VectorDir(b, "pdq", "expected.csv")
	big := phash.DecodeFile(b, filepath.Join(dir, "images", "bridge-1-original.jpg"))
	small := phash.DecodeFile(b, filepath.Join(dir, "images", "square-256x256.jpg"))
	size := func(img image.Image) string {
		s := img.Bounds().Size()
		return fmt.Sprintf("%dx%d", s.X, s.Y)
	}
	for _, h := range []*phash.PDQHasher{phash.PDQ, phash.PDQRef512} {
		for _, c := range []struct {
			name string
			imgs []image.Image
		}{
			{size(big), []image.Image{big}},
			{size(small), []image.Image{small}},
			{"mix", []image.Image{big, small}},
		} {
			b.Run("alg="+h.Name()+"/size="+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, img := range c.imgs {
						if _, _, err := h.HashQuality(img); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N*len(c.imgs))/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

// BenchmarkPDQDihedral times the eight dihedral hashes of the 1600x1004
// image at full resolution.
func BenchmarkPDQDihedral(b *testing.B) {
	dir := phash.VectorDir(b, "pdq", "expected.csv")
	img := phash.DecodeFile(b, filepath.Join(dir, "images", "bridge-1-original.jpg"))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := phash.PDQ.Dihedral(img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
