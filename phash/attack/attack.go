// Package attack measures the adversarial robustness of perceptual hashes:
// evasion (change a listed image so that it no longer matches) and forced
// collision, or second preimage (change an innocent image so that it matches
// a chosen hash), each under an explicit threat model, a perturbation budget
// and a query budget.
//
// Start here: fill a Config and call Run on one image.
//
//	res, err := attack.Run(img, attack.Config{
//		Kind: attack.Evade, Model: attack.WhiteBox,
//		Hasher: phash.PDQ, PSNRMin: 40, Seed: 1,
//	})
//	// res.Success, res.DistanceAfter, res.Quality.PSNR, res.Queries
//
// Threat models:
//   - WhiteBox: the algorithm is public. The attack writes the hash's
//     pre-threshold values (aHash's pixels minus their mean, dHash's
//     neighbour differences, pHash's and PDQ's DCT coefficients) as a
//     linear function of the luma plane through the hasher's own resize
//     (Pillow LANCZOS, PDQ's box filters), picks the cheapest bits to move
//     across the mean or median, and adds the least-L2 luma change that
//     moves them, mapped to full resolution through the resize's adjoint,
//     re-solved a few times for what pixels clamped at 0 or 255 cannot
//     take, and split over R, G and B in proportion to the luma weights
//     (colour.go).
//     It dithers to 8 bits, re-hashes with the real hasher and repeats
//     with wider margins until the real hash verifies.
//   - BlackBox: only the hash output is seen. NES (antithetic Gaussian
//     zeroth-order gradient estimates) over a coarse 32x32 grid of luma
//     offsets, bilinearly upsampled, split over R, G and B as in the
//     white-box attack, projected onto the PSNR budget; every
//     Hash call counts against Config.Queries.
//   - Untargeted collision (CollideAny): the attacker knows the algorithm
//     but not the list, so can only perturb at random and hope to land
//     within the threshold of some listed hash.
//
// Success is never taken from the surrogate: Run re-hashes the returned
// 8-bit image with the real hasher and checks the budget on it. Runs are
// deterministic for a Config (math/rand/v2 PCG seeded with Config.Seed).
// See README.md for measured figures.
package attack

import (
	"fmt"
	"image"
	"math"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// Kind is the attacker's goal.
type Kind string

// The attack kinds.
const (
	// Evade pushes the image's hash beyond the threshold of its original.
	Evade Kind = "evade"
	// Collide pulls the image's hash within the threshold of Config.Target.
	Collide Kind = "collide"
)

// Model is the threat model: what the attacker can see of the hasher.
type Model string

// The threat models.
const (
	// WhiteBox: the algorithm is public and its structure is exploited.
	WhiteBox Model = "white"
	// BlackBox: query access to the hash only.
	BlackBox Model = "black"
)

// DefaultPSNRMin is the perturbation budget used when Config.PSNRMin is 0.
const DefaultPSNRMin = 40.0

// Default query budgets, used when Config.Queries is 0.
const (
	DefaultWhiteBoxQueries = 100
	DefaultBlackBoxQueries = 10000
)

// Config describes one attack.
type Config struct {
	Kind   Kind
	Model  Model
	Hasher phash.Hasher
	// Target is the hash to collide with (Collide only); it must be of the
	// hasher's kind and length.
	Target phash.Hash
	// Threshold is the match threshold in bits: images match when their
	// distance is at most Threshold. 0 means the hasher's own
	// Threshold().Distance (an exact-match threshold cannot be asked for).
	Threshold int
	// Margin asks the attack to aim Margin bits past the threshold, so that
	// the result survives a slightly lower (evade) or higher (collide)
	// threshold. Success is still judged at Threshold.
	Margin int
	// PSNRMin is the budget: the perturbed image must keep at least this
	// PSNR over its 8-bit RGB samples. 0 means DefaultPSNRMin.
	PSNRMin float64
	// Queries bounds the calls to the hasher, the final verification
	// included. 0 means DefaultWhiteBoxQueries or DefaultBlackBoxQueries.
	Queries int
	// Dihedral (PDQ only) makes evasion beat matching of all eight
	// dihedral hashes: success needs every one of the perturbed image's
	// dihedral hashes beyond the threshold of the original's hash.
	Dihedral bool
	// Seed seeds every random choice.
	Seed uint64
	// Progress, when not nil, is called with the number of hasher calls
	// made so far every ProgressEvery calls and once at the end, so that a
	// long run (a black-box attack spends up to 10,000) can show progress.
	// It is called from Run's goroutine.
	Progress func(queries int)
}

// ProgressEvery is how many hasher calls pass between Config.Progress calls.
const ProgressEvery = 50

// Result is the outcome of one attack.
type Result struct {
	Success bool
	// Threshold is the threshold success was judged at.
	Threshold int
	// Original is the hash of the input image; Hash that of Perturbed.
	Original, Hash phash.Hash
	// DistanceBefore and DistanceAfter are the distances of the input and
	// of the perturbed image to the reference: the original's hash
	// (Evade) or the target (Collide).
	DistanceBefore, DistanceAfter int
	// DihedralDistance is, with Config.Dihedral, the least distance of the
	// perturbed image's eight dihedral hashes to the original's hash; -1
	// otherwise.
	DihedralDistance int
	// Quality measures Perturbed against the input.
	Quality Quality
	// Queries counts every call to the hasher, verification included.
	Queries int
	// Iterations is the number of attack steps taken.
	Iterations int
	// ModelPSNR (white-box only; 0 otherwise) is the PSNR of the linear
	// surrogate's least-norm answer with no margin: the planned bits moved
	// exactly onto the threshold, RGB split by the luma weights, clamping
	// and rounding ignored. Below Config.PSNRMin it says the image is out of
	// reach of this model at that budget, not that the search fell short.
	ModelPSNR float64
	// Seconds is the wall-clock time of the attack.
	Seconds float64
	// Perturbed is the final 8-bit image (the input when nothing better
	// was found within budget).
	Perturbed *image.NRGBA
}

// oracle wraps the hasher and counts queries.
type oracle struct {
	h        phash.Hasher
	pdq      *phash.PDQHasher
	dihedral bool
	queries  int
	progress func(int)
}

// hash returns the hash and, when dihedral matching is on, all eight
// dihedral hashes (one query: they come from one DCT).
func (o *oracle) hash(m rgbImage) (phash.Hash, [8]phash.Hash, error) {
	o.queries++
	if o.progress != nil && o.queries%ProgressEvery == 0 {
		o.progress(o.queries)
	}
	img := m.nrgba()
	if o.dihedral {
		d, _, err := o.pdq.Dihedral(img)
		return d[phash.DihedralOriginal], d, err
	}
	h, err := o.h.Hash(img)
	return h, [8]phash.Hash{}, err
}

// goal holds what success means for one run.
type goal struct {
	kind      Kind
	ref       phash.Hash // original (Evade) or target (Collide)
	threshold int
	dihedral  bool
}

// score returns the distance that success is judged on.
func (g goal) score(h phash.Hash, d [8]phash.Hash) (int, error) {
	dist, err := phash.Distance(h, g.ref)
	if err != nil {
		return 0, err
	}
	if g.dihedral && g.kind == Evade {
		for _, x := range d {
			v, err := phash.Distance(x, g.ref)
			if err != nil {
				return 0, err
			}
			dist = min(dist, v)
		}
	}
	return dist, nil
}

func (g goal) met(dist int) bool {
	if g.kind == Evade {
		return dist > g.threshold
	}
	return dist <= g.threshold
}

// Run attacks one image. It returns an error for a bad Config or image; an
// attack that fails within its budgets is a Result with Success false.
func Run(img image.Image, cfg Config) (Result, error) {
	start := time.Now()
	if cfg.Hasher == nil {
		return Result{}, fmt.Errorf("attack: no hasher")
	}
	if cfg.Kind != Evade && cfg.Kind != Collide {
		return Result{}, fmt.Errorf("attack: unknown kind %q (want evade or collide)", cfg.Kind)
	}
	if cfg.Model != WhiteBox && cfg.Model != BlackBox {
		return Result{}, fmt.Errorf("attack: unknown threat model %q (want white or black)", cfg.Model)
	}
	if cfg.Threshold < 0 || cfg.Margin < 0 || cfg.Queries < 0 || cfg.PSNRMin < 0 || math.IsNaN(cfg.PSNRMin) {
		return Result{}, fmt.Errorf("attack: negative threshold, margin, query budget or PSNR")
	}
	orig, err := planeOf(img)
	if err != nil {
		return Result{}, err
	}
	o := &oracle{h: cfg.Hasher, progress: cfg.Progress}
	if cfg.Dihedral {
		p, ok := cfg.Hasher.(*phash.PDQHasher)
		if !ok {
			return Result{}, fmt.Errorf("attack: dihedral matching needs a PDQ hasher, not %s", cfg.Hasher.Name())
		}
		o.pdq, o.dihedral = p, true
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = cfg.Hasher.Threshold().Distance
	}
	if cfg.PSNRMin == 0 {
		cfg.PSNRMin = DefaultPSNRMin
	}
	if cfg.Queries == 0 {
		cfg.Queries = DefaultWhiteBoxQueries
		if cfg.Model == BlackBox {
			cfg.Queries = DefaultBlackBoxQueries
		}
	}
	if cfg.Queries < 2 {
		return Result{}, fmt.Errorf("attack: query budget %d below 2 (hash the input, verify the output)", cfg.Queries)
	}
	h0, _, err := o.hash(orig)
	if err != nil {
		return Result{}, fmt.Errorf("attack: hash input: %w", err)
	}
	g := goal{kind: cfg.Kind, ref: h0, threshold: cfg.Threshold, dihedral: cfg.Dihedral}
	if cfg.Kind == Collide {
		if cfg.Target.IsZero() {
			return Result{}, fmt.Errorf("attack: collide needs a target hash")
		}
		if _, err := phash.Distance(cfg.Target, h0); err != nil {
			return Result{}, fmt.Errorf("attack: target: %w", err)
		}
		g.ref = cfg.Target
	}
	before, err := g.score(h0, [8]phash.Hash{h0, h0, h0, h0, h0, h0, h0, h0})
	if err != nil {
		return Result{}, err
	}
	st := &state{cfg: cfg, goal: g, o: o, orig: orig, h0: h0}
	if cfg.Model == WhiteBox {
		err = st.whiteBox()
	} else {
		err = st.blackBox()
	}
	if err != nil {
		return Result{}, err
	}
	best := orig
	if st.best != nil {
		best = *st.best
	}
	// Independent verification of the final 8-bit image.
	res := Result{Threshold: cfg.Threshold, Original: h0, DistanceBefore: before, DihedralDistance: -1,
		Iterations: st.iters, Perturbed: best.nrgba()}
	h, d, err := o.hash(best)
	if err != nil {
		return Result{}, err
	}
	res.Hash = h
	if res.DistanceAfter, err = g.score(h, d); err != nil {
		return Result{}, err
	}
	if cfg.Dihedral {
		res.DihedralDistance = res.DistanceAfter
		res.DistanceAfter, _ = phash.Distance(h, g.ref)
	}
	if res.Quality, err = measureRGB(orig, best); err != nil {
		return Result{}, err
	}
	score, _ := g.score(h, d)
	res.Success = g.met(score) && res.Quality.PSNR >= cfg.PSNRMin
	res.Queries = o.queries
	res.ModelPSNR = st.modelPSNR
	if cfg.Progress != nil {
		cfg.Progress(o.queries)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// state is one attack in progress.
type state struct {
	cfg       Config
	goal      goal
	o         *oracle
	orig      rgbImage
	h0        phash.Hash
	best      *rgbImage // an in-budget image that met the goal, or the closest
	bestScore int
	iters     int
	modelPSNR float64
}

// budgetLeft reports whether a query can be spent and still leave one for
// the final verification.
func (s *state) budgetLeft() bool { return s.o.queries < s.cfg.Queries-1 }

// applyDelta returns orig plus a luma offset per pixel (the same on R, G
// and B), dithered to 8 bits with u in [0,1) per pixel and clamped.
func applyDelta(orig rgbImage, delta []float64, u []float64) rgbImage {
	out := rgbImage{w: orig.w, h: orig.h, pix: make([]uint8, len(orig.pix))}
	for i, d := range delta {
		k := math.Floor(d + u[i])
		for c := 0; c < 3; c++ {
			v := float64(orig.pix[3*i+c]) + k
			out.pix[3*i+c] = uint8(math.Max(0, math.Min(255, v)))
		}
	}
	return out
}

func rms(v []float64) float64 {
	return math.Sqrt(dot(v, v) / float64(len(v)))
}
