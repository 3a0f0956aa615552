package phash_test

import (
	"encoding/binary"
	"flag"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

var ihDump = flag.String("imagehash.dump", "", "write each shared vector image's decoded RGB to `dir` for testdata/imagehash/gen.py validate")

// ihHasherFor maps a CSV column to a hasher: a registered name, the shared
// file's spelling of one, or a general constructor's name.
func ihHasherFor(t testing.TB, col string) phash.Hasher {
	t.Helper()
	switch col {
	case "dhash_vertical8":
		col = "dhashv8"
	case "phash_simple8":
		col = "phash-simple8"
	}
	if h, err := phash.ByName(col); err == nil {
		return h
	}
	var h *phash.ImageHash
	var err error
	switch col {
	case "ahash5":
		h, err = phash.NewAHash(5)
	case "dhash12":
		h, err = phash.NewDHash(12)
	case "dhashv3":
		h, err = phash.NewDHashVertical(3)
	case "phash6-hf3":
		h, err = phash.NewPHash(6, 3)
	case "phash-simple16":
		h, err = phash.NewPHashSimple(16, 4)
	case "whash4":
		h, err = phash.NewWHash(4)
	case "whash16":
		h, err = phash.NewWHash(16)
	case "colorhash-b5":
		h, err = phash.NewColorHash(5)
	default:
		t.Fatalf("no hasher for column %q", col)
	}
	if err != nil {
		t.Fatal(err)
	}
	if h.Name() != col {
		t.Fatalf("constructor for %q named %q", col, h.Name())
	}
	return h
}

// ihCheckTable hashes every image of a vector table with every column's
// hasher and compares the hex.
func ihCheckTable(t *testing.T, csvPath, imgDir string) {
	rows := phash.ReadCSV(t, csvPath)
	head := rows[0]
	hashers := make([]phash.Hasher, len(head))
	for i := 1; i < len(head); i++ {
		hashers[i] = ihHasherFor(t, head[i])
	}
	checked := 0
	for _, row := range rows[1:] {
		img := phash.DecodeFile(t, filepath.Join(imgDir, row[0]))
		for i := 1; i < len(head); i++ {
			got, err := hashers[i].Hash(img)
			if err != nil {
				t.Errorf("%s %s: %v", row[0], head[i], err)
				continue
			}
			if got.String() != row[i] {
				t.Errorf("%s %s = %s, want %s", row[0], head[i], got, row[i])
			}
			checked++
		}
	}
	t.Logf("%d hashes of %d images checked", checked, len(rows)-1)
}

func TestImageHashSharedVectors(t *testing.T) {
	v := phash.VectorDir(t, ".", filepath.Join("imagehash", "expected.csv"))
	ihCheckTable(t, filepath.Join(v, "imagehash", "expected.csv"), filepath.Join(v, "pdq", "images"))
}

func TestImageHashOracleVectors(t *testing.T) {
	ihCheckTable(t, filepath.Join("testdata", "imagehash", "expected.csv"), filepath.Join("testdata", "imagehash", "img"))
}

// TestImageHashDumpRGB writes the decoded pixels of the shared images for
// gen.py validate; it does nothing without -imagehash.dump.
func TestImageHashDumpRGB(t *testing.T) {
	if *ihDump == "" {
		t.Skip("set -imagehash.dump=DIR to write decoded RGB for gen.py validate")
	}
	v := phash.VectorDir(t, ".", filepath.Join("imagehash", "expected.csv"))
	if err := os.MkdirAll(*ihDump, 0o755); err != nil {
		t.Fatal(err)
	}
	rows := phash.ReadCSV(t, filepath.Join(v, "imagehash", "expected.csv"))
	for _, row := range rows[1:] {
		img := phash.DecodeFile(t, filepath.Join(v, "pdq", "images", row[0]))
		rgb, w, h := pixels.RGB(nil, img)
		out := binary.LittleEndian.AppendUint32(nil, uint32(w))
		out = binary.LittleEndian.AppendUint32(out, uint32(h))
		if err := os.WriteFile(filepath.Join(*ihDump, row[0]+".rgb"), append(out, rgb...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestImageHashConformance(t *testing.T) {
	for _, name := range []string{"ahash8", "ahash16", "dhash8", "dhash16", "dhashv8",
		"phash8", "phash16", "phash-simple8", "whash8", "colorhash"} {
		h, err := phash.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { phashtest.TestHasher(t, h) })
	}
}

func TestImageHashRegistry(t *testing.T) {
	want := map[string]struct {
		kind phash.Kind
		bits int
	}{
		"ahash8": {"ahash", 64}, "ahash16": {"ahash", 256}, "dhash8": {"dhash", 64}, "dhash16": {"dhash", 256},
		"dhashv8": {"dhash-vertical", 64}, "phash8": {"phash", 64}, "phash16": {"phash", 256},
		"phash-simple8": {"phash-simple", 64}, "whash8": {"whash", 64}, "colorhash": {"colorhash", 42},
	}
	for name, w := range want {
		h, err := phash.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if h.Kind() != w.kind || h.Bits() != w.bits || h.Name() != name {
			t.Errorf("%s: %s/%s/%d, want %s/%d", name, h.Name(), h.Kind(), h.Bits(), w.kind, w.bits)
		}
		th := h.Threshold()
		if th.Distance <= 0 || th.Distance >= w.bits/2 || !strings.Contains(th.Source, "convention") {
			t.Errorf("%s: threshold %+v", name, th)
		}
	}
}

func TestImageHashConstructorErrors(t *testing.T) {
	bad := map[string]func() (*phash.ImageHash, error){
		"ahash1":      func() (*phash.ImageHash, error) { return phash.NewAHash(1) },
		"ahash17":     func() (*phash.ImageHash, error) { return phash.NewAHash(17) },
		"dhash0":      func() (*phash.ImageHash, error) { return phash.NewDHash(0) },
		"dhashv-3":    func() (*phash.ImageHash, error) { return phash.NewDHashVertical(-3) },
		"phash-hf0":   func() (*phash.ImageHash, error) { return phash.NewPHash(8, 0) },
		"simple-hf1":  func() (*phash.ImageHash, error) { return phash.NewPHashSimple(8, 1) },
		"whash6":      func() (*phash.ImageHash, error) { return phash.NewWHash(6) },
		"colorhash0":  func() (*phash.ImageHash, error) { return phash.NewColorHash(0) },
		"colorhash19": func() (*phash.ImageHash, error) { return phash.NewColorHash(19) },
	}
	for name, f := range bad {
		if h, err := f(); err == nil || h != nil {
			t.Errorf("%s: got %v, %v; want an error", name, h, err)
		}
	}
}
