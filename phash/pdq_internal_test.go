package phash

import (
	"image/color"
	"math"
	"testing"
)

// TestPDQYCbCrExhaustive checks the table-driven luma of YCbCr pixels
// against pdqLuma of color.YCbCrToRGB for all 2^24 inputs.
func TestPDQYCbCrExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("2^24 conversions; skipped under -short")
	}
	for cb := 0; cb < 256; cb++ {
		for cr := 0; cr < 256; cr++ {
			tr, tg, tb := pdqChroma(uint8(cb), uint8(cr))
			for y := 0; y < 256; y++ {
				r, g, b := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				want := pdqLuma(r, g, b)
				if got := pdqLumaYCC(uint8(y), tr, tg, tb); math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("YCbCr(%d,%d,%d): luma %v, want %v (RGB %d,%d,%d)", y, cb, cr, got, want, r, g, b)
				}
			}
		}
	}
}

// TestPDQLumaTable checks the table-driven luma against the reference's
// expression computed directly, with explicit float32 rounding of each step.
func TestPDQLumaTable(t *testing.T) {
	for r := 0; r < 256; r += 3 {
		for g := 0; g < 256; g++ {
			for b := 0; b < 256; b += 5 {
				want := float32(float32(pdqLumaR*float32(r))+float32(pdqLumaG*float32(g))) + float32(pdqLumaB*float32(b))
				if got := pdqLuma(uint8(r), uint8(g), uint8(b)); math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("luma(%d,%d,%d) = %v, want %v", r, g, b, got, want)
				}
			}
		}
	}
}

// TestPDQRecipDivision checks that float32(float64(x) * (1/n)) equals the
// float32 quotient x/n on many values, including the box sums' typical
// range and exact multiples.
func TestPDQRecipDivision(t *testing.T) {
	for n := 1; n <= 200; n++ {
		rec := 1 / float64(n)
		fn := float32(n)
		check := func(x float32) {
			if got, want := float32(float64(x)*rec), x/fn; math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("n=%d x=%v: %v, want %v", n, x, got, want)
			}
		}
		for i := 0; i < 20000; i++ {
			check(float32(i) * 0.37)
			check(float32(i) * fn * 0.25)
			check(math.Float32frombits(0x3f800000 + uint32(i*397)))
			check(-math.Float32frombits(0x43000000 + uint32(i*211)))
		}
	}
}
