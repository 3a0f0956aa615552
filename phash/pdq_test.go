package phash_test

import (
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

func TestPDQVectors(t *testing.T) {
	dir := phash.VectorDir(t, "pdq", "expected.csv")
	images := map[string]image.Image{}
	load := func(name string) image.Image {
		if img, ok := images[name]; ok {
			return img
		}
		img := phash.DecodeFile(t, filepath.Join(dir, "images", name))
		images[name] = img
		return img
	}
	for _, tc := range []struct {
		file     string
		h        *phash.PDQHasher
		dihedral bool // rows hold the eight dihedral hashes, then the quality
	}{
		{"expected.csv", phash.PDQRef512, false},
		{"expected-fullres.csv", phash.PDQ, false},
		{"expected-dihedral.csv", phash.PDQRef512, true},
		{"expected-dihedral-fullres.csv", phash.PDQ, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			for _, row := range phash.ReadCSV(t, filepath.Join(dir, tc.file))[1:] {
				if !tc.dihedral {
					if len(row) != 3 {
						t.Fatalf("bad row %q", row)
					}
					h, q, err := tc.h.HashQuality(load(row[0]))
					if err != nil {
						t.Fatalf("%s: %v", row[0], err)
					}
					if h.String() != row[1] || strconv.Itoa(q) != row[2] {
						t.Errorf("%s: got %s q=%d, want %s q=%s", row[0], h, q, row[1], row[2])
					}
					continue
				}
				if len(row) != 10 {
					t.Fatalf("bad row %q", row)
				}
				hs, q, err := tc.h.Dihedral(load(row[0]))
				if err != nil {
					t.Fatalf("%s: %v", row[0], err)
				}
				for i, h := range hs {
					if h.String() != row[1+i] {
						t.Errorf("%s: dihedral %d: got %s, want %s", row[0], i, h, row[1+i])
					}
				}
				if strconv.Itoa(q) != row[9] {
					t.Errorf("%s: quality %d, want %s", row[0], q, row[9])
				}
				// The original of the dihedral set is the plain hash.
				h, _ := tc.h.Hash(load(row[0]))
				if h != hs[phash.DihedralOriginal] {
					t.Errorf("%s: Hash %s differs from Dihedral original %s", row[0], h, hs[0])
				}
			}
		})
	}
}

// TestPDQDihedralOfTransformedImages checks that the bridge photo's eight
// transformed files hash close to the matching dihedral hash of the original.
func TestPDQDihedralOfTransformedImages(t *testing.T) {
	dir := phash.VectorDir(t, "pdq", "expected.csv")
	orig, _, err := phash.PDQ.Dihedral(phash.DecodeFile(t, filepath.Join(dir, "images", "bridge-1-original.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{
		"bridge-1-original.jpg", "bridge-2-rotate-90.jpg", "bridge-3-rotate-180.jpg", "bridge-4-rotate-270.jpg",
		"bridge-5-flipx.jpg", "bridge-6-flipy.jpg", "bridge-7-flip-plus-1.jpg", "bridge-8-flip-minus-1.jpg",
	} {
		h, err := phash.PDQ.Hash(phash.DecodeFile(t, filepath.Join(dir, "images", name)))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := phash.Distance(h, orig[i])
		t.Logf("%s: distance %d", name, d)
		// JPEG re-encoding of the transformed files moves a few bits.
		if d > 16 {
			t.Errorf("%s: distance %d to dihedral %d of the original", name, d, i)
		}
	}
}

func TestPDQConformance(t *testing.T) {
	for _, h := range []phash.Hasher{phash.PDQ, phash.PDQRef512} {
		t.Run(h.Name(), func(t *testing.T) { phashtest.TestHasher(t, h) })
	}
}

func TestPDQRegistry(t *testing.T) {
	for _, want := range []*phash.PDQHasher{phash.PDQ, phash.PDQRef512} {
		got, err := phash.ByName(want.Name())
		if err != nil {
			t.Fatal(err)
		}
		qh, ok := got.(phash.QualityHasher)
		if !ok || got != phash.Hasher(want) {
			t.Fatalf("ByName(%q) = %v, not the package value or not a QualityHasher", want.Name(), got)
		}
		if qh.Kind() != phash.PDQKind || qh.Bits() != 256 || qh.Threshold().Distance != 31 ||
			qh.Threshold().Source == "" || qh.MinQuality() != 49 {
			t.Errorf("%s: kind %s bits %d threshold %+v min quality %d", want.Name(), qh.Kind(), qh.Bits(), qh.Threshold(), qh.MinQuality())
		}
	}
	if names := phash.Names(); len(names) < 2 || names[0] != "pdq" || names[1] != "pdq-ref512" {
		t.Errorf("Names() = %v, want pdq and pdq-ref512 first", names)
	}
}

// TestPDQBoundsAndTypes hashes the same pixels held in different image types
// and at different origins, including YCbCr sub-images at odd offsets (which
// exercise the chroma indexing), and expects identical hashes.
func TestPDQBoundsAndTypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, sr := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		// A YCbCr parent with a negative origin; sub-images at odd offsets.
		parent := image.NewYCbCr(image.Rect(-7, -5, 600, 560), sr)
		for i := range parent.Y {
			parent.Y[i] = uint8(rng.IntN(256))
		}
		for i := range parent.Cb {
			parent.Cb[i] = uint8(rng.IntN(256))
			parent.Cr[i] = uint8(rng.IntN(256))
		}
		for _, r := range []image.Rectangle{parent.Rect, image.Rect(-3, -1, 200, 150), image.Rect(5, 3, 598, 557)} {
			sub := parent.SubImage(r).(*image.YCbCr)
			rgb, w, h := pixels.RGB(nil, sub)
			flat := image.NewNRGBA(image.Rect(0, 0, w, h))
			for i := 0; i < w*h; i++ {
				copy(flat.Pix[4*i:], rgb[3*i:3*i+3])
				flat.Pix[4*i+3] = 255
			}
			for _, hs := range []*phash.PDQHasher{phash.PDQ, phash.PDQRef512} {
				want, wq, err1 := hs.HashQuality(flat)
				got, gq, err2 := hs.HashQuality(sub)
				if err1 != nil || err2 != nil || got != want || gq != wq {
					t.Errorf("%s %v %v: YCbCr %s q=%d, NRGBA %s q=%d (%v %v)", hs.Name(), sr, r, got, gq, want, wq, err1, err2)
				}
			}
		}
	}
	// Gray, RGBA and a generic type at a shifted origin against NRGBA at (0,0).
	base := phashtest.Photo(5, image.Point{}, 700, 300)
	gray := image.NewGray(image.Rect(11, -4, 711, 296))
	draw.Draw(gray, gray.Rect, base, image.Point{}, draw.Src)
	grayFlat := image.NewNRGBA(image.Rect(0, 0, 700, 300))
	draw.Draw(grayFlat, grayFlat.Rect, gray, gray.Rect.Min, draw.Src)
	rgba := image.NewRGBA(image.Rect(-30, 40, 670, 340))
	draw.Draw(rgba, rgba.Rect, base, image.Point{}, draw.Src)
	shifted := phashtest.Photo(5, image.Pt(100, -100), 700, 300)
	for _, hs := range []*phash.PDQHasher{phash.PDQ, phash.PDQRef512} {
		for _, c := range []struct {
			name      string
			img, want image.Image
		}{
			{"gray", gray, grayFlat},
			{"rgba", rgba, base},
			{"nrgba-shifted", shifted, base},
			{"generic", opaqueWrapper{shifted}, base},
		} {
			want, _ := hs.Hash(c.want)
			got, err := hs.Hash(c.img)
			if err != nil || got != want {
				t.Errorf("%s %s: %s, want %s (%v)", hs.Name(), c.name, got, want, err)
			}
		}
	}
}

// opaqueWrapper hides an image's concrete type to force the generic path.
type opaqueWrapper struct{ image.Image }

func TestPDQTinyImages(t *testing.T) {
	zero := phash.PDQKind
	for _, sz := range []image.Point{{1, 1}, {4, 100}, {100, 4}, {4, 4}} {
		h, q, err := phash.PDQ.HashQuality(phashtest.Photo(1, image.Point{}, sz.X, sz.Y))
		if err != nil || q != 0 || h.Kind() != zero || h.String() != fmt.Sprintf("%064d", 0) {
			t.Errorf("%v: %s q=%d err=%v, want the reference's zero hash, quality 0", sz, h, q, err)
		}
	}
	// Five pixels is the reference's minimum: a real hash with 128 bits set.
	h, err := phash.PDQ.Hash(phashtest.Photo(1, image.Point{}, 5, 5))
	if err != nil || pdqPopCount(h) == 0 {
		t.Errorf("5x5: %s %v", h, err)
	}
	if _, err := phash.PDQ.Hash(nil); err == nil {
		t.Error("no error for a nil image")
	}
}

func pdqPopCount(h phash.Hash) int {
	n := 0
	for i := 0; i < h.Bits(); i++ {
		if h.Bit(i) {
			n++
		}
	}
	return n
}
