package imagehash

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// TestPlainPipelineMatchesHashers checks the client front end and the
// float64 DCT against the plaintext hashers: thresholding PlainCoefficients
// of Luma must give phash.PHash8's bits exactly, and phash.PDQ's except
// where a coefficient lies within float32 rounding of the median (PDQ
// computes in float32; those are counted and bounded).
func TestPlainPipelineMatchesHashers(t *testing.T) {
	imgs := corpus(t)
	for _, alg := range []Alg{AlgPHash8, AlgPDQ} {
		t.Run(string(alg), func(t *testing.T) {
			diffBits := 0
			for _, c := range imgs {
				luma, err := Luma(alg, c.img)
				require.NoError(t, err)
				coeffs, err := PlainCoefficients(alg, luma)
				require.NoError(t, err)
				got, err := Threshold(alg, coeffs)
				require.NoError(t, err)
				want, err := plainHasher(alg).Hash(c.img)
				require.NoError(t, err)
				d, err := phash.Distance(got, want)
				require.NoError(t, err)
				if alg == AlgPHash8 {
					require.Zerof(t, d, "%s: %s vs %s", c.name, got, want)
					continue
				}
				// float32 DCT error: about 2^-24 relative per term of a
				// 4096-term sum of terms below 255/32.
				tol := 4096 * 255.0 / 32 * math.Ldexp(1, -22)
				near := NearMedian(alg, coeffs, tol)
				require.LessOrEqualf(t, d, near, "%s: %d bits differ, %d coefficients within %.2g of the median", c.name, d, near, tol)
				diffBits += d
			}
			t.Logf("%s: %d images, %d bits differ from the plaintext hasher in total", alg, len(imgs), diffBits)
		})
	}
}

// TestMatrixMatchesSeparable checks the dense matrix the server encodes
// against the separable reference on one luma vector.
func TestMatrixMatchesSeparable(t *testing.T) {
	for _, alg := range []Alg{AlgPHash8, AlgPDQ} {
		s, _ := shapeOf(alg)
		luma := make([]float64, s.inputs)
		for i := range luma {
			luma[i] = float64((i * 37) % 256)
		}
		want, err := PlainCoefficients(alg, luma)
		require.NoError(t, err)
		for o, row := range matrix(alg) {
			sum := 0.0
			for i, v := range row {
				sum += v * luma[i]
			}
			require.InDelta(t, want[o], sum, 1e-6*math.Max(1, math.Abs(want[o])), "%s output %d", alg, o)
		}
	}
}

// TestLumaSizesAndBounds checks the front ends on random images of awkward
// sizes (upsampled, exactly 32x32 and 64x64, odd sides, bounds not at the
// origin) against the plaintext hashers, and PDQ's minimum size.
func TestLumaSizesAndBounds(t *testing.T) {
	seed := uint64(7)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for _, sz := range [][2]int{{7, 9}, {31, 33}, {32, 32}, {64, 64}, {65, 200}, {300, 129}} {
		img := image.NewRGBA(image.Rect(5, -3, 5+sz[0], -3+sz[1]))
		for i := range img.Pix {
			img.Pix[i] = uint8(r.IntN(256))
		}
		for _, alg := range []Alg{AlgPHash8, AlgPDQ} {
			luma, err := Luma(alg, img)
			require.NoError(t, err)
			coeffs, err := PlainCoefficients(alg, luma)
			require.NoError(t, err)
			got, err := Threshold(alg, coeffs)
			require.NoError(t, err)
			want, err := plainHasher(alg).Hash(img)
			require.NoError(t, err)
			require.Equalf(t, want, got, "%s %v", alg, sz)
		}
	}
	_, err := Luma(AlgPDQ, image.NewGray(image.Rect(0, 0, 4, 100)))
	require.ErrorContains(t, err, "minimum")
	_, err = Luma(AlgPHash8, image.NewGray(image.Rect(0, 0, 0, 0)))
	require.ErrorContains(t, err, "empty")
}
