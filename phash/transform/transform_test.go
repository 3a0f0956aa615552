package transform

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/phash/phashtest"
)

// photo is phashtest.Photo with its bounds at the origin.
func photo(seed uint64, w, h int) *image.NRGBA { return phashtest.Photo(seed, image.Point{}, w, h) }

func apply(t *testing.T, name string, src image.Image, s float64, seed uint64) *image.NRGBA {
	t.Helper()
	tr, err := ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Apply(src, s, seed)
	if err != nil {
		t.Fatalf("%s=%v: %v", name, s, err)
	}
	return out
}

// meanAbsDiff is the mean absolute difference over R, G, B of two
// same-sized images.
func meanAbsDiff(t *testing.T, a, b *image.NRGBA) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v %v", a.Bounds(), b.Bounds())
	}
	sum, n := 0.0, 0
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			i, j := a.PixOffset(x, y), b.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				sum += math.Abs(float64(a.Pix[i+c]) - float64(b.Pix[j+c]))
				n++
			}
		}
	}
	return sum / float64(n)
}

func same(a, b *image.NRGBA) bool {
	return a.Bounds() == b.Bounds() && bytes.Equal(a.Pix, b.Pix)
}

func TestSuiteDeterministicPureAndOriginFree(t *testing.T) {
	src := photo(1, 61, 47)
	shifted := phashtest.Photo(1, image.Pt(-13, 29), 61, 47)
	before := append([]byte(nil), src.Pix...)
	steps := Suite()
	if len(steps) < 40 {
		t.Fatalf("suite has only %d steps", len(steps))
	}
	for _, s := range steps {
		t.Run(s.String(), func(t *testing.T) {
			a, err := s.Apply(src, 7)
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.Apply(src, 7)
			if err != nil {
				t.Fatal(err)
			}
			if !same(a, b) {
				t.Fatal("two runs with one seed differ")
			}
			if a.Bounds().Min != (image.Point{}) {
				t.Fatalf("output bounds %v do not start at origin", a.Bounds())
			}
			c, err := s.Apply(shifted, 7)
			if err != nil {
				t.Fatal(err)
			}
			if !same(a, c) {
				t.Fatal("output depends on the source's bounds origin")
			}
			for i := 3; i < len(a.Pix); i += 4 {
				if a.Pix[i] != 255 {
					t.Fatal("output not opaque")
				}
			}
			if !bytes.Equal(src.Pix, before) {
				t.Fatal("source modified")
			}
		})
	}
}

func TestErrors(t *testing.T) {
	if _, err := ByName("nope"); err == nil {
		t.Fatal("unknown name accepted")
	}
	for _, tr := range All() {
		if _, err := tr.Apply(photo(1, 8, 8), tr.Max+1, 0); err == nil {
			t.Errorf("%s: strength above Max accepted", tr.Name)
		}
		if _, err := tr.Apply(photo(1, 8, 8), math.NaN(), 0); err == nil {
			t.Errorf("%s: NaN strength accepted", tr.Name)
		}
		if _, err := tr.Apply(image.NewNRGBA(image.Rect(3, 3, 3, 9)), tr.Min, 0); err == nil {
			t.Errorf("%s: empty image accepted", tr.Name)
		}
		for _, s := range tr.Suite {
			if s < tr.Min || s > tr.Max {
				t.Errorf("%s: suite strength %v out of range", tr.Name, s)
			}
		}
	}
}

func TestCropRemovesStatedFraction(t *testing.T) {
	src := photo(2, 100, 80)
	offsets := map[image.Point]bool{}
	for _, s := range []float64{0.01, 0.05, 0.1, 0.2} {
		for seed := uint64(0); seed < 5; seed++ {
			out := apply(t, "crop", src, s, seed)
			w, h := 100-int(math.Round(100*s)), 80-int(math.Round(80*s))
			if out.Bounds().Dx() != w || out.Bounds().Dy() != h {
				t.Fatalf("crop=%v: size %v, want %dx%d", s, out.Bounds().Size(), w, h)
			}
			// The output must be a sub-rectangle of the source.
			found := false
			for y0 := 0; y0 <= 80-h && !found; y0++ {
				for x0 := 0; x0 <= 100-w && !found; x0++ {
					if same(out, toNRGBA(src.SubImage(image.Rect(x0, y0, x0+w, y0+h)))) {
						found = true
						offsets[image.Pt(x0, y0)] = true
					}
				}
			}
			if !found {
				t.Fatalf("crop=%v seed %d is not a sub-rectangle of the source", s, seed)
			}
		}
	}
	if len(offsets) < 5 {
		t.Fatalf("seeds move the crop window to only %d places", len(offsets))
	}
}

func TestFlipAndRotateIdentities(t *testing.T) {
	src := photo(3, 37, 23)
	for _, name := range []string{"flip-h", "flip-v"} {
		once := apply(t, name, src, 1, 0)
		if same(once, src) {
			t.Fatalf("%s changed nothing", name)
		}
		if !same(apply(t, name, once, 1, 0), src) {
			t.Fatalf("%s twice is not the identity", name)
		}
		if !same(apply(t, name, src, 0, 0), src) {
			t.Fatalf("%s=0 is not the identity", name)
		}
	}
	// flip-h moves (x,y) to (w-1-x,y).
	fh := apply(t, "flip-h", src, 1, 0)
	if fh.NRGBAAt(0, 5) != src.NRGBAAt(36, 5) {
		t.Fatal("flip-h does not mirror left-right")
	}
	r := src
	for i := 0; i < 4; i++ {
		r = apply(t, "rotate", r, 90, 0)
		if i == 0 {
			if r.Bounds().Dx() != 23 || r.Bounds().Dy() != 37 {
				t.Fatalf("rotate=90 size %v", r.Bounds())
			}
			// Counter-clockwise: the top-right source pixel lands top-left.
			if r.NRGBAAt(0, 0) != src.NRGBAAt(36, 0) {
				t.Fatal("rotate=90 is not counter-clockwise")
			}
		}
	}
	if !same(r, src) {
		t.Fatal("rotate=90 four times is not the identity")
	}
	if !same(apply(t, "rotate", src, 360, 0), src) || !same(apply(t, "rotate", src, -360, 0), src) {
		t.Fatal("rotate=360 is not the identity")
	}
	if !same(apply(t, "rotate", src, 180, 0), apply(t, "flip-v", fh, 1, 0)) {
		t.Fatal("rotate=180 differs from flip-h then flip-v")
	}
	if !same(apply(t, "rotate", src, -90, 0), apply(t, "rotate", src, 270, 0)) {
		t.Fatal("rotate=-90 differs from rotate=270")
	}
}

// centroid returns the brightness-weighted centre of an image's red channel.
func centroid(m *image.NRGBA) (float64, float64) {
	var sx, sy, sw float64
	for y := 0; y < m.Bounds().Dy(); y++ {
		for x := 0; x < m.Bounds().Dx(); x++ {
			v := float64(m.NRGBAAt(x, y).R)
			sx += v * float64(x)
			sy += v * float64(y)
			sw += v
		}
	}
	return sx / sw, sy / sw
}

func TestRotateSmallAngle(t *testing.T) {
	// A bright blob right of centre moves up under a counter-clockwise
	// rotation, by the expected angle.
	m := image.NewNRGBA(image.Rect(0, 0, 101, 101))
	for y := 0; y < 101; y++ {
		for x := 0; x < 101; x++ {
			v := uint8(0)
			if (x-85)*(x-85)+(y-50)*(y-50) <= 9 {
				v = 255
			}
			m.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	for _, deg := range []float64{4, 10, -7} {
		out := apply(t, "rotate", m, deg, 0)
		cx, cy := centroid(out)
		// Pixel (50,50) holds the centre of the 101x101 canvas.
		got := math.Atan2(-(cy-50), cx-50) * 180 / math.Pi
		want := deg
		if math.Abs(got-want) > 0.5 {
			t.Errorf("rotate=%v moved the blob to angle %.2f, want %.2f", deg, got, want)
		}
	}
	src := photo(4, 64, 64)
	there := apply(t, "rotate", src, 4, 0)
	back := apply(t, "rotate", there, -4, 0)
	inner := func(m *image.NRGBA) *image.NRGBA { return toNRGBA(m.SubImage(image.Rect(16, 16, 48, 48))) }
	if d := meanAbsDiff(t, inner(back), inner(src)); d > 8 {
		t.Errorf("rotate 4 then -4: centre differs by %.2f levels", d)
	}
	if d := meanAbsDiff(t, inner(there), inner(src)); d < 2 {
		t.Errorf("rotate=4 barely changed the image (%.2f)", d)
	}
}

func TestPad(t *testing.T) {
	src := photo(5, 50, 40)
	for seed := uint64(0); seed < 3; seed++ {
		out := apply(t, "pad", src, 0.1, seed)
		if out.Bounds().Dx() != 60 || out.Bounds().Dy() != 48 {
			t.Fatalf("pad=0.1 size %v", out.Bounds().Size())
		}
		if !same(toNRGBA(out.SubImage(image.Rect(5, 4, 55, 44))), src) {
			t.Fatal("pad changed the interior")
		}
		c := out.NRGBAAt(0, 0)
		for y := 0; y < 48; y++ {
			for x := 0; x < 60; x++ {
				if (x < 5 || x >= 55 || y < 4 || y >= 44) && out.NRGBAAt(x, y) != c {
					t.Fatal("border not uniform")
				}
			}
		}
		if c.R != c.G || c.G != c.B {
			t.Fatal("border not grey")
		}
	}
}

func TestResizeAndJPEG(t *testing.T) {
	src := photo(6, 80, 60)
	for _, s := range []float64{0.25, 0.5, 2} {
		out := apply(t, "resize", src, s, 0)
		if out.Bounds().Dx() != int(math.Round(80*s)) || out.Bounds().Dy() != int(math.Round(60*s)) {
			t.Fatalf("resize=%v size %v", s, out.Bounds().Size())
		}
	}
	back := apply(t, "resize", apply(t, "resize", src, 2, 0), 0.5, 0)
	if d := meanAbsDiff(t, back, src); d > 3 {
		t.Errorf("resize 2 then 0.5 differs by %.2f", d)
	}
	d95 := meanAbsDiff(t, apply(t, "jpeg", src, 95, 0), src)
	d10 := meanAbsDiff(t, apply(t, "jpeg", src, 10, 0), src)
	if d95 == 0 || d95 > 6 || d10 <= d95 {
		t.Errorf("jpeg distortion: q95 %.2f, q10 %.2f", d95, d10)
	}
	ss := apply(t, "screenshot", src, 0.5, 1)
	if ss.Bounds() != src.Bounds() {
		t.Fatalf("screenshot size %v", ss.Bounds())
	}
	if d := meanAbsDiff(t, ss, src); d == 0 || d > 12 {
		t.Errorf("screenshot distortion %.2f", d)
	}
}

// variance is the pixel variance of the red channel.
func variance(m *image.NRGBA) float64 {
	var s, s2, n float64
	for i := 0; i < len(m.Pix); i += 4 {
		v := float64(m.Pix[i])
		s += v
		s2 += v * v
		n++
	}
	return s2/n - (s/n)*(s/n)
}

func TestFiltersAndNoise(t *testing.T) {
	src := photo(7, 64, 48)
	flat := image.NewNRGBA(image.Rect(0, 0, 20, 20))
	for i := range flat.Pix {
		flat.Pix[i] = 100
	}
	opaque(flat)
	for _, name := range []string{"blur", "sharpen"} {
		if !same(apply(t, name, flat, 2, 0), flat) {
			t.Errorf("%s changed a flat image", name)
		}
		if !same(apply(t, name, src, 0, 0), src) {
			t.Errorf("%s=0 is not the identity", name)
		}
	}
	if v0, v1 := variance(src), variance(apply(t, "blur", src, 2, 0)); v1 >= v0 {
		t.Errorf("blur did not lower variance: %.1f -> %.1f", v0, v1)
	}
	if v0, v1 := variance(src), variance(apply(t, "sharpen", src, 2, 0)); v1 <= v0 {
		t.Errorf("sharpen did not raise variance: %.1f -> %.1f", v0, v1)
	}
	// Noise on mid-grey (no clamping): mean near 0, sd near s.
	grey := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	n := apply(t, "noise", grey, 10, 3)
	var s, s2, cnt float64
	for i := 0; i < len(n.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			d := float64(n.Pix[i+c]) - 128
			s += d
			s2 += d * d
			cnt++
		}
	}
	mean, sd := s/cnt, math.Sqrt(s2/cnt-(s/cnt)*(s/cnt))
	if math.Abs(mean) > 0.3 || math.Abs(sd-10) > 0.3 {
		t.Errorf("noise=10: mean %.3f sd %.3f", mean, sd)
	}
	if same(n, apply(t, "noise", grey, 10, 4)) {
		t.Error("noise ignores the seed")
	}
}

func TestTone(t *testing.T) {
	src := photo(8, 30, 20)
	for _, c := range []struct {
		name string
		s    float64
	}{{"gamma", 1}, {"brightness", 0}, {"contrast", 1}, {"grayscale", 0}} {
		if !same(apply(t, c.name, src, c.s, 0), src) {
			t.Errorf("%s=%v is not the identity", c.name, c.s)
		}
	}
	b := apply(t, "brightness", src, 0.1, 0)
	g := apply(t, "grayscale", src, 1, 0)
	gm := apply(t, "gamma", src, 2, 0)
	for i := 0; i < len(src.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			if want := min(int(src.Pix[i+c])+26, 255); int(b.Pix[i+c]) != want {
				t.Fatalf("brightness=0.1: %d -> %d, want %d", src.Pix[i+c], b.Pix[i+c], want)
			}
			if gm.Pix[i+c] > src.Pix[i+c] {
				t.Fatal("gamma=2 brightened a level")
			}
		}
		if g.Pix[i] != g.Pix[i+1] || g.Pix[i+1] != g.Pix[i+2] {
			t.Fatal("grayscale=1 left colour")
		}
	}
}

// changed returns the bounding box and count of pixels that differ.
func changed(a, b *image.NRGBA) (image.Rectangle, int) {
	var r image.Rectangle
	n := 0
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			if a.NRGBAAt(x, y) != b.NRGBAAt(x, y) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return r, n
}

func TestOverlays(t *testing.T) {
	src := photo(9, 200, 100)
	for _, s := range []float64{0.05, 0.1, 0.2} {
		out := apply(t, "text", src, s, 1)
		box, n := changed(out, src)
		if n == 0 || box.Dy() > int(math.Round(s*100)) {
			t.Errorf("text=%v: %d pixels changed in %v", s, n, box)
		}
	}
	for _, s := range []float64{0.01, 0.05, 0.1} {
		side := int(math.Round(math.Sqrt(s * 200 * 100)))
		out := apply(t, "logo", src, s, 2)
		box, n := changed(out, src)
		if n < side*side/2 || box.Dx() > side || box.Dy() > side {
			t.Errorf("logo=%v: %d pixels changed in %v, square side %d", s, n, box, side)
		}
	}
	a, _ := changed(apply(t, "logo", src, 0.05, 1), src)
	b, _ := changed(apply(t, "logo", src, 0.05, 2), src)
	if a == b {
		t.Error("logo position ignores the seed")
	}
}

// slowNRGBA converts through the generic colour model, the reference for
// toNRGBA's fast paths.
func slowNRGBA(src image.Image) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			c.A = 255
			dst.SetNRGBA(x, y, c)
		}
	}
	return dst
}

func TestToNRGBAFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(3, -2, 40, 27)
	var imgs []image.Image
	for _, ss := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		m := image.NewYCbCr(r, ss)
		for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
			for i := range p {
				p[i] = byte(rng.IntN(256))
			}
		}
		imgs = append(imgs, m, m.SubImage(image.Rect(5, 1, 30, 20)))
	}
	g := image.NewGray(r)
	rgba := image.NewRGBA(r)
	for i := range g.Pix {
		g.Pix[i] = byte(rng.IntN(256))
	}
	for i := 0; i < len(rgba.Pix); i += 4 {
		a := byte(255)
		if rng.IntN(3) == 0 {
			a = byte(rng.IntN(256))
		}
		rgba.Pix[i+3] = a
		for c := 0; c < 3; c++ {
			rgba.Pix[i+c] = byte(rng.IntN(int(a) + 1))
		}
	}
	imgs = append(imgs, g, g.SubImage(image.Rect(4, 0, 9, 9)), rgba, rgba.SubImage(image.Rect(7, 7, 20, 20)))
	for k, m := range imgs {
		if !same(toNRGBA(m), slowNRGBA(m)) {
			t.Errorf("image %d (%T): fast path differs from the colour model", k, m)
		}
	}
}
