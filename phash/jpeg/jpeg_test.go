package jpeg

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type digestCase struct {
	sum, kind, size, name string
}

func readDigests(t testing.TB) []digestCase {
	t.Helper()
	f, err := os.Open("testdata/digests.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cs []digestCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 {
			t.Fatalf("digests.txt: bad line %q", sc.Text())
		}
		cs = append(cs, digestCase{fs[0], fs[1], fs[2], fs[3]})
	}
	if len(cs) < 200 {
		t.Fatalf("digests.txt: only %d cases", len(cs))
	}
	return cs
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestLibjpegDigests decodes every checked-in JPEG and compares the pixels
// with libjpeg-turbo 2.1.5's (djpeg, Pillow), by SHA-256.
func TestLibjpegDigests(t *testing.T) {
	cases := readDigests(t)
	stdSame := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/libjpeg", c.name))
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := DecodeBytes(data, Options{})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			b := img.Bounds()
			if got := fmt.Sprintf("%dx%d", b.Dx(), b.Dy()); got != c.size {
				t.Fatalf("size %s, want %s", got, c.size)
			}
			switch c.kind {
			case "cmyk":
				m, ok := img.(*image.CMYK)
				if !ok {
					t.Fatalf("decoded %T, want *image.CMYK", img)
				}
				if got := sum(m.Pix); got != c.sum {
					t.Errorf("CMYK digest %s, want %s", got, c.sum)
				}
			case "rgb":
				rgb, _, _, _, err := DecodeRGB(nil, data, Options{})
				if err != nil {
					t.Fatalf("DecodeRGB: %v", err)
				}
				if got := sum(rgb); got != c.sum {
					t.Errorf("RGB digest %s, want %s", got, c.sum)
				}
				if m, ok := img.(*RGB); ok && !bytes.Equal(m.Pix, rgb) {
					t.Errorf("DecodeBytes and DecodeRGB disagree")
				}
				if std, err := stdjpeg.Decode(bytes.NewReader(data)); err == nil && sum(stdRGB(std)) == c.sum {
					stdSame++
				}
			default:
				t.Fatalf("unknown kind %q", c.kind)
			}
		})
	}
	// The set is meant to tell libjpeg's pixels from image/jpeg's: if Go's
	// decoder matched most digests, the set would not test much.
	t.Logf("image/jpeg gives the same pixels on %d of %d files", stdSame, len(cases))
	if stdSame > len(cases)/4 {
		t.Errorf("image/jpeg matches %d of %d digests: the set does not discriminate", stdSame, len(cases))
	}
}

func stdRGB(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			out = append(out, c.R, c.G, c.B)
		}
	}
	return out
}

func testFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/libjpeg", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestErrors(t *testing.T) {
	good := testFile(t, "pil_13x17_photo_q75_ss2_b.jpg")
	sof := bytes.Index(good, []byte{0xff, 0xc0})
	with := func(i int, b byte) []byte {
		c := bytes.Clone(good)
		c[i] = b
		return c
	}
	cases := []struct {
		name string
		data []byte
		opts Options
		want string
	}{
		{"empty", nil, Options{}, "missing SOI"},
		{"png", []byte("\x89PNG\r\n\x1a\n"), Options{}, "missing SOI"},
		{"header cut", good[:sof+5], Options{}, "length"},
		{"no scan", good[:sof+19], Options{}, "no image data"},
		{"12-bit", with(sof+4, 12), Options{}, "12-bit"},
		{"arithmetic", with(sof+1, 0xc9), Options{}, "unsupported frame type"},
		{"lossless", with(sof+1, 0xc3), Options{}, "unsupported frame type"},
		{"zero width", func() []byte { c := with(sof+7, 0); c[sof+8] = 0; return c }(), Options{}, "image size"},
		{"too big", good, Options{MaxPixels: 100}, "exceeds 100 pixels"},
		{"two components", with(sof+9, 2), Options{}, "components"},
		{"sampling 0", with(sof+11, 0x00), Options{}, "sampling factors"},
		{"sampling 2 of 3", func() []byte { c := with(sof+11, 0x32); c[sof+14] = 0x21; return c }(), Options{}, "fractional sampling"},
		{"quant table 5", with(sof+12, 5), Options{}, "quantisation table"},
		{"truncated strict", good[:len(good)-20], Options{Strict: true}, "corrupt data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := DecodeBytes(c.data, c.opts)
			if err == nil {
				t.Fatal("decoded without error")
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "jpeg: ") {
				t.Errorf("error %q, want one starting jpeg: and naming %q", err, c.want)
			}
		})
	}
}

// TestTruncatedPadsGrey checks libjpeg's recovery: a baseline file cut
// inside its compressed data decodes, with a warning, and the part never
// received is flat grey (every coefficient zero: sample 128).
func TestTruncatedPadsGrey(t *testing.T) {
	data := testFile(t, "cj_127x61_smooth_q90_2x2-1x1-1x1.jpg")
	cut := data[:len(data)/2]
	img, warn, err := DecodeBytes(cut, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if warn.Truncated == 0 {
		t.Errorf("no truncation warning: %+v", warn)
	}
	m := img.(*RGB)
	last := m.Pix[len(m.Pix)-m.Stride:]
	for i, v := range last {
		if v != 128 {
			t.Fatalf("last row sample %d is %d, want 128", i, v)
		}
	}
	full, warn, err := DecodeBytes(data, Options{})
	if err != nil || warn.Any() {
		t.Fatalf("whole file: %v %+v", err, warn)
	}
	// The first MCU row was received whole and must be unchanged.
	if !bytes.Equal(full.(*RGB).Pix[:8*m.Stride], m.Pix[:8*m.Stride]) {
		t.Error("rows before the cut differ from the whole file's")
	}
}

func TestImageTypes(t *testing.T) {
	cases := map[string]any{
		"pil_13x17_photo_q75_gray.jpg":  &image.Gray{},
		"pil_13x17_photo_q75_cmyk.jpg":  &image.CMYK{},
		"pil_13x17_photo_q75_ss1_p.jpg": &RGB{},
	}
	for name, want := range cases {
		data := testFile(t, name)
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%T", img) != fmt.Sprintf("%T", want) {
			t.Errorf("%s: %T, want %T", name, img, want)
		}
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 13 || cfg.Height != 17 {
			t.Errorf("%s: config %+v %v", name, cfg, err)
		}
		rgb, w, h, _, err := DecodeRGB(make([]byte, 1), data, Options{})
		if err != nil || w != 13 || h != 17 || len(rgb) != 3*13*17 {
			t.Fatalf("%s: DecodeRGB %dx%d len %d %v", name, w, h, len(rgb), err)
		}
		// RGB must equal the image's colours as image/color converts them.
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				i := 3 * (y*w + x)
				if c.R != rgb[i] || c.G != rgb[i+1] || c.B != rgb[i+2] {
					t.Fatalf("%s: pixel (%d,%d) At %v, DecodeRGB %v", name, x, y, c, rgb[i:i+3])
				}
			}
		}
	}
	m := &RGB{Pix: []byte{1, 2, 3}, Stride: 3, Rect: image.Rect(5, 7, 6, 8)}
	if got := m.At(5, 7); got != (color.RGBA{1, 2, 3, 255}) {
		t.Errorf("At(5,7) = %v", got)
	}
	if got := m.At(0, 0); got != (color.RGBA{}) {
		t.Errorf("At outside = %v", got)
	}
}

// TestTooManyScans checks the bound on scans: a file repeating one
// progressive scan decodes while under it and fails beyond it.
func TestTooManyScans(t *testing.T) {
	data := testFile(t, "pil_13x17_photo_q75_ss2_p.jpg")
	sos := bytes.Index(data, []byte{0xff, mSOS})
	next := sos + 2
	for next < len(data)-1 && !(data[next] == 0xff && data[next+1] != 0 && data[next+1] != 0xff) || next == sos+2 {
		next++
	}
	head, scan := data[:sos], data[sos:next]
	build := func(n int) []byte {
		b := bytes.Clone(head)
		for range n {
			b = append(b, scan...)
		}
		return append(b, 0xff, mEOI)
	}
	if _, _, err := DecodeBytes(build(maxScans), Options{}); err != nil {
		t.Fatalf("%d scans: %v", maxScans, err)
	}
	if _, _, err := DecodeBytes(build(maxScans+1), Options{}); err == nil || !strings.Contains(err.Error(), "scans") {
		t.Fatalf("%d scans: %v, want an error naming the scans", maxScans+1, err)
	}
}

// TestConcurrentDecode decodes files of different sizes from several
// goroutines at once, sharing the buffer pools, and checks each result
// against a decode made alone.
func TestConcurrentDecode(t *testing.T) {
	names := []string{"cj_127x61_smooth_q90_2x2-1x1-1x1.jpg", "cj_13x17_photo_q75_1x2-1x1-1x1_p.jpg",
		"pil_33x9_photo_q75_cmyk_ycck.jpg", "cj_127x61_smooth_q90_g.jpg", "bad_cj_64x64_noise_q50_1x4-1x1-1x1_m2.jpg"}
	want := make([][]byte, len(names))
	datas := make([][]byte, len(names))
	for i, n := range names {
		datas[i] = testFile(t, n)
		rgb, _, _, _, err := DecodeRGB(nil, datas[i], Options{})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		want[i] = rgb
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var buf []byte
			for r := 0; r < 50; r++ {
				i := (g + r) % len(names)
				var err error
				if buf, _, _, _, err = DecodeRGB(buf, datas[i], Options{}); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(buf, want[i]) {
					errs <- fmt.Errorf("%s: concurrent decode differs", names[i])
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
