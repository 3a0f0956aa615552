package transform

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	ljpeg "github.com/privmatch/privmatch/phash/jpeg"
)

// TestJPEGEditDecodesLikeLibjpeg checks that the jpeg edit's pixels are
// libjpeg-turbo's decoding (package phash/jpeg) of Go's encoding, which is
// what a reference hasher reads from the re-encoded file; that they differ
// from image/jpeg's decoding of the same bytes (so the choice matters on
// this image); and that the edit, and the screenshot edit that also
// re-encodes, are deterministic.
func TestJPEGEditDecodesLikeLibjpeg(t *testing.T) {
	src := photo(7, 97, 61) // odd size: partial MCUs and chroma edges
	for _, q := range []float64{95, 50} {
		got := apply(t, "jpeg", src, q, 0)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: int(q)}); err != nil {
			t.Fatal(err)
		}
		lib, warn, err := ljpeg.DecodeBytes(buf.Bytes(), ljpeg.Options{})
		if err != nil || warn.Any() {
			t.Fatalf("q%v: libjpeg-exact decode: %v, warnings %+v", q, err, warn)
		}
		if !bytes.Equal(got.Pix, toNRGBA(lib).Pix) {
			t.Errorf("q%v: the edit's pixels are not libjpeg-turbo's decoding of the encoded file", q)
		}
		std, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(got.Pix, toNRGBA(std).Pix) {
			t.Errorf("q%v: image/jpeg decodes these bytes identically; the test image no longer tells the decoders apart", q)
		}
		if again := apply(t, "jpeg", src, q, 0); !bytes.Equal(again.Pix, got.Pix) {
			t.Errorf("q%v: two runs differ", q)
		}
	}
	a, b := apply(t, "screenshot", src, 0.5, 3), apply(t, "screenshot", src, 0.5, 3)
	if !bytes.Equal(a.Pix, b.Pix) || a.Bounds() != image.Rect(0, 0, 97, 61) {
		t.Error("screenshot edit is not deterministic or changed size")
	}
}
