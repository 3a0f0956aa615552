package phash

import (
	"encoding/csv"
	"image"
	_ "image/jpeg" // decoders for decodeFile
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash/jpeg"
)

// The file helpers every phash test shares; export_test.go hands them to
// the external test package.

// vectorDir returns testdata/vectors/sub, failing the test when file
// (relative to it) is missing: the reference vectors travel with the
// repository, so every clone checks them and none skips.
func vectorDir(t testing.TB, sub, file string) string {
	t.Helper()
	v := filepath.Join("testdata", "vectors", sub)
	if _, err := os.Stat(filepath.Join(v, file)); err != nil {
		t.Fatalf("reference vectors missing at %s: %v", v, err)
	}
	return v
}

// readCSV returns every row of a CSV file, header included, failing the
// test when it has no data row.
func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) < 2 {
		t.Fatalf("%s: no data rows", path)
	}
	return rows
}

// decodeFile decodes an image file with Go's image.Decode (image/jpeg,
// image/png), not with Load's default: the reference vectors' expected
// values were computed from those decoders' pixels.
func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// rocketJPEG decodes testdata/photos/rocket.jpg with phash/jpeg.
func rocketJPEG(t testing.TB) image.Image {
	t.Helper()
	data, err := os.ReadFile("../testdata/photos/rocket.jpg")
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := jpeg.DecodeBytes(data, jpeg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}
