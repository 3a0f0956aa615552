package attack

import (
	"image"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSplitLuma checks the weighted split against its definition: the luma
// change asked for is achieved exactly while no channel clamps, the split
// then costs 1/(3|w|^2) of the equal split's squared change, channels stay
// within [0, 255], and a clamped channel's share moves to the others.
func TestSplitLuma(t *testing.T) {
	luma := func(p []uint8, d [3]float64) float64 {
		return lumaW[0]*d[0] + lumaW[1]*d[1] + lumaW[2]*d[2]
	}
	var d [3]float64
	p := []uint8{100, 120, 140}
	got := splitLuma(p, 2, &d)
	require.InDelta(t, 2, got, 1e-12)
	require.InDelta(t, 2, luma(p, d), 1e-12)
	require.InDelta(t, 4/(3*lumaW2), (d[0]*d[0]+d[1]*d[1]+d[2]*d[2])/3, 1e-12)
	require.InDelta(t, 0.7457, 1/(3*lumaW2), 1e-4)

	// G at 255 cannot go up: R and B carry the whole change.
	p = []uint8{100, 255, 140}
	got = splitLuma(p, 2, &d)
	require.InDelta(t, 2, got, 1e-12)
	require.Zero(t, d[1])
	require.InDelta(t, 2, luma(p, d), 1e-12)
	require.InDelta(t, d[0]/lumaW[0], d[2]/lumaW[2], 1e-12, "least-norm split over the free channels")

	// White cannot go up at all; black cannot go down.
	require.InDelta(t, 0, splitLuma([]uint8{255, 255, 255}, 3, &d), 1e-12)
	require.InDelta(t, 0, splitLuma([]uint8{0, 0, 0}, -3, &d), 1e-12)
	// Near the top, every channel ends within range and the luma achieved
	// is what the channels give.
	p = []uint8{250, 254, 200}
	got = splitLuma(p, 9, &d)
	for c := range 3 {
		v := float64(p[c]) + d[c]
		require.True(t, v >= -1e-9 && v <= 255+1e-9, "channel %d at %v", c, v)
	}
	require.InDelta(t, got, luma(p, d), 1e-9)
	require.Greater(t, got, 5.0)
	require.Less(t, got, 9.0)
}

// TestApplyDeltaRGBDither checks that dithering is unbiased per channel:
// the mean change over many pixels matches the split's.
func TestApplyDeltaRGBDither(t *testing.T) {
	const n = 20000
	orig := rgbImage{w: n, h: 1, pix: make([]uint8, 3*n)}
	for i := range orig.pix {
		orig.pix[i] = 128
	}
	delta, u := make([]float64, n), make([]float64, 3*n)
	for i := range delta {
		delta[i] = 1.7
	}
	for i := range u {
		u[i] = (float64(i%997) + 0.5) / 997
	}
	out := applyDeltaRGB(orig, delta, u)
	var d [3]float64
	splitLuma(orig.pix[:3], 1.7, &d)
	for c := range 3 {
		sum := 0.0
		for i := 0; i < n; i++ {
			sum += float64(out.pix[3*i+c]) - 128
		}
		require.InDelta(t, d[c], sum/n, 0.01, "channel %d", c)
	}
	require.False(t, math.IsNaN(psnrRGB(orig, out)))
}

func TestProgressCallback(t *testing.T) {
	img := photo(21, image.Point{}, 48, 48)
	var calls []int
	cfg := Config{Kind: Evade, Model: BlackBox, Hasher: hasher(t, "dhash8"), Seed: 9, Queries: 180,
		Progress: func(q int) { calls = append(calls, q) }}
	res, err := Run(img, cfg)
	require.NoError(t, err)
	require.NotEmpty(t, calls)
	require.Equal(t, res.Queries, calls[len(calls)-1])
	for i := 1; i < len(calls); i++ {
		require.GreaterOrEqual(t, calls[i], calls[i-1])
	}
}

// TestModelPSNR recomputes the surrogate's optimum along an independent
// path: the explicit lift through the resize adjoint (not the Gram matrix
// the optimum is computed from) must move the planned features by exactly
// their gaps, and its RMS, split over RGB, must give the reported PSNR.
func TestModelPSNR(t *testing.T) {
	for _, name := range []string{"ahash8", "dhash8", "phash8", "pdq"} {
		img := photo(5, image.Point{}, 90, 70)
		h := hasher(t, name)
		res, err := Run(img, Config{Kind: Evade, Model: WhiteBox, Hasher: h, Seed: 1, Queries: 3})
		require.NoError(t, err)
		p, err := planeOf(img)
		require.NoError(t, err)
		m, err := modelFor(h, p.w, p.h)
		require.NoError(t, err)
		f0, err := m.exactFeatures(p)
		require.NoError(t, err)
		st := &state{orig: p, goal: goal{kind: Evade, ref: res.Original, threshold: h.Threshold().Distance}}
		idx, d := st.plan(m, f0, m.threshold(f0), 0, 0)
		require.Len(t, idx, map[string]int{"ahash8": 11, "dhash8": 11, "phash8": 12, "pdq": 32}[name])
		delta, err := m.lift(idx, d, p.w, p.h)
		require.NoError(t, err)
		jd := m.features(delta, p.w, p.h)
		for a, i := range idx {
			require.InDelta(t, d[a], jd[i], 1e-6*(1+math.Abs(d[a])), "%s: feature %d", name, i)
		}
		r := rms(delta) * rgbPerLuma
		require.InDelta(t, psnrOfMSE(r*r), res.ModelPSNR, 1e-6, name)
	}
}

// TestSplitterMatchesSplitLuma checks the fast path against the plain one
// on an image with clamped pixels and changes large enough to clamp.
func TestSplitterMatchesSplitLuma(t *testing.T) {
	img := photo(3, image.Point{}, 40, 30)
	for i := 0; i < 200; i++ { // black and white patches
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2] = 0, 0, 3
		img.Pix[4*(i+400)], img.Pix[4*(i+400)+1], img.Pix[4*(i+400)+2] = 255, 250, 255
	}
	p, err := planeOf(img)
	require.NoError(t, err)
	n := p.w * p.h
	delta, u := make([]float64, n), make([]float64, 3*n)
	for i := range delta {
		delta[i] = 12 * math.Sin(float64(i)*0.37)
	}
	for i := range u {
		u[i] = math.Mod(float64(i)*0.618, 1)
	}
	sp := newSplitter(p)
	require.InDelta(t, rgbRMS(p, delta), sp.rms(delta), 1e-9)
	require.Equal(t, applyDeltaRGB(p, delta, u).pix, sp.apply(delta, u).pix)
	a, b := make([]float64, n), make([]float64, n)
	clampedLuma(p, delta, a)
	sp.clamped(delta, b)
	require.InDeltaSlice(t, a, b, 1e-9)
}
