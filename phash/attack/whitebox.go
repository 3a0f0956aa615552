package attack

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// White-box attack: see the package doc. Each step linearises the model at
// the current 8-bit image, chooses which features must end on which side of
// the threshold (with a margin of c standard deviations of rounding noise),
// adds the least-norm luma change that puts them there (boxLift), splits it
// over R, G and B (colour.go), dithers to 8 bits and asks the real hasher;
// the next step starts from the features of the hasher's own small plane of
// that image. Margins and the number of bits aimed for grow after each
// failed step; a plan over the PSNR budget is first re-planned with fewer
// extra bits and smaller margins (no query spent), and only a plan still
// over it at zero margin is scaled back onto the budget.

// whiteBoxSeedStream separates the white-box dither stream from others.
const whiteBoxSeedStream = 0x7768697465

func (s *state) whiteBox() error {
	w, h := s.orig.w, s.orig.h
	m, err := modelFor(s.cfg.Hasher, w, h)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(s.cfg.Seed, whiteBoxSeedStream))
	delta := make([]float64, w*h)
	ach := make([]float64, w*h)
	u := make([]float64, 3*w*h)
	sp := newSplitter(s.orig)
	maxRMS := math.Sqrt(math.Max(0, sq(rmsForPSNR(s.cfg.PSNRMin))-0.25))
	f0, err := m.exactFeatures(s.orig)
	if err != nil {
		return err
	}
	if s.modelPSNR, err = s.optimum(m, f0); err != nil {
		return err
	}
	bias := make([]float64, len(f0)) // clamping and dither error of the last step
	base := make([]float64, len(f0))
	c, extra := 2.0, 0
	for s.budgetLeft() {
		s.iters++
		for i := range base {
			base[i] = f0[i] + bias[i]
		}
		clipped := false
		for {
			idx, d := s.plan(m, base, m.threshold(base), c, extra)
			clear(delta)
			if len(idx) > 0 {
				if delta, err = s.boxLift(m, sp, idx, d, ach); err != nil {
					return err
				}
			}
			if sp.rms(delta) <= maxRMS || (c == 0 && extra == 0) {
				break
			}
			// Over the budget: re-plan, without a query, for fewer bits
			// and smaller margins before scaling anything down.
			clipped = true
			if extra > 0 {
				extra--
			} else if c *= 0.7; c < 0.1 {
				c = 0
			}
		}
		for range 3 { // the split is nonlinear where clamped: settle the scale
			r := sp.rms(delta)
			if r <= maxRMS*(1+1e-9) {
				break
			}
			for i := range delta {
				delta[i] *= maxRMS / r
			}
		}
		for i := range u {
			u[i] = rng.Float64()
		}
		next := sp.apply(delta, u)
		if done, err := s.consider(next); done || err != nil {
			return err
		}
		fq, err := m.exactFeatures(next)
		if err != nil {
			return err
		}
		jd := m.features(delta, w, h)
		for i := range bias {
			bias[i] = fq[i] - f0[i] - jd[i]
		}
		if clipped {
			// At the budget: widen the margins a little, as rounding
			// undid the step, but less than when there is room.
			c *= 1.1
		} else {
			// Rounding or a shifted median undid the step: widen.
			c, extra = c*1.3, extra+1
		}
	}
	return nil
}

// optimum returns the PSNR of the surrogate's own best answer: the
// least-norm luma change that moves the planned bits exactly onto the
// threshold (no margin, no clamping, no rounding), split over R, G and B by
// the luma weights. An image whose optimum is below the budget cannot be
// attacked within it by any perturbation the linear model describes.
func (s *state) optimum(m *linearModel, f0 []float64) (float64, error) {
	idx, d := s.plan(m, f0, m.threshold(f0), 0, 0)
	if len(idx) == 0 {
		return math.Inf(1), nil
	}
	y, err := m.solveGram(idx, d)
	if err != nil {
		return 0, err
	}
	mse := dot(y, d) / float64(s.orig.w*s.orig.h) * sq(rgbPerLuma)
	return psnrOfMSE(mse), nil
}

// boxLiftRounds is how many times boxLift re-solves for what clamping took
// away.
const boxLiftRounds = 4

// boxLift returns a luma change that moves the features idx by d (to first
// order) within the box: pixels at 0 or 255 cannot move outward. It starts
// from the least-norm change, drops the part each pixel cannot take (ach is
// scratch), and adds the least-norm change that makes up the features'
// shortfall, a few rounds (alternating projections onto the box and onto
// the constraint).
func (s *state) boxLift(m *linearModel, sp *splitter, idx []int, d, ach []float64) ([]float64, error) {
	w, h := s.orig.w, s.orig.h
	delta, err := m.lift(idx, d, w, h)
	if err != nil {
		return nil, err
	}
	res := make([]float64, len(idx))
	for range boxLiftRounds {
		sp.clamped(delta, ach)
		f := m.features(ach, w, h)
		worst := 0.0
		for a, i := range idx {
			res[a] = d[a] - f[i]
			worst = math.Max(worst, math.Abs(res[a])/m.noise[i])
		}
		if worst < 0.05 {
			break
		}
		corr, err := m.lift(idx, res, w, h)
		if err != nil {
			return nil, err
		}
		for i := range delta {
			delta[i] = ach[i] + corr[i]
		}
	}
	return delta, nil
}

// plan returns the features to constrain and how far to move each.
func (s *state) plan(m *linearModel, f []float64, t, c float64, extra int) ([]int, []float64) {
	k := len(f)
	sign := make([]float64, k)
	cost := make([]float64, k)
	move := make([]float64, k)
	for i := range f {
		bit := s.goal.ref.Bit(m.bit[i])
		if bit == (s.goal.kind == Collide) {
			sign[i] = 1
		} else {
			sign[i] = -1
		}
		gap := c*m.noise[i] - sign[i]*(f[i]-t)
		move[i] = sign[i] * math.Max(0, gap)
		cost[i] = gap / m.norm[i]
	}
	byCost := make([]int, k)
	for i := range byCost {
		byCost[i] = i
	}
	slices.SortStableFunc(byCost, func(a, b int) int { return cmp.Compare(cost[a], cost[b]) })
	var idx []int
	if s.goal.kind == Evade {
		n := min(s.goal.threshold+1+s.cfg.Margin+extra, k)
		up, down := n, n // bits that may move up across, down across
		if m.thr != thrZero {
			// A median threshold keeps half the bits set, so distances
			// between such hashes are even: move as many features up
			// across it as down, an even number in all.
			n = min(n+n%2, k)
			up, down = n/2, n/2
		}
		idx = greedy(m, byCost[:min(k, 3*n+16)], move, sign, n, up, down)
	} else {
		// Leave the dearest wrong bits alone: the threshold tolerates them.
		free := max(s.goal.threshold-s.cfg.Margin-extra, 0)
		for j := k - 1; j >= 0; j-- {
			i := byCost[j]
			if free > 0 && cost[i] > 0 {
				free--
				continue
			}
			if cost[i] > -c*m.noise[i]/m.norm[i] { // hold bits near the threshold
				idx = append(idx, i)
			}
		}
	}
	d := make([]float64, len(idx))
	for a, i := range idx {
		d[a] = move[i]
	}
	return idx, d
}

// consider hashes a candidate, keeps it if it is the best in budget so far
// and reports whether the goal is met.
func (s *state) consider(next rgbImage) (bool, error) {
	_, done, err := s.try(next)
	return done, err
}

// try is consider that also returns the candidate's score; ok is false for
// a candidate over the PSNR budget, which is not hashed.
func (s *state) try(next rgbImage) (score int, done bool, err error) {
	if psnrRGB(s.orig, next) < s.cfg.PSNRMin {
		return 0, false, nil
	}
	h, d, err := s.o.hash(next)
	if err != nil {
		return 0, false, err
	}
	score, err = s.goal.score(h, d)
	if err != nil {
		return 0, false, err
	}
	better := s.best == nil || (s.goal.kind == Evade && score > s.bestScore) || (s.goal.kind == Collide && score < s.bestScore)
	if better {
		s.best, s.bestScore = &next, score
	}
	return score, s.goal.met(score), nil
}

func sq(x float64) float64 { return x * x }

// greedy picks n features (at most up with sign +1 and down with sign -1)
// from cands, each time adding the one that least raises the squared norm
// of the least-norm change moving the chosen set by move: d_S^T K_SS^-1 d_S,
// grown by the Schur complement of the candidate.
func greedy(m *linearModel, cands []int, move, sign []float64, n, up, down int) []int {
	k := len(m.feat)
	var idx []int
	used := make([]bool, k)
	for len(idx) < n {
		var y []float64 // K_SS^-1 d_S
		var l []float64 // Cholesky factor of K_SS
		s := len(idx)
		if s > 0 {
			g := make([]float64, s*s)
			d := make([]float64, s)
			for a, i := range idx {
				d[a] = move[i]
				for b, j := range idx {
					g[a*s+b] = m.gram[i*k+j]
				}
			}
			l = cholesky(g, s)
			y = cholSolve(l, d, s)
		}
		best, bestCost := -1, math.Inf(1)
		v := make([]float64, s)
		for _, i := range cands {
			if used[i] || (sign[i] > 0 && up == 0) || (sign[i] < 0 && down == 0) {
				continue
			}
			for a, j := range idx {
				v[a] = m.gram[i*k+j]
			}
			num, den := move[i], m.gram[i*k+i]
			if s > 0 {
				z := cholSolve(l, v, s)
				num -= dot(v, y)
				den -= dot(v, z)
			}
			cost := num * num / math.Max(den, 1e-12*m.gram[i*k+i])
			if cost < bestCost {
				best, bestCost = i, cost
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		idx = append(idx, best)
		if sign[best] > 0 {
			up--
		} else {
			down--
		}
	}
	return idx
}
