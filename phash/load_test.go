package phash_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/privmatch/privmatch/phash"
)

func loadPNG(t *testing.T, path string) image.Image {
	t.Helper()
	img, err := phash.Load(path, phash.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func samePixels(a, b image.Image) bool {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return false
	}
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			c1 := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			c2 := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.NRGBA)
			if c1 != c2 {
				return false
			}
		}
	}
	return true
}

func TestLoadFormats(t *testing.T) {
	ref := loadPNG(t, "testdata/formats/chelsea-small.png")
	// Each case encodes ref (or names a file made from it) and decodes it
	// with phash's loader: lossless formats give ref's pixels back, lossy
	// ones its size.
	for _, tc := range []struct {
		name     string
		encode   func(*bytes.Buffer) error // nil: load file instead
		file     string
		lossless bool
	}{
		{"png", func(b *bytes.Buffer) error { return png.Encode(b, ref) }, "", true},
		{"bmp", func(b *bytes.Buffer) error { return bmp.Encode(b, ref) }, "", true},
		{"tiff", func(b *bytes.Buffer) error { return tiff.Encode(b, ref, nil) }, "", true},
		{"webp-lossless", nil, "testdata/formats/chelsea-lossless.webp", true},
		{"jpeg", func(b *bytes.Buffer) error { return jpeg.Encode(b, ref, &jpeg.Options{Quality: 90}) }, "", false},
		{"gif", func(b *bytes.Buffer) error { return gif.Encode(b, ref, nil) }, "", false},
		{"webp-lossy", nil, "testdata/formats/chelsea-lossy.webp", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var img image.Image
			var err error
			if tc.encode == nil {
				img, err = phash.Load(tc.file, phash.LoadOptions{})
			} else {
				var buf bytes.Buffer
				if err := tc.encode(&buf); err != nil {
					t.Fatal(err)
				}
				img, err = phash.DecodeBytes(buf.Bytes(), phash.LoadOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.lossless && !samePixels(ref, img) {
				t.Fatalf("%s round trip changed pixels", tc.name)
			}
			if img.Bounds().Dx() != 90 || img.Bounds().Dy() != 60 {
				t.Fatalf("size %v", img.Bounds())
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := jpeg.Encode(&good, loadPNG(t, "testdata/formats/chelsea-small.png"), nil); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty.jpg":     nil,
		"garbage.png":   []byte("this is not an image at all"),
		"truncated.jpg": good.Bytes()[:good.Len()/2],
		"bomb.png":      pngHeader(200000, 200000),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := phash.Load(path, phash.LoadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error %q does not name the file", err)
			}
		})
	}
	if _, err := phash.Load(filepath.Join(dir, "missing.jpg"), phash.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "missing.jpg") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := phash.Load("testdata/formats/chelsea-small.png", phash.LoadOptions{MaxFileBytes: 100}); err == nil {
		t.Fatal("file over MaxFileBytes accepted")
	}
	if _, err := phash.Load("testdata/formats/chelsea-small.png", phash.LoadOptions{MaxPixels: 90*60 - 1}); err == nil {
		t.Fatal("image over MaxPixels accepted")
	}
}

// pngHeader returns the signature and IHDR chunk of a PNG of the given size
// with no image data: a decompression-bomb header.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	writePNGChunk(&b, "IHDR", ihdr)
	return b.Bytes()
}

func writePNGChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}

// tiffWithOrientation returns a little- or big-endian TIFF IFD holding one
// Orientation entry.
func tiffWithOrientation(o uint16, big bool) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	hdr := "II*\x00"
	if big {
		bo, hdr = binary.BigEndian, "MM\x00*"
	}
	t := make([]byte, 8+2+12+4)
	copy(t, hdr)
	bo.PutUint32(t[4:], 8)
	bo.PutUint16(t[8:], 1)
	bo.PutUint16(t[10:], 0x0112)
	bo.PutUint16(t[12:], 3)
	bo.PutUint32(t[14:], 1)
	bo.PutUint16(t[18:], o)
	return t
}

func jpegWithOrientation(t *testing.T, img image.Image, o uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), tiffWithOrientation(o, o%2 == 0)...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	data := buf.Bytes()
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

func TestExifOrientation(t *testing.T) {
	img := loadPNG(t, "testdata/formats/chelsea-small.png")
	for o := uint16(1); o <= 8; o++ {
		if got := phash.ExifOrientation(jpegWithOrientation(t, img, o)); got != int(o) {
			t.Errorf("jpeg orientation %d read as %d", o, got)
		}
		if got := phash.ExifOrientation(tiffWithOrientation(o, true)); got != int(o) {
			t.Errorf("tiff orientation %d read as %d", o, got)
		}
	}
	webp, err := os.ReadFile("testdata/formats/chelsea-lossless.webp")
	if err != nil {
		t.Fatal(err)
	}
	if got := phash.ExifOrientation(webp); got != 1 {
		t.Errorf("webp without EXIF read as %d", got)
	}
	chunk := append([]byte("EXIF\x00\x00\x00\x00"), tiffWithOrientation(6, false)...)
	binary.LittleEndian.PutUint32(chunk[4:], uint32(len(chunk)-8))
	webpExif := append(append([]byte{}, webp...), chunk...)
	if got := phash.ExifOrientation(webpExif); got != 6 {
		t.Errorf("webp EXIF chunk read as %d", got)
	}
	var pngBuf bytes.Buffer
	writePNGChunk(&pngBuf, "eXIf", tiffWithOrientation(8, true))
	pngData := append(append([]byte("\x89PNG\r\n\x1a\n"), pngHeader(1, 1)[8:]...), pngBuf.Bytes()...)
	if got := phash.ExifOrientation(pngData); got != 8 {
		t.Errorf("png eXIf read as %d", got)
	}
	for _, bad := range [][]byte{nil, {0xff, 0xd8}, {0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff}, tiffWithOrientation(9, false), tiffWithOrientation(0, true)} {
		if got := phash.ExifOrientation(bad); got != 1 {
			t.Errorf("malformed metadata %x read as %d, want 1", bad, got)
		}
	}
}

func TestOrient(t *testing.T) {
	// A 3x2 image with a distinct colour per pixel: stored (x, y) has red x, green y.
	src := image.NewNRGBA(image.Rect(10, 20, 13, 22))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			src.SetNRGBA(10+x, 20+y, color.NRGBA{uint8(x), uint8(y), 0, 255})
		}
	}
	at := func(img image.Image, x, y int) [2]uint8 {
		c := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).(color.NRGBA)
		return [2]uint8{c.R, c.G}
	}
	// For each orientation: displayed size and the stored pixel that shows
	// at the displayed top-left and at displayed (1, 0).
	cases := []struct {
		o              int
		w, h           int
		topLeft, right [2]uint8
	}{
		{1, 3, 2, [2]uint8{0, 0}, [2]uint8{1, 0}},
		{2, 3, 2, [2]uint8{2, 0}, [2]uint8{1, 0}},
		{3, 3, 2, [2]uint8{2, 1}, [2]uint8{1, 1}},
		{4, 3, 2, [2]uint8{0, 1}, [2]uint8{1, 1}},
		{5, 2, 3, [2]uint8{0, 0}, [2]uint8{0, 1}},
		{6, 2, 3, [2]uint8{0, 1}, [2]uint8{0, 0}},
		{7, 2, 3, [2]uint8{2, 1}, [2]uint8{2, 0}},
		{8, 2, 3, [2]uint8{2, 0}, [2]uint8{2, 1}},
	}
	for _, tc := range cases {
		got := phash.Orient(src, tc.o)
		if b := got.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("orientation %d: size %dx%d, want %dx%d", tc.o, b.Dx(), b.Dy(), tc.w, tc.h)
			continue
		}
		if g := at(got, 0, 0); g != tc.topLeft {
			t.Errorf("orientation %d: top-left shows stored %v, want %v", tc.o, g, tc.topLeft)
		}
		if g := at(got, 1, 0); g != tc.right {
			t.Errorf("orientation %d: (1,0) shows stored %v, want %v", tc.o, g, tc.right)
		}
	}
	// Orientation 6 then 8 is the identity.
	if !samePixels(src, phash.Orient(phash.Orient(src, 6), 8)) {
		t.Error("rotate 90 then 270 is not the identity")
	}
	// Load applies orientation only when asked.
	dir := t.TempDir()
	path := filepath.Join(dir, "rotated.jpg")
	ref := loadPNG(t, "testdata/formats/chelsea-small.png")
	if err := os.WriteFile(path, jpegWithOrientation(t, ref, 6), 0o644); err != nil {
		t.Fatal(err)
	}
	plain, err := phash.Load(path, phash.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Bounds().Dx() != 90 {
		t.Fatalf("orientation applied by default: %v", plain.Bounds())
	}
	turned, err := phash.Load(path, phash.LoadOptions{ApplyOrientation: true})
	if err != nil {
		t.Fatal(err)
	}
	if turned.Bounds().Dx() != 60 || turned.Bounds().Dy() != 90 {
		t.Fatalf("orientation 6 not applied: %v", turned.Bounds())
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, p := range []string{"testdata/formats/chelsea-lossy.webp", "testdata/formats/chelsea-lossless.webp"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	var j bytes.Buffer
	_ = jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 8, 8)), nil)
	f.Add(j.Bytes())
	var g bytes.Buffer
	_ = gif.Encode(&g, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	f.Add(g.Bytes())
	f.Add(pngHeader(3, 3))
	f.Add(tiffWithOrientation(6, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := phash.DecodeBytes(data, phash.LoadOptions{ApplyOrientation: true, MaxPixels: 1 << 20})
		if err != nil {
			if img != nil {
				t.Fatal("image returned with an error")
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx()*b.Dy() > 1<<20 {
			t.Fatalf("decoded image of bounds %v", b)
		}
	})
}

func FuzzExifOrientation(f *testing.F) {
	f.Add(tiffWithOrientation(6, false))
	f.Add(tiffWithOrientation(3, true))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', '*', 0, 8, 0, 0, 0})
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPEXIF\xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := phash.ExifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d outside 1..8", o)
		}
	})
}
