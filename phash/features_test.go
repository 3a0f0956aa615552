package phash_test

import (
	"image"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

func TestPillowGreyAndPDQLuma64(t *testing.T) {
	img := phashtest.Photo(5, image.Pt(-7, 3), 90, 61)
	g, err := phash.PillowGrey(img, 32, 32)
	if err != nil || len(g) != 32*32 {
		t.Fatalf("PillowGrey: %d values, %v", len(g), err)
	}
	// A constant image stays constant through convert('L') and LANCZOS.
	flat := image.NewGray(image.Rect(0, 0, 40, 40))
	for i := range flat.Pix {
		flat.Pix[i] = 77
	}
	g, _ = phash.PillowGrey(flat, 8, 8)
	for _, v := range g {
		if v != 77 {
			t.Fatalf("flat image resized to %d, want 77", v)
		}
	}
	l, err := phash.PDQLuma64(flat)
	if err != nil {
		t.Fatal(err)
	}
	for i := range l {
		for _, v := range l[i] {
			if v < 76.99 || v > 77.01 {
				t.Fatalf("flat image box-filtered to %v", v)
			}
		}
	}
	if _, err := phash.PDQLuma64(image.NewGray(image.Rect(0, 0, 4, 40))); err == nil {
		t.Fatal("PDQLuma64 accepted a 4-pixel side")
	}
	if _, err := phash.PillowGrey(image.NewGray(image.Rect(0, 0, 0, 0)), 8, 8); err == nil {
		t.Fatal("PillowGrey accepted an empty image")
	}
	if _, err := phash.PillowGrey(flat, 0, 8); err == nil {
		t.Fatal("PillowGrey accepted width 0")
	}
}
