package hashmatch

import (
	"crypto/rand"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// TestTraceDefault runs the hashing stage at Default with real
// bootstrapping on PRIVMATCH_HASHMATCH_TRACE_PHOTOS (default chelsea.png;
// "all", or comma-separated names of bundled photos or PDQ's images)
// and logs the error of every intermediate value against the plaintext,
// and the precision of one bootstrap. Opt in with
// PRIVMATCH_HASHMATCH_TRACE=1 (about 10 GB, minutes).
func TestTraceDefault(t *testing.T) {
	if os.Getenv("PRIVMATCH_HASHMATCH_TRACE") != "1" {
		t.Skip("set PRIVMATCH_HASHMATCH_TRACE=1 (Default with bootstrapping)")
	}
	p, err := NewParams(Default)
	require.NoError(t, err)
	c, err := NewClient(p, rand.Reader)
	require.NoError(t, err)
	keys, err := c.Keys()
	require.NoError(t, err)
	ks, err := keys.decode()
	require.NoError(t, err)

	// Bootstrapping precision on values uniform in [-1, 1].
	be, err := bootstrapping.NewEvaluator(p.btp, ks.btp)
	require.NoError(t, err)
	vals := make([]float64, nSlots)
	buf := make([]byte, nSlots)
	_, _ = rand.Read(buf)
	for i := range vals {
		vals[i] = float64(int(buf[i])-128) / 128
	}
	pt := hefloat.NewPlaintext(p.residual, 1)
	pt.LogDimensions = dims
	require.NoError(t, c.ecd.Encode(vals, pt))
	ct, err := c.enc.EncryptNew(pt)
	require.NoError(t, err)
	ct, err = be.Bootstrap(ct)
	require.NoError(t, err)
	out := c.decryptSlots(ct)
	worst := 0.0
	for i := range vals {
		worst = max(worst, math.Abs(out[i]-vals[i]))
	}
	t.Logf("bootstrap: level %d -> %d, worst error %.2e (2^%.1f) on 4096 values in [-1, 1]", 1, ct.Level(), worst, math.Log2(worst))

	srv, err := NewServer(p, keys, database(t, 1, photos(t)[0].hash, 10), 10)
	require.NoError(t, err)
	names := map[string]bool{"chelsea.png": true}
	switch s := os.Getenv("PRIVMATCH_HASHMATCH_TRACE_PHOTOS"); s {
	case "":
	case "all":
		names = nil
	default:
		names = map[string]bool{}
		for _, n := range strings.Split(s, ",") {
			names[n] = true
		}
	}
	m, err := dct(phash8Shape)
	require.NoError(t, err)
	bound := pairBound(m, 1)
	for _, ph := range append(photos(t), pdqImages(t)...) {
		if names != nil && !names[ph.name] {
			continue
		}
		q, err := c.QueryLuma(ph.luma)
		require.NoError(t, err)
		d, steps, rank, bits, err := hashTrace(srv, c, q)
		require.NoError(t, err)
		coef, err := imagehash.PlainCoefficients(imagehash.AlgPHash8, ph.luma)
		require.NoError(t, err)
		_, sigma := standardize(ph.luma)
		dErr := 0.0
		var gaps []float64
		for s := range d {
			i, j := s%nCoef, s/nCoef
			want := 0.0
			if i > 0 && j > 0 {
				want = (coef[i] - coef[j]) / (sigma * bound)
			}
			dErr = max(dErr, math.Abs(d[s]-want))
			if 0 < i && i < j {
				gaps = append(gaps, math.Abs(want))
			}
		}
		sort.Float64s(gaps)
		for sl, v := range steps {
			i, j := sl%nCoef, sl/nCoef
			want := 0.0
			if coef[i] > coef[j] || i == j || (i == 0 && j != 0) {
				want = 1
			}
			if got := v*nCoef + 32.5/nCoef; math.Abs(got-want) > 0.25 {
				t.Logf("%s: pair (%d, %d): step %.4f, want %.0f; D %.3e, want %.3e", ph.name, i, j, got, want, d[sl], (coef[i]-coef[j])/(sigma*bound))
			}
		}
		rErr, bErr, flips := 0.0, 0.0, 0
		for i := 0; i < nCoef; i++ {
			less := 0
			for j := 0; j < nCoef; j++ {
				if coef[j] < coef[i] {
					less++
				}
			}
			rErr = max(rErr, math.Abs(rank[i]-(float64(less+1)-32.5)/nCoef))
			want := 0.0
			if coefBit(ph.hash, i) {
				want = 1
			}
			bErr = max(bErr, math.Abs(bits[i]-want))
			if (bits[i] > 0.5) != (want == 1) {
				flips++
			}
		}
		t.Logf("%s: D error %.2e (2^%.1f); smallest pair gaps %.2e %.2e %.2e; rank error %.2e (x64: %.3f); bit error %.2e; bits differing %d",
			ph.name, dErr, math.Log2(dErr), gaps[0], gaps[1], gaps[2], rErr, rErr*64, bErr, flips)
	}
}
