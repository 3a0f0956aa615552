package attack

import (
	"math"
	"math/rand/v2"
)

// Black-box attack: natural evolution strategies (Wierstra et al.; as used
// by Ilyas et al. 2018 for query-limited attacks) with antithetic Gaussian
// samples over a coarse grid of luma offsets, bilinearly upsampled to full
// resolution. The objective is the Hamming distance the hasher returns
// (pushed up to evade, down to collide); every sample is a real query of a
// real 8-bit image inside the PSNR budget, so any sample that meets the
// goal ends the attack. The grid is a generic low-frequency prior, not a
// model of any hasher.

const (
	blackBoxGrid       = 32 // grid cells per axis (fewer for small images)
	blackBoxPairs      = 10 // antithetic pairs per gradient estimate
	blackBoxSeedStream = 0x626c61636b
)

// upsample is bilinear interpolation (pixel centres aligned) from g cells
// to n samples along one axis.
type upsample struct {
	i0, i1 []int
	w1     []float64
}

func newUpsample(g, n int) upsample {
	u := upsample{i0: make([]int, n), i1: make([]int, n), w1: make([]float64, n)}
	for x := 0; x < n; x++ {
		p := (float64(x)+0.5)*float64(g)/float64(n) - 0.5
		p = math.Max(0, math.Min(float64(g-1), p))
		i := int(p)
		u.i0[x], u.i1[x], u.w1[x] = i, min(i+1, g-1), p-float64(i)
	}
	return u
}

// expand writes the full-resolution offsets of grid theta (gy x gx) to dst.
func expand(dst, theta []float64, ux, uy upsample, gx int) {
	w := len(ux.i0)
	for y := range uy.i0 {
		r0, r1, wy := uy.i0[y]*gx, uy.i1[y]*gx, uy.w1[y]
		row := dst[y*w : (y+1)*w]
		for x := range row {
			a := theta[r0+ux.i0[x]]*(1-ux.w1[x]) + theta[r0+ux.i1[x]]*ux.w1[x]
			b := theta[r1+ux.i0[x]]*(1-ux.w1[x]) + theta[r1+ux.i1[x]]*ux.w1[x]
			row[x] = a*(1-wy) + b*wy
		}
	}
}

func (s *state) blackBox() error {
	w, h := s.orig.w, s.orig.h
	gx, gy := min(blackBoxGrid, w), min(blackBoxGrid, h)
	ux, uy := newUpsample(gx, w), newUpsample(gy, h)
	rng := rand.New(rand.NewPCG(s.cfg.Seed, blackBoxSeedStream))
	dither := make([]float64, 3*w*h)
	for i := range dither {
		dither[i] = rng.Float64()
	}
	maxRMS := math.Sqrt(math.Max(0, sq(rmsForPSNR(s.cfg.PSNRMin))-0.25))
	delta := make([]float64, w*h)
	sp := newSplitter(s.orig)
	// eval projects theta onto the budget, queries the hasher and returns
	// the objective to minimise.
	eval := func(theta []float64) (float64, bool, error) {
		expand(delta, theta, ux, uy, gx)
		if r := sp.rms(delta); r > maxRMS {
			f := maxRMS / r
			for i := range theta {
				theta[i] *= f
			}
			for i := range delta {
				delta[i] *= f
			}
		}
		score, done, err := s.try(sp.apply(delta, dither))
		if s.goal.kind == Evade {
			return -float64(score), done, err
		}
		return float64(score), done, err
	}
	n := gx * gy
	theta := make([]float64, n)
	sigma, lr := maxRMS, maxRMS/2
	eps := make([]float64, n)
	plus, minus := make([]float64, n), make([]float64, n)
	grad := make([]float64, n)
	for s.o.queries+2*blackBoxPairs+1 < s.cfg.Queries {
		s.iters++
		clear(grad)
		for p := 0; p < blackBoxPairs; p++ {
			for i := range eps {
				eps[i] = rng.NormFloat64()
				plus[i] = theta[i] + sigma*eps[i]
				minus[i] = theta[i] - sigma*eps[i]
			}
			lp, done, err := eval(plus)
			if done || err != nil {
				return err
			}
			lm, done, err := eval(minus)
			if done || err != nil {
				return err
			}
			for i := range grad {
				grad[i] += (lp - lm) * eps[i]
			}
		}
		gn := rms(grad)
		if gn == 0 {
			sigma = math.Min(sigma*1.5, 4*maxRMS) // flat: look further
			continue
		}
		for i := range theta {
			theta[i] -= lr * grad[i] / gn
		}
		if _, done, err := eval(theta); done || err != nil {
			return err
		}
	}
	return nil
}
