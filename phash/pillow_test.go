package phash

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
)

// TestPillowResizeVectors checks Pillow 9.4 LANCZOS resizes of the oracle
// images' convert('L') to several sizes against SHA-256 digests of Pillow's
// output bytes (testdata/imagehash/resize.csv, written by gen.py).
func TestPillowResizeVectors(t *testing.T) {
	dir := filepath.Join("testdata", "imagehash")
	f, err := os.Open(filepath.Join(dir, "resize.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("resize.csv: %v (%d rows)", err, len(rows))
	}
	cache := map[string][]uint8{}
	dims := map[string][2]int{}
	for _, row := range rows[1:] {
		name, size, want := row[0], row[1], row[2]
		if _, ok := cache[name]; !ok {
			img := pillowTestDecode(t, filepath.Join(dir, "img", name))
			rgb, w, h := pixels.RGB(nil, img)
			cache[name] = pillowLuma(nil, rgb)
			dims[name] = [2]int{w, h}
		}
		var ow, oh int
		if _, err := fmt.Sscanf(size, "%dx%d", &ow, &oh); err != nil {
			t.Fatalf("bad size %q", size)
		}
		d := dims[name]
		out, _ := pillowResizeL(nil, nil, cache[name], d[0], d[1], ow, oh)
		sum := sha256.Sum256(out)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s -> %s: digest %s, want %s", name, size, got, want)
		}
	}
}

func pillowTestDecode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestPillowColoursAll checks convert('L') and convert('HSV') hue and
// saturation for all 2^24 RGB colours against digests of Pillow's output.
func TestPillowColoursAll(t *testing.T) {
	if testing.Short() {
		t.Skip("2^24 colours; skipped under -short")
	}
	f, err := os.Open(filepath.Join("testdata", "imagehash", "colours.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		want[k] = v
	}
	hs := sha256.New()
	ls := sha256.New()
	rgb := make([]byte, 3*256)
	buf := make([]byte, 2*256)
	var lum []uint8
	for r := 0; r < 256; r++ {
		for g := 0; g < 256; g++ {
			for b := 0; b < 256; b++ {
				rgb[3*b], rgb[3*b+1], rgb[3*b+2] = uint8(r), uint8(g), uint8(b)
				buf[2*b], buf[2*b+1] = pillowHueSat(uint8(r), uint8(g), uint8(b))
			}
			hs.Write(buf)
			lum = pillowLuma(lum, rgb)
			ls.Write(lum)
		}
	}
	if got := hex.EncodeToString(hs.Sum(nil)); got != want["hs"] {
		t.Errorf("HSV hue/saturation digest %s, want %s", got, want["hs"])
	}
	if got := hex.EncodeToString(ls.Sum(nil)); got != want["l"] {
		t.Errorf("L digest %s, want %s", got, want["l"])
	}
}
