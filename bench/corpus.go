package bench

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/privmatch/privmatch/phash"
)

// Item is one image of a corpus.
type Item struct {
	// ID is stable across runs: the slash-separated path relative to the
	// corpus root, the archive member name, the list line, or
	// "fashion-mnist/<set>/<index>".
	ID string
	// Data returns the bytes the content digest covers: the file's bytes,
	// or for IDX images a self-describing raw form (see rawGray).
	Data func() ([]byte, error)
	// Decode turns Data's bytes into an image.
	Decode func(data []byte) (image.Image, error)
}

// load reads the item's bytes and decodes them.
func (it Item) load() (image.Image, error) {
	data, err := it.Data()
	if err != nil {
		return nil, err
	}
	return it.Decode(data)
}

// Digest is an item's content digest: SHA-256 of its Data.
type Digest [32]byte

// Corpus is an ordered set of images.
type Corpus struct {
	// Source describes where the items came from.
	Source string
	Items  []Item
	closer io.Closer
}

// Close releases an open archive; it is safe on any corpus.
func (c *Corpus) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer.Close()
}

// imageExts are the file extensions Open takes as images.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true, ".tif": true, ".tiff": true, ".webp": true}

// isImageName reports whether a file name has an image extension.
func isImageName(name string) bool { return imageExts[strings.ToLower(path.Ext(name))] }

// maxArchiveBytes bounds how much Open reads from a tar archive, and
// maxMemberBytes a single member of any archive.
const (
	maxArchiveBytes = 8 << 30
	maxMemberBytes  = phash.DefaultMaxFileBytes
)

// decodeFile decodes an encoded image file with phash's loader.
func decodeFile(data []byte) (image.Image, error) {
	return phash.DecodeBytes(data, phash.LoadOptions{})
}

// DefaultCorpusPath is the default corpus, relative to the repository
// root: the public-domain and CC0 photographs under testdata/photos.
const DefaultCorpusPath = "testdata/photos"

// Open reads a corpus from path, which is one of:
//   - a folder: every file with an image extension below it, recursively,
//     sorted by path (symbolic links are not followed);
//   - a .zip, .tar, .tar.gz or .tgz archive: every member with an image
//     extension, sorted by name (a tar is read into memory);
//   - an IDX3 image file (name containing "idx3-ubyte", optionally .gz),
//     such as Fashion-MNIST's;
//   - otherwise a list file: one image path per line, relative to the list
//     file's folder unless absolute; blank lines and lines starting with #
//     are skipped.
func Open(p string) (*Corpus, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("bench: open corpus: %w", err)
	}
	lower := strings.ToLower(p)
	switch {
	case st.IsDir():
		return openDir(p)
	case strings.HasSuffix(lower, ".zip"):
		return openZip(p)
	case strings.HasSuffix(lower, ".tar"), strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return openTar(p)
	case strings.Contains(lower, "idx3-ubyte"):
		return openIDX(p)
	default:
		return openList(p)
	}
}

// fileItem is an item read from a file on disk.
func fileItem(id, file string) Item {
	return Item{ID: id, Decode: decodeFile, Data: func() ([]byte, error) { return readLimited(file) }}
}

// readLimited reads a file of at most maxMemberBytes.
func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMemberBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxMemberBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxMemberBytes)
	}
	return b, nil
}

func openDir(root string) (*Corpus, error) {
	c := &Corpus{Source: root}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && isImageName(p) {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			c.Items = append(c.Items, fileItem(filepath.ToSlash(rel), p))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: open corpus %s: %w", root, err)
	}
	sort.Slice(c.Items, func(i, j int) bool { return c.Items[i].ID < c.Items[j].ID })
	return c, nil
}

func openList(list string) (*Corpus, error) {
	f, err := os.Open(list)
	if err != nil {
		return nil, fmt.Errorf("bench: open corpus: %w", err)
	}
	defer f.Close()
	lines, err := parseList(f)
	if err != nil {
		return nil, fmt.Errorf("bench: corpus list %s: %w", list, err)
	}
	c := &Corpus{Source: list}
	dir := filepath.Dir(list)
	for _, line := range lines {
		file := line
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		c.Items = append(c.Items, fileItem(line, file))
	}
	return c, nil
}

// maxListLine bounds a list file's line length.
const maxListLine = 64 << 10

// parseList reads a corpus list: one path per line, surrounding space
// trimmed, blank lines and lines starting with # skipped. A NUL byte or a
// path listed twice is an error.
func parseList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxListLine)
	seen := map[string]bool{}
	var out []string
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsRune(line, 0) {
			return nil, fmt.Errorf("line %d: NUL byte", n)
		}
		if seen[line] {
			return nil, fmt.Errorf("line %d: %q listed twice", n, line)
		}
		seen[line] = true
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func openZip(p string) (*Corpus, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("bench: open corpus %s: %w", p, err)
	}
	c := &Corpus{Source: p, closer: zr}
	seen := map[string]bool{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !isImageName(f.Name) {
			continue
		}
		if seen[f.Name] {
			zr.Close()
			return nil, fmt.Errorf("bench: open corpus %s: member %q appears twice", p, f.Name)
		}
		seen[f.Name] = true
		c.Items = append(c.Items, Item{ID: f.Name, Decode: decodeFile, Data: func() ([]byte, error) {
			if f.UncompressedSize64 > maxMemberBytes {
				return nil, fmt.Errorf("%s: larger than %d bytes", f.Name, maxMemberBytes)
			}
			r, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer r.Close()
			return io.ReadAll(io.LimitReader(r, maxMemberBytes))
		}})
	}
	sort.Slice(c.Items, func(i, j int) bool { return c.Items[i].ID < c.Items[j].ID })
	return c, nil
}

// openGunzip opens the file p and returns it (for the caller to close) and
// a reader of its content, gunzipped when p's name ends in one of the
// suffixes (case-insensitive).
func openGunzip(p string, suffixes ...string) (*os.File, io.Reader, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	l := strings.ToLower(p)
	for _, s := range suffixes {
		if !strings.HasSuffix(l, s) {
			continue
		}
		gz, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		return f, gz, nil
	}
	return f, f, nil
}

func openTar(p string) (*Corpus, error) {
	f, r, err := openGunzip(p, ".gz", ".tgz")
	if err != nil {
		return nil, fmt.Errorf("bench: open corpus: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(io.LimitReader(r, maxArchiveBytes))
	c := &Corpus{Source: p}
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bench: open corpus %s: %w", p, err)
		}
		if h.Typeflag != tar.TypeReg || !isImageName(h.Name) {
			continue
		}
		if h.Size > maxMemberBytes {
			return nil, fmt.Errorf("bench: open corpus %s: member %s larger than %d bytes", p, h.Name, maxMemberBytes)
		}
		if seen[h.Name] {
			return nil, fmt.Errorf("bench: open corpus %s: member %q appears twice", p, h.Name)
		}
		seen[h.Name] = true
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("bench: open corpus %s: %s: %w", p, h.Name, err)
		}
		c.Items = append(c.Items, Item{ID: h.Name, Decode: decodeFile, Data: func() ([]byte, error) { return b, nil }})
	}
	sort.Slice(c.Items, func(i, j int) bool { return c.Items[i].ID < c.Items[j].ID })
	return c, nil
}

// digestOf returns the SHA-256 content digest of data.
func digestOf(data []byte) Digest { return sha256.Sum256(data) }
