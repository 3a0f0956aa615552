package imagehash

import (
	"flag"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

var sweep = flag.Bool("sweep", false, "run TestPrecisionSweep (about a minute): agreement against CKKS scale")

// TestPrecisionSweep measures, for scales 2^16..2^40 at LogN 13, how far
// the encrypted coefficients stray from the float64 DCT and how many hash
// bits then differ from phash.PHash8 and phash.PDQ over the corpus. It
// prints one markdown table row per (alg, scale). Opt in with -sweep.
func TestPrecisionSweep(t *testing.T) {
	if !*sweep {
		t.Skip("opt in with -sweep")
	}
	imgs := corpus(t)
	var rows []string
	for _, alg := range []Alg{AlgPHash8, AlgPDQ} {
		lumas := make([][]float64, len(imgs))
		plain := make([]phash.Hash, len(imgs))
		for i, im := range imgs {
			var err error
			lumas[i], err = Luma(alg, im.img)
			require.NoError(t, err)
			plain[i], err = plainHasher(alg).Hash(im.img)
			require.NoError(t, err)
		}
		for _, s := range []int{16, 18, 20, 22, 24, 26, 28, 30, 35, 40} {
			if _, err := NewParameters(Literal{Literal: WithScale(s), Alg: alg}); err != nil {
				t.Logf("scale 2^%d: %v", s, err)
				continue
			}
			p, c, srv := setup(t, alg, WithScale(s))
			full := 255 * p.norm
			worst, bitsOff := 0.0, 0
			dists := make([]int, len(imgs))
			for i := range imgs {
				q, err := c.QueryLuma(lumas[i])
				require.NoError(t, err)
				a, err := srv.Answer(q)
				require.NoError(t, err)
				res, err := c.Finish(a)
				require.NoError(t, err)
				want, err := PlainCoefficients(alg, lumas[i])
				require.NoError(t, err)
				for k := range want {
					worst = max(worst, math.Abs(res.Coefficients[k]-want[k]))
				}
				dists[i], err = phash.Distance(res.Hash, plain[i])
				require.NoError(t, err)
				bitsOff += dists[i]
			}
			sort.Ints(dists)
			nz := 0
			for _, d := range dists {
				if d > 0 {
					nz++
				}
			}
			ber := float64(bitsOff) / float64(len(imgs)*p.Outputs())
			rows = append(rows, fmt.Sprintf("| %s | 2^%d | %v | %.1f | %.2g | %.4f | %d/%d | %d | %d |",
				alg, s, p.Literal().LogQ, p.LogQP(), worst/full, ber, nz, len(imgs), dists[len(dists)/2], dists[len(dists)-1]))
		}
	}
	t.Logf("\n| alg | scale | LogQ | logQP | worst coef. error / full scale | bit error rate | images with distance > 0 | median distance | max distance |\n|---|---|---|---|---|---|---|---|---|\n%s", strings.Join(rows, "\n"))
}
