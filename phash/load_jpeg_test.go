package phash_test

import (
	"bytes"
	stdjpeg "image/jpeg"
	"os"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/jpeg"
)

// TestLoadJPEGDecoder checks that Load decodes JPEG with phash/jpeg by
// default and with image/jpeg when asked, and that the two differ on a
// photo (so the choice matters and the test can fail).
func TestLoadJPEGDecoder(t *testing.T) {
	const path = "../testdata/photos/rocket.jpg"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _, _, err := jpeg.DecodeRGB(nil, data, jpeg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	std, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	wantGo, _, _ := pixels.RGB(nil, std)
	if bytes.Equal(want, wantGo) {
		t.Fatal("image/jpeg and phash/jpeg agree on every pixel of rocket.jpg")
	}
	for _, c := range []struct {
		dec  phash.JPEGDecoder
		want []byte
	}{{phash.JPEGLibjpeg, want}, {phash.JPEGGo, wantGo}} {
		img, err := phash.Load(path, phash.LoadOptions{Decoder: c.dec})
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := pixels.RGB(nil, img)
		if !bytes.Equal(got, c.want) {
			t.Errorf("decoder %v: pixels differ from its decoder's", c.dec)
		}
	}
	for _, name := range phash.JPEGDecoders {
		d, err := phash.ParseJPEGDecoder(name)
		if err != nil || d.String() != name {
			t.Errorf("ParseJPEGDecoder(%q) = %v, %v", name, d, err)
		}
	}
	if _, err := phash.ParseJPEGDecoder("cimg"); err == nil {
		t.Error("ParseJPEGDecoder accepted cimg")
	}
}

// TestLoadJPEGTruncated checks that a truncated JPEG is an error under both
// decoders, though libjpeg itself would pad it with grey.
func TestLoadJPEGTruncated(t *testing.T) {
	data, err := os.ReadFile("../testdata/photos/rocket.jpg")
	if err != nil {
		t.Fatal(err)
	}
	cut := data[:len(data)*2/3]
	for _, dec := range []phash.JPEGDecoder{phash.JPEGLibjpeg, phash.JPEGGo} {
		if _, err := phash.DecodeBytes(cut, phash.LoadOptions{Decoder: dec}); err == nil {
			t.Errorf("decoder %v: truncated file decoded without error", dec)
		}
	}
	if _, warn, err := jpeg.DecodeBytes(cut, jpeg.Options{}); err != nil || warn.Truncated == 0 {
		t.Errorf("phash/jpeg: %v, warnings %+v; want libjpeg's padding and a warning", err, warn)
	}
}
