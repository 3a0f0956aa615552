package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds an IDX file of unsigned bytes with the given dims.
func idxBytes(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func TestParseIDX(t *testing.T) {
	data := make([]byte, 2*3*4)
	for i := range data {
		data[i] = byte(i)
	}
	good := idxBytes([]uint32{2, 3, 4}, data)
	x, err := parseIDX(good)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := x.Images()
	if err != nil || len(imgs) != 2 || imgs[1].Bounds().Dx() != 4 || imgs[1].Bounds().Dy() != 3 || imgs[1].GrayAt(3, 2).Y != 23 {
		t.Fatalf("images: %v %v", imgs, err)
	}
	bad := map[string][]byte{
		"short":      good[:3],
		"magic":      append([]byte{1}, good[1:]...),
		"type":       append([]byte{0, 0, 0x0d}, good[3:]...),
		"no dims":    {0, 0, 8, 0},
		"many dims":  {0, 0, 8, 9},
		"header cut": good[:10],
		"data short": good[:len(good)-1],
		"trailing":   append(append([]byte(nil), good...), 0),
		"zero dim":   idxBytes([]uint32{2, 0, 4}, nil),
		"huge":       idxBytes([]uint32{1 << 16, 1 << 16, 1 << 16}, nil),
	}
	for name, b := range bad {
		if _, err := parseIDX(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := (&IDX{Dims: []int{24}, Data: data}).Images(); err == nil {
		t.Error("1-D IDX gave images")
	}
	// A gzipped file opens as a corpus whose items decode to the pixels.
	dir := t.TempDir()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(good)
	w.Close()
	p := filepath.Join(dir, "tiny-idx3-ubyte.gz")
	os.WriteFile(p, gz.Bytes(), 0o644)
	c, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 2 || c.Items[1].ID != "tiny/00001" {
		t.Fatalf("items: %d, first ID %q", len(c.Items), c.Items[0].ID)
	}
	raw, _ := c.Items[1].Data()
	img, err := c.Items[1].Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 4 || img.At(3, 2) != imgs[1].At(3, 2) {
		t.Fatal("decoded IDX item differs")
	}
}

func FuzzParseIDX(f *testing.F) {
	f.Add(idxBytes([]uint32{2, 3, 4}, make([]byte, 24)))
	f.Add(idxBytes([]uint32{5}, []byte{1, 2, 3, 4, 5}))
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := parseIDX(b)
		if err != nil {
			return
		}
		// Accepted input re-encodes to exactly the same bytes.
		dims := make([]uint32, len(x.Dims))
		n := 1
		for i, d := range x.Dims {
			dims[i] = uint32(d)
			n *= d
		}
		if len(x.Data) != n || !bytes.Equal(idxBytes(dims, x.Data), b) {
			t.Fatalf("accepted IDX does not round-trip")
		}
		if len(x.Dims) == 3 {
			imgs, err := x.Images()
			if err != nil || len(imgs) != x.Dims[0] {
				t.Fatalf("images: %v", err)
			}
		}
	})
}

func FuzzDecodeRawGray(f *testing.F) {
	f.Add([]byte("privmatch-gray8 2x2\n\x00\x01\x02\x03"))
	f.Add([]byte("privmatch-gray8 0x2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := decodeRawGray(b)
		if err != nil {
			return
		}
		// Accepted input re-encodes to exactly the same bytes.
		if !bytes.Equal(rawGray(img.(*image.Gray)), b) {
			t.Fatalf("raw grey image does not round-trip")
		}
	})
}

func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(FashionMNISTDir, "t10k-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	if testing.Short() {
		t.Skip("reads 30 MB of IDX; skipped under -short")
	}
	c, err := FashionMNIST(FashionMNISTDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 70000 || c.Items[0].ID != "fashion-mnist/train/00000" || c.Items[69999].ID != "fashion-mnist/t10k/09999" {
		t.Fatalf("%d items, %s .. %s", len(c.Items), c.Items[0].ID, c.Items[len(c.Items)-1].ID)
	}
	raw, _ := c.Items[0].Data()
	img, err := c.Items[0].Decode(raw)
	if err != nil || img.Bounds().Dx() != 28 || img.Bounds().Dy() != 28 {
		t.Fatalf("item 0: %v %v", img.Bounds(), err)
	}
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte("# photos\n\na.jpg\n  sub/b.png  \r\n/abs/c.gif\n"))
	f.Add([]byte("a\na\n"))
	f.Add([]byte("x\x00y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := parseList(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Accepted lists hold distinct, trimmed, non-comment paths, each of
		// which occurs in the input, and parsing their join gives them back.
		seen := map[string]bool{}
		for _, l := range lines {
			if l == "" || l != strings.TrimSpace(l) || strings.HasPrefix(l, "#") || seen[l] || !bytes.Contains(b, []byte(l)) {
				t.Fatalf("bad entry %q", l)
			}
			seen[l] = true
		}
		again, err := parseList(strings.NewReader(strings.Join(lines, "\n")))
		if err != nil || strings.Join(again, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("re-parse: %v %q", err, again)
		}
	})
}

// TestOpenNotGzip: an archive or IDX file named .gz or .tgz that is not
// gzip is a clean error naming the file, for both openers that share
// openGunzip; a missing file is an error too.
func TestOpenNotGzip(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"c.tgz", "c.tar.gz", "t10k-images-idx3-ubyte.gz", "absent.tgz"} {
		p := filepath.Join(dir, name)
		if name != "absent.tgz" {
			if err := os.WriteFile(p, []byte("plain bytes, not gzip"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Open(p)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s): %v, want an error naming the file", name, err)
		}
	}
	if _, err := readIDXFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz")); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("readIDXFile of a non-gzip .gz: %v", err)
	}
}
