package hashmatch

import (
	"crypto/rand"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// pdqShape is PDQ's shape.
var pdqShape, _ = shapeOf(imagehash.AlgPDQ)

// flipPDQ returns the PDQ hash h with the bits of its first n
// coefficients flipped.
func flipPDQ(t testing.TB, h phash.Hash, n int) phash.Hash {
	t.Helper()
	bits := make([]bool, pdqCoefs)
	for k := range bits {
		bits[pdqCoefs-1-k] = pdqShape.bit(h, k) != (k < n) // FromBits is MSB first
	}
	out, err := phash.FromBits(phash.PDQKind, bits)
	require.NoError(t, err)
	return out
}

// TestPDQLayoutInTheClear runs PDQ's layout (pdq.go) in float64: the
// windowed coefficient map and block sums, the 16 packed ciphertexts of
// pairs, exact steps, the rank sum and threshold, and the distance
// diagonals, and checks them against phash.PDQ and phash.Distance on the
// bundled photos and PDQ's 30 reference images, with the device's spread
// (pdqSpread) applied. It logs how close each image's two middle
// coefficients are, as a fraction of the pair bound, before and after the
// spread: the margin the encrypted comparison has.
func TestPDQLayoutInTheClear(t *testing.T) {
	dm, err := pdqCoefDiagonals()
	require.NoError(t, err)
	diags := make([][]float64, len(dm))
	for k, d := range dm {
		diags[k] = d
	}
	block, err := pdqBlockOnce()
	require.NoError(t, err)
	bound := block.bound
	step := func(x float64) float64 {
		if x > 0 {
			return 1
		}
		return 0
	}
	ps := append(photos(t), pdqImages(t)...)
	closest := math.Inf(1)
	for _, ph := range ps {
		x, sigma := standardize(ph.pdqLuma)
		spread, err := pdqSpread(x)
		require.NoError(t, err)
		require.GreaterOrEqual(t, spread, 1.0, ph.name)
		for i := range x {
			x[i] *= spread / pdqGain
		}
		c := make([]float64, nSlots)
		for s := range c {
			for b := 0; b < pdqBlocks; b++ {
				w := (s + b*pdqCoefs) % nSlots
				for k, d := range diags {
					c[s] += d[w] * x[(w+k)%nSlots]
				}
			}
		}
		want, err := imagehash.PlainCoefficients(imagehash.AlgPDQ, ph.pdqLuma)
		require.NoError(t, err)
		for s, v := range c {
			require.InDelta(t, want[s%pdqCoefs]*spread/(sigma*bound), v, 1e-12, "%s slot %d", ph.name, s)
		}
		rank := make([]float64, pdqCoefs)
		for k := 0; k < pdqBlocks; k++ {
			for s := 0; s < nSlots; s++ {
				a := s / pdqCoefs
				d := c[s] - c[(s+pdqBlocks*k+a)%nSlots]
				if k == 0 && a == 0 {
					d = 0.5
				}
				require.LessOrEqual(t, math.Abs(d), pdqSpreadTarget+1e-9)
				rank[s%pdqCoefs] += step(d)/128 - 128.5/(128*pdqCoefs)
			}
		}
		bits := make([]float64, pdqCoefs)
		for i, v := range rank {
			bits[i] = step(v)
		}
		h, _ := roundBits(t, phash.PDQKind, reverse(bits))
		require.Equal(t, ph.pdq.String(), h.String(), ph.name)

		sorted := slices.Clone(want)
		slices.Sort(sorted)
		gap := (sorted[128] - sorted[127]) / (sigma * bound)
		closest = min(closest, gap*spread)
		t.Logf("%-26s sigma %5.1f, two middle coefficients %.1e of the bound apart (2^%.1f), spread x%.1f: 2^%.1f", ph.name, sigma, gap, math.Log2(gap), spread, math.Log2(gap*spread))

		// Distance diagonals: the hash at T-1, T, T+1 and far.
		const T = 31
		db := []phash.Hash{flipPDQ(t, ph.pdq, T-1), flipPDQ(t, ph.pdq, T), flipPDQ(t, ph.pdq, T+1), flipPDQ(t, ph.pdq, 128)}
		dd, cst := distanceGroup(pdqShape, db, T)
		for e := range db {
			got := cst[e]
			for r, d := range dd {
				got += d[e] * bits[(e+r)%pdqCoefs]
			}
			dist, _ := phash.Distance(db[e], ph.pdq)
			require.InDelta(t, (T+0.5-float64(dist))/pdqCoefs, got, 1e-12)
		}
	}
	t.Logf("closest two middle coefficients over %d images, spread: 2^%.1f of the bound", len(ps), math.Log2(closest))
}

// reverse returns PDQ bits by coefficient in FromBits' order (most
// significant first: coefficient 255 first).
func reverse(bits []float64) []float64 {
	out := slices.Clone(bits)
	slices.Reverse(out)
	return out
}

// TestPDQPipelineInsecure runs PDQ's whole circuit under encryption at
// small, INSECURE parameters, bootstrapping with the secret key: the
// 256 bits against phash.PDQ, then the verdict and the count against a
// list holding the image's hash at T and T+1 and another image's.
func TestPDQPipelineInsecure(t *testing.T) {
	if testing.Short() {
		t.Skip("encrypted PDQ pipeline: minutes")
	}
	p, err := newInsecureParams(ForHash(insecureLiteral, imagehash.AlgPDQ))
	require.NoError(t, err)
	c, err := NewClient(p, rand.Reader)
	require.NoError(t, err)
	ps := photos(t)
	const T = 31
	target := ps[3]
	db := []phash.Hash{flipPDQ(t, ps[0].pdq, 40), flipPDQ(t, target.pdq, T), flipPDQ(t, target.pdq, T+1)}
	srv, err := newTestServer(c, db, T)
	require.NoError(t, err)
	for _, ph := range []photo{target, ps[4]} {
		q, err := c.QueryLuma(ph.pdqLuma)
		require.NoError(t, err)
		bits, err := hashBits(srv, c, q)
		require.NoError(t, err)
		h, worst := roundBits(t, phash.PDQKind, reverse(bits))
		dist, _ := phash.Distance(h, ph.pdq)
		t.Logf("%s: encrypted PDQ bits at distance %d from phash.PDQ, worst bit error %.2g", ph.name, dist, worst)
		require.Equal(t, ph.pdq.String(), h.String())

		checkAnswers(t, srv, c, ph.name, q, ph.pdq, db, T)
	}
}

// TestInputsRefused checks the clear errors on wrong inputs for both
// hashes: an unknown hash, thresholds out of range, an empty list, a list
// of the other hash, keys made for the other hash, and luma of the other
// hash's size.
func TestInputsRefused(t *testing.T) {
	_, err := newInsecureParams(ParamsLiteral{Name: "x", LogN: 13, LogQ: insecureLiteral.LogQ, LogP: insecureLiteral.LogP, LogScale: 40, Hash: imagehash.Alg("dhash8")})
	require.ErrorContains(t, err, `hash "dhash8"`)
	ps := photos(t)[:1]
	for _, alg := range []imagehash.Alg{imagehash.AlgPHash8, imagehash.AlgPDQ} {
		p, err := newInsecureParams(ForHash(insecureLiteral, alg))
		require.NoError(t, err)
		require.Equal(t, alg, p.Hash())
		c, err := NewClient(p, rand.Reader)
		require.NoError(t, err)
		own, other, otherLuma := ps[0].hash, ps[0].pdq, ps[0].pdqLuma
		if alg == imagehash.AlgPDQ {
			own, other, otherLuma = ps[0].pdq, ps[0].hash, ps[0].luma
		}
		_, err = newTestServer(c, []phash.Hash{own}, p.shape.coefs)
		require.ErrorContains(t, err, "threshold")
		_, err = newTestServer(c, []phash.Hash{own}, -1)
		require.ErrorContains(t, err, "threshold")
		_, err = newTestServer(c, nil, 1)
		require.ErrorContains(t, err, "empty database")
		_, err = newTestServer(c, []phash.Hash{own, other}, 1)
		require.ErrorContains(t, err, "entry 1 is")
		_, err = c.QueryLuma(otherLuma)
		require.ErrorContains(t, err, "luma values")
	}
	p8, err := newInsecureParams(insecureLiteral)
	require.NoError(t, err)
	pq, err := newInsecureParams(ForHash(insecureLiteral, imagehash.AlgPDQ))
	require.NoError(t, err)
	require.NotEqual(t, p8.id(), pq.id(), "keys for one hash must not load for the other")
	_, err = NewServer(pq, &Keys{p: p8}, []phash.Hash{ps[0].pdq}, 31)
	require.ErrorContains(t, err, "keys for other parameters")
}

// TestPDQPairNoise measures, at DefaultPDQ, the CKKS error of the 65,536
// pairwise differences the first sign stage reads (after the client's
// encryption, the coefficient map, the block sums and the rotations), on
// the bundled photos and PDQ's images, against the differences in
// float64, and the first sign stage's error near zero over its slope
// there. It checks both against what pdq.go's scales and single
// rescalings are designed to give, and logs, per image, the error and the two middle
// coefficients' difference, the margin that decides whether their bits
// can flip. Opt in with PRIVMATCH_HASHMATCH_PDQNOISE=1 (no bootstrapping;
// about 3 GB, seconds an image); PRIVMATCH_HASHMATCH_PDQNOISE_NAMES picks
// images by name (comma-separated).
func TestPDQPairNoise(t *testing.T) {
	if os.Getenv("PRIVMATCH_HASHMATCH_PDQNOISE") != "1" {
		t.Skip("set PRIVMATCH_HASHMATCH_PDQNOISE=1 (DefaultPDQ, no bootstrapping)")
	}
	p, err := NewParams(DefaultPDQ)
	require.NoError(t, err)
	c, err := NewClient(p, rand.Reader)
	require.NoError(t, err)
	ps := append(photos(t), pdqImages(t)...)
	srv, err := newTestServer(c, []phash.Hash{ps[0].pdq}, 31)
	require.NoError(t, err)
	block, err := pdqBlockOnce()
	require.NoError(t, err)
	if names := os.Getenv("PRIVMATCH_HASHMATCH_PDQNOISE_NAMES"); names != "" {
		ps = slices.DeleteFunc(ps, func(ph photo) bool { return !slices.Contains(strings.Split(names, ","), ph.name) })
		require.NotEmpty(t, ps, "no image named in PRIVMATCH_HASHMATCH_PDQNOISE_NAMES")
	}
	worst, worstRMS, firstWorstAll, firstRMSAll := 0.0, 0.0, 0.0, 0.0
	for _, ph := range ps {
		x, sigma := standardize(ph.pdqLuma)
		spread, err := pdqSpread(x)
		require.NoError(t, err)
		coef, err := imagehash.PlainCoefficients(imagehash.AlgPDQ, ph.pdqLuma)
		require.NoError(t, err)
		for i := range coef {
			coef[i] *= spread / (sigma * block.bound)
		}
		q, err := c.QueryLuma(ph.pdqLuma)
		require.NoError(t, err)
		got, first, err := pdqPairDiffs(srv, c, q)
		require.NoError(t, err)
		imgWorst, sum := 0.0, 0.0
		firstWorst, firstSum, nearZero := 0.0, 0.0, 0
		for k := range got {
			for sl, v := range got[k] {
				i := sl % pdqCoefs
				j := (i + pdqBlocks*k + sl/pdqCoefs) % pdqCoefs
				e := math.Abs(v - (coef[i] - coef[j]))
				imgWorst = max(imgWorst, e)
				sum += e * e
				if d := coef[i] - coef[j]; i != j && math.Abs(d) < 0x1p-8 {
					// The first stage's error near zero, read back
					// through its slope there.
					e := math.Abs(first[k][sl]-chebyshev(signFine[0], d)) / firstSlope
					firstWorst = max(firstWorst, e)
					firstSum += e * e
					nearZero++
				}
			}
		}
		if nearZero > 0 {
			firstWorstAll = max(firstWorstAll, firstWorst)
			firstRMSAll = max(firstRMSAll, math.Sqrt(firstSum/float64(nearZero)))
			t.Logf("%-26s first stage within 2^-8 of zero (%d pairs), error over its slope: worst 2^%.1f, rms 2^%.1f", ph.name, nearZero,
				math.Log2(firstWorst), math.Log2(math.Sqrt(firstSum/float64(nearZero))))
		}
		worst = max(worst, imgWorst)
		rms := math.Sqrt(sum / float64(pdqBlocks*nSlots))
		worstRMS = max(worstRMS, rms)
		sorted := slices.Clone(coef)
		slices.Sort(sorted)
		gap := sorted[128] - sorted[127]
		t.Logf("%-26s spread x%5.1f: error worst 2^%.1f, rms 2^%.1f; two middle coefficients 2^%.1f apart", ph.name, spread,
			math.Log2(imgWorst), math.Log2(rms), math.Log2(gap))
	}
	t.Logf("differences over all images: worst error 2^%.1f, largest rms 2^%.1f; first stage over its slope: worst 2^%.1f, largest rms 2^%.1f",
		math.Log2(worst), math.Log2(worstRMS), math.Log2(firstWorstAll), math.Log2(firstRMSAll))
	// Measured on two images while designing pdq.go: the circuit that
	// rescaled the map before the block sums and rotations left the
	// differences an rms error of 2^-16.7, one rescaling at the default
	// scale 2^-19.7, at pdqScaleGain times it 2^-23.7; the first stage's
	// 16 evaluations each rescaled left 2^-18.5 over its slope, summed
	// before one rescaling 2^-22.3.
	require.Less(t, worstRMS, 0x1p-22, "the differences' rms error")
	require.Less(t, worst, 0x1p-19, "a difference's error")
	require.Less(t, firstRMSAll, 0x1p-21, "the first stage's rms error over its slope")
	require.Less(t, firstWorstAll, 0x1p-18, "the first stage's error over its slope")
}

// firstSlope is signFine's first stage's slope at zero: sum of n c_n
// (-1)^((n-1)/2) over its odd Chebyshev coefficients.
var firstSlope = func() float64 {
	sum := 0.0
	for n := 1; n < len(signFine[0]); n += 2 {
		v, err := strconv.ParseFloat(signFine[0][n], 64)
		if err != nil {
			panic(err)
		}
		sum += float64(n) * v * float64(1-2*((n-1)/2%2))
	}
	return sum
}()
