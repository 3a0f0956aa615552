package phash

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/internal/pixels"
)

// straightPDQ is a deliberately plain transcription of the PDQ reference
// (pdq/cpp: pdqio.cpp, downscaling.cpp, pdqhashing.cpp, torben.cpp): two
// full-size float32 buffers, four strided box passes dividing in float32,
// decimation, DCT in the reference's loop order, Torben median, and the
// reference's word-by-word hex printing. It returns the eight dihedral
// hashes as hex and the quality. It is slow and exists to check the
// optimised pipeline on arbitrary inputs.
func straightPDQ(img image.Image, squash bool) (res [8]string, quality int, a [64][64]float32, b [16][16]float32) {
	rgb, w, h := pixels.RGB(nil, img)
	if squash && (w > 512 || h > 512) {
		// CImg resize(512,512), interpolation 1: source index floor(i*W/512).
		out := make([]byte, 512*512*3)
		for y := 0; y < 512; y++ {
			sy := y * h / 512
			for x := 0; x < 512; x++ {
				sx := x * w / 512
				copy(out[(y*512+x)*3:(y*512+x)*3+3], rgb[(sy*w+sx)*3:])
			}
		}
		rgb, w, h = out, 512, 512
	}
	if w < 5 || h < 5 {
		for i := range res {
			res[i] = strings.Repeat("0", 64)
		}
		return res, 0, a, b
	}
	cr, cg, cb := float32(0.299), float32(0.587), float32(0.114)
	buf1 := make([]float32, w*h)
	buf2 := make([]float32, w*h)
	for i := range buf1 {
		r := float32(cr * float32(rgb[3*i]))
		g := float32(cg * float32(rgb[3*i+1]))
		b := float32(cb * float32(rgb[3*i+2]))
		buf1[i] = float32(r+g) + b
	}
	if w == 64 && h == 64 {
		for i := 0; i < 64; i++ {
			copy(a[i][:], buf1[i*64:])
		}
	} else {
		wr := (w + 127) / 128
		wc := (h + 127) / 128
		for pass := 0; pass < 2; pass++ {
			for i := 0; i < h; i++ {
				straightBox(buf1[i*w:], buf2[i*w:], w, 1, wr)
			}
			for j := 0; j < w; j++ {
				straightBox(buf2[j:], buf1[j:], h, w, wc)
			}
		}
		for i := 0; i < 64; i++ {
			ii := int(((float64(i) + 0.5) * float64(h)) / 64)
			for j := 0; j < 64; j++ {
				jj := int(((float64(j) + 0.5) * float64(w)) / 64)
				a[i][j] = buf1[ii*w+jj]
			}
		}
	}
	grad := 0
	for i := 0; i < 63; i++ {
		for j := 0; j < 64; j++ {
			d := int(float32(float32(a[i][j]-a[i+1][j])*100) / 255)
			grad += max(d, -d)
		}
	}
	for i := 0; i < 64; i++ {
		for j := 0; j < 63; j++ {
			d := int(float32(float32(a[i][j]-a[i][j+1])*100) / 255)
			grad += max(d, -d)
		}
	}
	quality = min(grad/90, 100)

	var dm [16 * 64]float32
	scale := float32(math.Sqrt(2.0 / 64))
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			dm[i*64+j] = float32(float64(scale) * math.Cos((math.Pi/2.0/64)*float64(i+1)*float64(2*j+1)))
		}
	}
	var t [16][64]float32
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(dm[i*64+k] * a[k][j])
			}
			t[i][j] = s
		}
	}
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(t[i][k] * dm[j*64+k])
			}
			b[i][j] = s
		}
	}
	// Sign patterns and transposes of dct16OriginalTo*.
	type tr struct {
		xpose bool
		neg   func(i, j int) bool
	}
	trs := [8]tr{
		{false, func(i, j int) bool { return false }},
		{true, func(i, j int) bool { return j%2 == 0 }},
		{false, func(i, j int) bool { return (i+j)%2 == 1 }},
		{true, func(i, j int) bool { return i%2 == 0 }},
		{false, func(i, j int) bool { return i%2 == 0 }},
		{false, func(i, j int) bool { return j%2 == 0 }},
		{true, func(i, j int) bool { return false }},
		{true, func(i, j int) bool { return (i+j)%2 == 1 }},
	}
	for n, x := range trs {
		var o [16][16]float32
		for i := 0; i < 16; i++ {
			for j := 0; j < 16; j++ {
				v := b[i][j]
				if x.neg(i, j) {
					v = -v
				}
				if x.xpose {
					o[j][i] = v
				} else {
					o[i][j] = v
				}
			}
		}
		flat := make([]float32, 0, 256)
		for i := range o {
			flat = append(flat, o[i][:]...)
		}
		med := straightTorben(flat)
		var words [16]uint16
		for k, v := range flat {
			if v > med {
				words[k>>4] |= 1 << (k & 15)
			}
		}
		var sb strings.Builder
		for k := 15; k >= 0; k-- {
			fmt.Fprintf(&sb, "%04x", words[k])
		}
		res[n] = sb.String()
	}
	return res, quality, a, b
}

// straightBox is the reference's box1DFloat.
func straightBox(in, out []float32, n, stride, win int) {
	half := (win + 2) / 2
	p1, p2, p3, p4 := half-1, win-half+1, n-win, half-1
	li, ri, oi := 0, 0, 0
	var sum float32
	cur := 0
	for i := 0; i < p1; i++ {
		sum += in[ri]
		cur++
		ri += stride
	}
	for i := 0; i < p2; i++ {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for i := 0; i < p3; i++ {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for i := 0; i < p4; i++ {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

// straightTorben sorts a copy and returns the lower median, which is what
// Torben's method returns for an even count.
func straightTorben(m []float32) float32 {
	c := append([]float32(nil), m...)
	// Insertion sort: 256 values, test only.
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c[(len(c)-1)/2]
}

// TestPDQAgainstStraightPort compares the optimised pipeline with
// straightPDQ on random images of many sizes, including row counts that are
// not multiples of four, sides below 64, exactly 64x64, and both pipelines.
// The 64x64 downsample and the 16x16 DCT must match bit for bit, not only
// the hashes, since a one-ulp slip rarely flips a hash bit.
func TestPDQAgainstStraightPort(t *testing.T) {
	seed := uint64(20240601)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	sizes := []image.Point{{5, 5}, {5, 7}, {63, 64}, {64, 64}, {65, 64}, {64, 63}, {127, 129}, {130, 257}, {255, 3 * 128},
		{513, 200}, {200, 513}, {640, 480}, {1001, 333}}
	if testing.Short() {
		sizes = sizes[:9]
	}
	for i := 0; i < 6; i++ {
		sizes = append(sizes, image.Pt(5+rng.IntN(300), 5+rng.IntN(300)))
	}
	for _, sz := range sizes {
		img := image.NewNRGBA(image.Rect(0, 0, sz.X, sz.Y))
		// Smooth content plus noise, so that the box sums exercise rounding.
		fx, fy := rng.Float64()*0.2, rng.Float64()*0.2
		for y := 0; y < sz.Y; y++ {
			for x := 0; x < sz.X; x++ {
				base := 128 + 100*math.Sin(fx*float64(x)+fy*float64(y*y)/float64(sz.Y))
				img.SetNRGBA(x, y, color.NRGBA{
					uint8(base + float64(rng.IntN(20))), uint8(rng.IntN(256)), uint8(255 - base), 255})
			}
		}
		for _, hs := range []*PDQHasher{PDQ, PDQRef512} {
			got, gq, err := hs.Dihedral(img)
			if err != nil {
				t.Fatal(err)
			}
			want, wq, wa, wb := straightPDQ(img, hs.squash)
			if gq != wq {
				t.Errorf("%s %v: quality %d, straight port %d", hs.Name(), sz, gq, wq)
			}
			for k := range got {
				if got[k].String() != want[k] {
					t.Errorf("%s %v dihedral %d: %s, straight port %s", hs.Name(), sz, k, got[k], want[k])
				}
			}
			if sz.X < pdqMinDim || sz.Y < pdqMinDim {
				continue
			}
			var s pdqScratch
			var ga [64][64]float32
			var gb [16][16]float32
			w, h := sz.X, sz.Y
			if hs.squash && (w > 512 || h > 512) {
				w, h = 512, 512
			}
			s.downsample(img, hs.squash, w, h, &ga)
			pdqDCT64To16(&ga, &gb)
			if i, j, ok := pdqFirstDiff(pdqFlat64(&ga), pdqFlat64(&wa), 64); !ok {
				t.Errorf("%s %v: downsample [%d][%d] = %x, straight port %x", hs.Name(), sz, i, j,
					math.Float32bits(ga[i][j]), math.Float32bits(wa[i][j]))
			}
			if i, j, ok := pdqFirstDiff(pdqFlat16(&gb), pdqFlat16(&wb), 16); !ok {
				t.Errorf("%s %v: DCT [%d][%d] = %x, straight port %x", hs.Name(), sz, i, j,
					math.Float32bits(gb[i][j]), math.Float32bits(wb[i][j]))
			}
		}
	}
}

// pdqFirstDiff compares two float32 matrices of n columns bit for bit.
func pdqFirstDiff(a, b []float32, n int) (int, int, bool) {
	for k := range a {
		if math.Float32bits(a[k]) != math.Float32bits(b[k]) {
			return k / n, k % n, false
		}
	}
	return 0, 0, true
}

func pdqFlat64(m *[64][64]float32) (out []float32) {
	for i := range m {
		out = append(out, m[i][:]...)
	}
	return out
}

func pdqFlat16(m *[16][16]float32) (out []float32) {
	for i := range m {
		out = append(out, m[i][:]...)
	}
	return out
}
