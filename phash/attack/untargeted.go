package attack

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/privmatch/privmatch/phash"
)

// UntargetedResult is the outcome of CollideAny.
type UntargetedResult struct {
	// Success: some try landed within the threshold of some listed hash.
	Success bool
	// MinDistance is the least distance from any try to any listed hash;
	// Match is the index in the list it was reached at.
	MinDistance, Match int
	// Tries counts the perturbed images hashed (one query each).
	Tries int
	// Perturbed is the try that came closest.
	Perturbed *image.NRGBA
}

// CollideAny models the attacker who knows the algorithm but not the
// list: it perturbs img in up to tries random low-frequency directions (the
// black-box grid, scaled to the PSNR budget; psnrMin 0 means
// DefaultPSNRMin) and reports whether any perturbed image hashes within
// threshold (0: the hasher's) of any hash in db. The list is used only to
// judge success, never to steer, which is what not knowing it means.
func CollideAny(img image.Image, h phash.Hasher, db []phash.Hash, threshold int, psnrMin float64, tries int, seed uint64) (UntargetedResult, error) {
	if h == nil || len(db) == 0 || tries < 1 || threshold < 0 || psnrMin < 0 {
		return UntargetedResult{}, fmt.Errorf("attack: collide-any: need a hasher, a non-empty list, tries >= 1 and non-negative threshold and PSNR")
	}
	orig, err := planeOf(img)
	if err != nil {
		return UntargetedResult{}, err
	}
	if threshold == 0 {
		threshold = h.Threshold().Distance
	}
	if psnrMin == 0 {
		psnrMin = DefaultPSNRMin
	}
	w, ht := orig.w, orig.h
	gx, gy := min(blackBoxGrid, w), min(blackBoxGrid, ht)
	ux, uy := newUpsample(gx, w), newUpsample(gy, ht)
	rng := rand.New(rand.NewPCG(seed, 0x616e79))
	dither := make([]float64, w*ht)
	for i := range dither {
		dither[i] = rng.Float64()
	}
	maxRMS := math.Sqrt(math.Max(0, sq(rmsForPSNR(psnrMin))-0.25))
	theta := make([]float64, gx*gy)
	delta := make([]float64, w*ht)
	res := UntargetedResult{MinDistance: math.MaxInt, Match: -1}
	for t := 0; t < tries; t++ {
		for i := range theta {
			theta[i] = rng.NormFloat64()
		}
		expand(delta, theta, ux, uy, gx)
		f := maxRMS / rms(delta)
		for i := range delta {
			delta[i] *= f
		}
		cand := applyDelta(orig, delta, dither)
		if psnrRGB(orig, cand) < psnrMin {
			continue
		}
		m := cand.nrgba()
		hh, err := h.Hash(m)
		if err != nil {
			return UntargetedResult{}, err
		}
		res.Tries++
		for j, x := range db {
			d, err := phash.Distance(hh, x)
			if err != nil {
				return UntargetedResult{}, fmt.Errorf("attack: collide-any: list entry %d: %w", j, err)
			}
			if d < res.MinDistance {
				res.MinDistance, res.Match, res.Perturbed = d, j, m
			}
		}
		if res.MinDistance <= threshold {
			res.Success = true
			break
		}
	}
	return res, nil
}
