package attack

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// photo is a deterministic smooth colour test image with some texture,
// its bounds starting at origin.
func photo(seed uint64, origin image.Point, w, h int) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	m := image.NewNRGBA(image.Rectangle{origin, origin.Add(image.Pt(w, h))})
	var fx, fy, ph [4]float64
	for i := range fx {
		fx[i], fy[i], ph[i] = r.Float64()*0.2, r.Float64()*0.2, r.Float64()*6
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i := range fx {
				v += math.Sin(fx[i]*float64(x)+fy[i]*float64(y)+ph[i]) * 25
			}
			o := m.PixOffset(origin.X+x, origin.Y+y)
			base := 128 + v + r.NormFloat64()*4
			m.Pix[o] = clampByte(base)
			m.Pix[o+1] = clampByte(base*0.8 + 30)
			m.Pix[o+2] = clampByte(255 - base)
			m.Pix[o+3] = 0xff
		}
	}
	return m
}

func clampByte(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

func hasher(t *testing.T, name string) phash.Hasher {
	t.Helper()
	h, err := phash.ByName(name)
	require.NoError(t, err)
	return h
}

// reload saves img as PNG and decodes it again through phash.Load, as a
// third party checking the claim would.
func reload(t *testing.T, img image.Image) image.Image {
	t.Helper()
	p := filepath.Join(t.TempDir(), "p.png")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	m, err := phash.Load(p, phash.LoadOptions{})
	require.NoError(t, err)
	return m
}

// checkClaim recomputes a result's hash distance and quality from the
// saved PNG with the real hasher and compares them with what was reported.
func checkClaim(t *testing.T, orig image.Image, cfg Config, res Result) {
	t.Helper()
	got := reload(t, res.Perturbed)
	h, err := cfg.Hasher.Hash(got)
	require.NoError(t, err)
	require.Equal(t, res.Hash, h)
	h0, err := cfg.Hasher.Hash(orig)
	require.NoError(t, err)
	ref := h0
	if cfg.Kind == Collide {
		ref = cfg.Target
	}
	d, err := phash.Distance(h, ref)
	require.NoError(t, err)
	require.Equal(t, res.DistanceAfter, d)
	thr := cfg.Threshold
	if thr == 0 {
		thr = cfg.Hasher.Threshold().Distance
	}
	psnrMin := cfg.PSNRMin
	if psnrMin == 0 {
		psnrMin = DefaultPSNRMin
	}
	q, err := Measure(orig, got)
	require.NoError(t, err)
	require.InDelta(t, q.PSNR, res.Quality.PSNR, 1e-9)
	require.InDelta(t, q.SSIM, res.Quality.SSIM, 1e-12)
	ok := q.PSNR >= psnrMin
	if cfg.Kind == Evade {
		ok = ok && d > thr
		if cfg.Dihedral {
			dh, _, err := cfg.Hasher.(*phash.PDQHasher).Dihedral(got)
			require.NoError(t, err)
			for _, x := range dh {
				dd, _ := phash.Distance(x, h0)
				ok = ok && dd > thr
			}
		}
	} else {
		ok = ok && d <= thr
	}
	require.Equal(t, ok, res.Success, "reported success disagrees with the real hasher")
	require.LessOrEqual(t, res.Queries, cfg.Queries)
}

func TestWhiteBoxEvasionVerified(t *testing.T) {
	for _, name := range []string{"ahash8", "dhash8", "dhashv8", "phash8", "phash-simple8", "pdq", "pdq-ref512"} {
		t.Run(name, func(t *testing.T) {
			img := photo(7, image.Pt(-3, 5), 96, 80)
			cfg := Config{Kind: Evade, Model: WhiteBox, Hasher: hasher(t, name), Seed: 3, Queries: 40,
				Dihedral: name == "pdq"}
			res, err := Run(img, cfg)
			require.NoError(t, err)
			checkClaim(t, img, cfg, res)
			require.True(t, res.Success, "white-box evasion of a smooth image at 40 dB: distance %d, PSNR %.1f", res.DistanceAfter, res.Quality.PSNR)
		})
	}
}

func TestWhiteBoxCollisionVerified(t *testing.T) {
	for _, name := range []string{"dhash8", "phash8", "pdq"} {
		t.Run(name, func(t *testing.T) {
			h := hasher(t, name)
			img := photo(11, image.Point{}, 80, 72)
			target, err := h.Hash(photo(12, image.Point{}, 80, 72))
			require.NoError(t, err)
			cfg := Config{Kind: Collide, Model: WhiteBox, Hasher: h, Target: target, PSNRMin: 25, Seed: 5, Queries: 40}
			res, err := Run(img, cfg)
			require.NoError(t, err)
			checkClaim(t, img, cfg, res)
			require.Greater(t, res.DistanceBefore, h.Threshold().Distance)
			require.True(t, res.Success, "collision at 25 dB: distance %d, PSNR %.1f", res.DistanceAfter, res.Quality.PSNR)
		})
	}
}

func TestBlackBoxVerifiedAndDeterministic(t *testing.T) {
	img := photo(21, image.Point{}, 64, 64)
	cfg := Config{Kind: Evade, Model: BlackBox, Hasher: hasher(t, "dhash8"), Seed: 9, Queries: 600}
	a, err := Run(img, cfg)
	require.NoError(t, err)
	checkClaim(t, img, cfg, a)
	b, err := Run(img, cfg)
	require.NoError(t, err)
	require.Equal(t, a.Perturbed.Pix, b.Perturbed.Pix, "same seed, different image")
	require.Equal(t, a.Queries, b.Queries)
	// goimagehash has no white-box model but can be attacked black-box.
	cfg.Hasher = hasher(t, "goimagehash-phash")
	cfg.Queries = 200
	c, err := Run(img, cfg)
	require.NoError(t, err)
	checkClaim(t, img, cfg, c)
	_, err = Run(img, Config{Kind: Evade, Model: WhiteBox, Hasher: cfg.Hasher})
	require.ErrorIs(t, err, ErrNoModel)
}

// TestModelMatchesHasher checks the white-box surrogate against the real
// hashers on unperturbed images: the same bits, bar near-ties.
func TestModelMatchesHasher(t *testing.T) {
	for _, name := range []string{"ahash8", "ahash16", "dhash8", "dhash16", "dhashv8", "phash8", "phash16", "phash-simple8", "pdq", "pdq-ref512"} {
		for _, size := range []image.Point{{96, 80}, {600, 530}} {
			img := photo(uint64(size.X), image.Point{}, size.X, size.Y)
			h := hasher(t, name)
			p, err := planeOf(img)
			require.NoError(t, err)
			m, err := modelFor(h, p.w, p.h)
			require.NoError(t, err)
			f := m.features(p.luma(), p.w, p.h)
			thr := m.threshold(f)
			real, err := h.Hash(img)
			require.NoError(t, err)
			bad := 0
			sure := 0
			for i, v := range f {
				// Near-ties (within 3 standard deviations of the rounding
				// the surrogate ignores) may go either way.
				if math.Abs(v-thr) > 3*m.noise[i] {
					sure++
					if (v > thr) != real.Bit(m.bit[i]) {
						bad++
					}
				}
			}
			require.Zero(t, bad, "%s at %v: surrogate disagrees on %d confident bits", name, size, bad)
			require.Greater(t, sure, len(f)/2, "%s at %v: too few confident bits to test", name, size)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	img := photo(1, image.Point{}, 32, 32)
	pdq := hasher(t, "pdq")
	other, err := hasher(t, "phash8").Hash(img)
	require.NoError(t, err)
	for name, cfg := range map[string]Config{
		"no hasher":       {Kind: Evade, Model: WhiteBox},
		"bad kind":        {Kind: "steal", Model: WhiteBox, Hasher: pdq},
		"bad model":       {Kind: Evade, Model: "grey", Hasher: pdq},
		"no target":       {Kind: Collide, Model: WhiteBox, Hasher: pdq},
		"wrong target":    {Kind: Collide, Model: WhiteBox, Hasher: pdq, Target: other},
		"dihedral phash":  {Kind: Evade, Model: WhiteBox, Hasher: hasher(t, "phash8"), Dihedral: true},
		"negative psnr":   {Kind: Evade, Model: WhiteBox, Hasher: pdq, PSNRMin: -1},
		"tiny budget":     {Kind: Evade, Model: BlackBox, Hasher: pdq, Queries: 1},
		"no white colour": {Kind: Evade, Model: WhiteBox, Hasher: hasher(t, "colorhash")},
	} {
		_, err := Run(img, cfg)
		require.Error(t, err, name)
	}
	_, err = Run(image.NewNRGBA(image.Rect(0, 0, 0, 0)), Config{Kind: Evade, Model: WhiteBox, Hasher: pdq})
	require.Error(t, err)
}

func TestMeasure(t *testing.T) {
	a := photo(3, image.Pt(2, 2), 20, 16)
	b := image.NewNRGBA(a.Bounds())
	copy(b.Pix, a.Pix)
	q, err := Measure(a, b)
	require.NoError(t, err)
	require.Equal(t, Quality{PSNR: math.Inf(1), SSIM: 1}, q)
	// One sample off by 12 and one by 5.
	o := b.PixOffset(5, 7)
	b.Pix[o] = uint8(int(a.Pix[o]) + map[bool]int{true: -12, false: 12}[a.Pix[o] > 128])
	o2 := b.PixOffset(10, 3) + 2
	b.Pix[o2] = uint8(int(a.Pix[o2]) + map[bool]int{true: -5, false: 5}[a.Pix[o2] > 128])
	q, err = Measure(a, b)
	require.NoError(t, err)
	require.InDelta(t, 13, q.L2, 1e-12)
	require.Equal(t, 12.0, q.LInf)
	require.InDelta(t, 10*math.Log10(255*255/(169.0/(20*16*3))), q.PSNR, 1e-9)
	require.Less(t, q.SSIM, 1.0)
	_, err = Measure(a, photo(3, image.Point{}, 20, 15))
	require.Error(t, err)
}

func TestSSIMHand(t *testing.T) {
	// Flat 11x11 images: one window, zero variances, so SSIM is the
	// luminance term (2 mx my + C1)/(mx^2 + my^2 + C1).
	flat := func(v uint8) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 11, 11))
		for i := range g.Pix {
			g.Pix[i] = v
		}
		return g
	}
	c1 := math.Pow(0.01*255, 2)
	got, err := SSIM(flat(77), flat(200))
	require.NoError(t, err)
	require.InDelta(t, (2*77*200+c1)/(77*77+200*200+c1), got, 1e-12)
	got, err = SSIM(flat(0), flat(0))
	require.NoError(t, err)
	require.Equal(t, 1.0, got)
	// A 2-level checkerboard against its negative, 11x11: the means are
	// equal, the covariance is -variance, so SSIM = (-2v + C2)/(2v + C2)
	// times the luminance term, with v the Gaussian-weighted variance.
	a, b := image.NewGray(image.Rect(0, 0, 11, 11)), image.NewGray(image.Rect(0, 0, 11, 11))
	wsum, w1 := 0.0, 0.0
	for y := 0; y < 11; y++ {
		for x := 0; x < 11; x++ {
			wt := ssimKernel[x] * ssimKernel[y]
			wsum += wt
			if (x+y)%2 == 0 {
				a.Pix[y*11+x], b.Pix[y*11+x] = 100, 140
				w1 += wt
			} else {
				a.Pix[y*11+x], b.Pix[y*11+x] = 140, 100
			}
		}
	}
	mx := (100*w1 + 140*(wsum-w1)) / wsum
	my := (140*w1 + 100*(wsum-w1)) / wsum
	vx := (100*100*w1+140*140*(wsum-w1))/wsum - mx*mx
	vy := (140*140*w1+100*100*(wsum-w1))/wsum - my*my
	cxy := (100*140*wsum)/wsum - mx*my
	c2 := math.Pow(0.03*255, 2)
	want := (2*mx*my + c1) * (2*cxy + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
	got, err = SSIM(a, b)
	require.NoError(t, err)
	require.InDelta(t, want, got, 1e-12)
	_, err = SSIM(image.NewGray(image.Rect(0, 0, 10, 20)), image.NewGray(image.Rect(0, 0, 10, 20)))
	require.Error(t, err)
}

// TestSSIMScikitImage compares with values from scikit-image; see
// testdata/gen_ssim.py.
func TestSSIMScikitImage(t *testing.T) {
	raw, err := os.ReadFile("testdata/ssim_vectors.json")
	require.NoError(t, err)
	var v struct {
		Cases []struct {
			Name, A, B string
			SSIM       float64
		}
	}
	require.NoError(t, json.Unmarshal(raw, &v))
	require.NotEmpty(t, v.Cases)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			a, err := phash.Load(filepath.Join("testdata", c.A), phash.LoadOptions{})
			require.NoError(t, err)
			b, err := phash.Load(filepath.Join("testdata", c.B), phash.LoadOptions{})
			require.NoError(t, err)
			got, err := SSIM(a, b)
			require.NoError(t, err)
			require.InDelta(t, c.SSIM, got, 1e-9)
		})
	}
}

func TestStrip(t *testing.T) {
	a := photo(4, image.Pt(1, 1), 12, 10)
	b := image.NewNRGBA(a.Bounds())
	copy(b.Pix, a.Pix)
	b.Pix[b.PixOffset(3, 4)] += 2
	s, err := Strip(a, b, 10)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 3*12+8, 10), s.Bounds())
	require.Equal(t, uint8(148), s.Pix[s.PixOffset(2*16+2, 3)])
	require.Equal(t, uint8(128), s.Pix[s.PixOffset(2*16+3, 3)])
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, s))
}

func TestCollideAny(t *testing.T) {
	h := hasher(t, "dhash8")
	img := photo(31, image.Point{}, 64, 64)
	self, err := h.Hash(img)
	require.NoError(t, err)
	far, err := h.Hash(photo(32, image.Point{}, 64, 64))
	require.NoError(t, err)
	// A list holding the image's own hash is hit at once; the closest try
	// really is that close.
	r, err := CollideAny(img, h, []phash.Hash{far, self}, 0, 40, 5, 1)
	require.NoError(t, err)
	require.True(t, r.Success)
	require.Equal(t, 1, r.Match)
	got, err := h.Hash(reload(t, r.Perturbed))
	require.NoError(t, err)
	d, _ := phash.Distance(got, self)
	require.Equal(t, r.MinDistance, d)
	q, err := Measure(img, r.Perturbed)
	require.NoError(t, err)
	require.GreaterOrEqual(t, q.PSNR, 40.0)
	_, err = CollideAny(img, h, nil, 0, 40, 5, 1)
	require.Error(t, err)
	_, err = CollideAny(img, h, []phash.Hash{{}}, 0, 40, 5, 1)
	require.Error(t, err)
}
