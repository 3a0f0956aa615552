package phash_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// BenchmarkImageHash times each registered imagehash-family hasher on
// decoded vector images (decoding excluded): bridge-1-original.jpg
// (1600x1004, YCbCr 4:2:0) and square-256x256.jpg (256x256). It reports
// images/s. (BenchmarkHash in pdq_bench_test.go covers PDQ only.)
func BenchmarkImageHash(b *testing.B) {
	v := phash.VectorDir(b, ".", filepath.Join("imagehash", "expected.csv"))
	imgs := []string{"bridge-1-original.jpg", "square-256x256.jpg"}
	for _, name := range []string{"ahash8", "ahash16", "dhash8", "dhash16", "dhashv8",
		"phash8", "phash16", "phash-simple8", "whash8", "colorhash"} {
		h, err := phash.ByName(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, file := range imgs {
			img := phash.DecodeFile(b, filepath.Join(v, "pdq", "images", file))
			s := img.Bounds().Size()
			b.Run(fmt.Sprintf("alg=%s/size=%dx%d", name, s.X, s.Y), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := h.Hash(img); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
