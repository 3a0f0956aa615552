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
			img := decodeFile(t, filepath.Join(dir, "img", name))
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

// TestLumaYCbCrAll checks the fused YCbCr luma against pixels.RGB followed
// by pillowLuma for all 2^24 (Y, Cb, Cr) triples, and lumaOf on a
// subsampled image with a non-zero origin.
func TestLumaYCbCrAll(t *testing.T) {
	if testing.Short() {
		t.Skip("2^24 triples; skipped under -short")
	}
	img := image.NewYCbCr(image.Rect(0, 0, 256, 256), image.YCbCrSubsampleRatio444)
	var rgb, lum []byte
	for cr := 0; cr < 256; cr++ {
		for i := range img.Y {
			img.Y[i], img.Cb[i], img.Cr[i] = uint8(i%256), uint8(i/256), uint8(cr)
		}
		rgb, _, _ = pixels.RGB(rgb, img)
		lum = pillowLuma(lum, rgb)
		for i, want := range lum {
			if got := ycbcrLuma(img.Y[i], img.Cb[i], img.Cr[i]); got != want {
				t.Fatalf("Y=%d Cb=%d Cr=%d: luma %d, want %d", img.Y[i], img.Cb[i], cr, got, want)
			}
		}
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		for _, r := range []image.Rectangle{image.Rect(-3, 5, 40, 31), image.Rect(0, 0, 17, 9), image.Rect(2, -7, 31, 12)} {
			parent := image.NewYCbCr(r.Inset(-2), ratio)
			for i := range parent.Y {
				parent.Y[i] = uint8(i * 7)
			}
			for i := range parent.Cb {
				parent.Cb[i], parent.Cr[i] = uint8(i*13), uint8(i*29)
			}
			for _, sub := range []image.Image{parent, parent.SubImage(r), parent.SubImage(r.Add(image.Pt(1, 1)))} {
				rgb, _, _ = pixels.RGB(nil, sub)
				want := pillowLuma(nil, rgb)
				got, _, w, h := lumaOf(nil, nil, sub)
				if w != sub.Bounds().Dx() || h != sub.Bounds().Dy() || string(got) != string(want) {
					t.Fatalf("lumaOf(%v at %v) differs from pillowLuma(pixels.RGB)", ratio, sub.Bounds())
				}
			}
		}
	}
}
