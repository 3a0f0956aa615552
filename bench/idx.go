package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// IDX is a parsed IDX file (the format of MNIST and Fashion-MNIST): an
// n-dimensional array of unsigned bytes, stored big-endian.
type IDX struct {
	// Dims are the dimension sizes, outermost first.
	Dims []int
	// Data holds the elements in row-major order.
	Data []byte
}

// maxIDXBytes bounds the element data parseIDX accepts (1 GiB).
const maxIDXBytes = 1 << 30

// parseIDX parses an IDX file of unsigned bytes (type code 0x08) strictly:
// magic 0x00 0x00, type 0x08, 1 to 4 dimensions, every dimension at least
// 1, and exactly prod(dims) bytes of data after the header, with no
// trailing bytes. Other element types are rejected.
func parseIDX(b []byte) (*IDX, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("bench: idx: %d bytes, shorter than the 4-byte magic", len(b))
	}
	if b[0] != 0 || b[1] != 0 {
		return nil, fmt.Errorf("bench: idx: magic %02x%02x, want 0000", b[0], b[1])
	}
	if b[2] != 0x08 {
		return nil, fmt.Errorf("bench: idx: element type 0x%02x, only unsigned bytes (0x08) are supported", b[2])
	}
	nd := int(b[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("bench: idx: %d dimensions, want 1..4", nd)
	}
	hdr := 4 + 4*nd
	if len(b) < hdr {
		return nil, fmt.Errorf("bench: idx: header of %d dimensions needs %d bytes, got %d", nd, hdr, len(b))
	}
	x := &IDX{Dims: make([]int, nd)}
	total := int64(1)
	for i := range x.Dims {
		d := binary.BigEndian.Uint32(b[4+4*i:])
		if d == 0 {
			return nil, fmt.Errorf("bench: idx: dimension %d is zero", i)
		}
		total *= int64(d)
		if total > maxIDXBytes {
			return nil, fmt.Errorf("bench: idx: more than %d elements", maxIDXBytes)
		}
		x.Dims[i] = int(d)
	}
	if int64(len(b)-hdr) != total {
		return nil, fmt.Errorf("bench: idx: dimensions %v need %d data bytes, got %d", x.Dims, total, len(b)-hdr)
	}
	x.Data = b[hdr:]
	return x, nil
}

// readIDXFile reads and parses an IDX file, gunzipping it when its name
// ends in .gz.
func readIDXFile(p string) (*IDX, error) {
	f, r, err := openGunzip(p, ".gz")
	if err != nil {
		return nil, fmt.Errorf("bench: idx: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxIDXBytes+64))
	if err != nil {
		return nil, fmt.Errorf("bench: idx %s: %w", p, err)
	}
	x, err := parseIDX(b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, p)
	}
	return x, nil
}

// Images returns the images of a three-dimensional IDX (count, rows,
// columns) as 8-bit grey images sharing the file's memory.
func (x *IDX) Images() ([]*image.Gray, error) {
	if len(x.Dims) != 3 {
		return nil, fmt.Errorf("bench: idx: %d dimensions, images need 3", len(x.Dims))
	}
	n, h, w := x.Dims[0], x.Dims[1], x.Dims[2]
	out := make([]*image.Gray, n)
	for i := range out {
		px := x.Data[i*h*w : (i+1)*h*w : (i+1)*h*w]
		out[i] = &image.Gray{Pix: px, Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	return out, nil
}

// rawGrayMagic starts the self-describing raw form of a grey image.
const rawGrayMagic = "privmatch-gray8 "

// rawGray returns the bytes an IDX item's digest covers: the ASCII header
// "privmatch-gray8 <w>x<h>\n" followed by the w*h pixel bytes.
func rawGray(m *image.Gray) []byte {
	b := m.Bounds()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s%dx%d\n", rawGrayMagic, b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		buf.Write(m.Pix[m.PixOffset(b.Min.X, y):][:b.Dx()])
	}
	return buf.Bytes()
}

// decodeRawGray parses rawGray's form.
func decodeRawGray(b []byte) (image.Image, error) {
	rest, ok := bytes.CutPrefix(b, []byte(rawGrayMagic))
	if !ok {
		return nil, fmt.Errorf("bench: raw grey image: bad magic")
	}
	line, pix, ok := bytes.Cut(rest, []byte("\n"))
	if !ok || len(line) > 24 {
		return nil, fmt.Errorf("bench: raw grey image: bad header")
	}
	ws, hs, ok := strings.Cut(string(line), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || strconv.Itoa(w) != ws || strconv.Itoa(h) != hs || w < 1 || h < 1 || w > 1<<15 || h > 1<<15 || len(pix) != w*h {
		return nil, fmt.Errorf("bench: raw grey image: header %q does not match %d pixel bytes", line, len(pix))
	}
	return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
}

// openIDX opens an IDX3 image file as a corpus; item IDs are
// "<file base name without -idx3-ubyte[.gz]>/<index>".
func openIDX(p string) (*Corpus, error) {
	x, err := readIDXFile(p)
	if err != nil {
		return nil, err
	}
	imgs, err := x.Images()
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, p)
	}
	base := filepath.Base(p)
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), "-idx3-ubyte")
	c := &Corpus{Source: p}
	appendGray(c, base, imgs)
	return c, nil
}

func appendGray(c *Corpus, prefix string, imgs []*image.Gray) {
	for i, m := range imgs {
		m := m
		c.Items = append(c.Items, Item{
			ID:     fmt.Sprintf("%s/%05d", prefix, i),
			Data:   func() ([]byte, error) { return rawGray(m), nil },
			Decode: decodeRawGray,
		})
	}
}

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// the Fashion-MNIST IDX files (gzipped).
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNIST opens the 70,000 Fashion-MNIST images (60,000 training,
// then 10,000 test; 28x28 grey) from dir, which holds
// train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz (or the same
// names without .gz). Item IDs are "fashion-mnist/train/NNNNN" and
// "fashion-mnist/t10k/NNNNN".
func FashionMNIST(dir string) (*Corpus, error) {
	c := &Corpus{Source: "fashion-mnist:" + dir}
	for _, set := range []string{"train", "t10k"} {
		name := filepath.Join(dir, set+"-images-idx3-ubyte")
		if _, err := os.Stat(name + ".gz"); err == nil {
			name += ".gz"
		}
		x, err := readIDXFile(name)
		if err != nil {
			return nil, fmt.Errorf("bench: fashion-mnist: %w", err)
		}
		imgs, err := x.Images()
		if err != nil {
			return nil, fmt.Errorf("bench: fashion-mnist %s: %w", name, err)
		}
		appendGray(c, "fashion-mnist/"+set, imgs)
	}
	return c, nil
}
