package bench

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

// RobustnessOptions controls Robustness.
type RobustnessOptions struct {
	// Steps are the edits to apply; nil means transform.Suite().
	Steps []transform.Step `json:"steps"`
	// Seed is mixed with each image's ID (FNV-1a) to give the seed of its
	// transforms, so results do not depend on corpus order.
	Seed uint64 `json:"seed"`
	// MaxImages, if positive, uses only the first MaxImages kept images.
	MaxImages int `json:"max_images"`
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int `json:"-"`
	// Progress, if not nil, is called after each image.
	Progress func(done, total int) `json:"-"`
}

// StepResult is one algorithm's recall under one edit.
type StepResult struct {
	Step transform.Step `json:"step"`
	// Images is the number of images measured; Failed those whose edit
	// or hash failed.
	Images int `json:"images"`
	Failed int `json:"failed"`
	// Matches is the number of edited copies within the algorithm's
	// threshold of the original; Recall = Matches/Images with its exact
	// interval.
	Matches int      `json:"matches"`
	Recall  float64  `json:"recall"`
	CI      Interval `json:"ci"`
	// MeanDistance is the mean distance from original to edited copy.
	MeanDistance float64 `json:"mean_distance"`
	// Counts[d] is the number of images whose edited copy is at distance d.
	Counts []int64 `json:"counts"`
}

// RobustnessResult is one algorithm's recall over the edit suite.
type RobustnessResult struct {
	Algorithm string       `json:"algorithm"`
	Bits      int          `json:"bits"`
	Threshold int          `json:"threshold"`
	Corpus    string       `json:"corpus"`
	Seed      uint64       `json:"seed"`
	Steps     []StepResult `json:"steps"`
}

// imageSeed derives an image's transform seed from the run seed and its ID.
func imageSeed(seed uint64, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64() ^ seed
}

// Robustness applies every step to each kept image of dd (decoding it
// again from c) and measures, for every algorithm of hs, the distance from
// the original's hash to the edited copy's and the recall at the
// algorithm's threshold. Each edited image is hashed by all algorithms, so
// an edit is computed once per image.
func Robustness(ctx context.Context, c *Corpus, hs *HashSet, dd *DedupResult, opt RobustnessOptions) (map[string]*RobustnessResult, error) {
	steps := opt.Steps
	if steps == nil {
		steps = transform.Suite()
		opt.Steps = steps
	}
	for _, s := range steps {
		if _, err := transform.ByName(s.Transform); err != nil {
			return nil, fmt.Errorf("bench: robustness: %w", err)
		}
	}
	hashers := make([]phash.Hasher, len(hs.Algorithms))
	for k, a := range hs.Algorithms {
		h, err := phash.ByName(a)
		if err != nil {
			return nil, fmt.Errorf("bench: robustness: %w", err)
		}
		hashers[k] = h
	}
	imgs := dd.Keep
	if opt.MaxImages > 0 && len(imgs) > opt.MaxImages {
		imgs = imgs[:opt.MaxImages]
	}
	out := map[string]*RobustnessResult{}
	for _, h := range hashers {
		r := &RobustnessResult{Algorithm: h.Name(), Bits: h.Bits(), Threshold: h.Threshold().Distance, Corpus: hs.Corpus, Seed: opt.Seed}
		for _, s := range steps {
			r.Steps = append(r.Steps, StepResult{Step: s, Counts: make([]int64, h.Bits()+1)})
		}
		out[h.Name()] = r
	}
	err := parallel(ctx, len(imgs), opt.Workers, opt.Progress, func(k int) func() {
		i := imgs[k]
		dists, ok := robustOne(c.Items[i], hs, i, hashers, steps, imageSeed(opt.Seed, hs.IDs[i]))
		return func() {
			for a, h := range hashers {
				r := out[h.Name()]
				for s := range steps {
					sr := &r.Steps[s]
					if !ok[s] {
						sr.Failed++
						continue
					}
					d := dists[a][s]
					sr.Images++
					sr.Counts[d]++
					if d <= r.Threshold {
						sr.Matches++
					}
				}
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bench: robustness: %w", err)
	}
	for _, r := range out {
		for s := range r.Steps {
			r.Steps[s].summarise()
		}
	}
	return out, nil
}

// summarise derives Recall, its interval and MeanDistance from the counts;
// a step with no images keeps them zero.
func (sr *StepResult) summarise() {
	if sr.Images == 0 {
		return
	}
	sr.Recall = float64(sr.Matches) / float64(sr.Images)
	sr.CI, _ = ClopperPearson(int64(sr.Matches), int64(sr.Images), Confidence)
	var sum float64
	for d, n := range sr.Counts {
		sum += float64(d) * float64(n)
	}
	sr.MeanDistance = sum / float64(sr.Images)
}

// robustOne edits one image with every step and returns the distances
// [algorithm][step] and which steps succeeded.
func robustOne(it Item, hs *HashSet, i int, hashers []phash.Hasher, steps []transform.Step, seed uint64) ([][]int, []bool) {
	dists := make([][]int, len(hashers))
	for a := range dists {
		dists[a] = make([]int, len(steps))
	}
	ok := make([]bool, len(steps))
	img, err := it.load()
	if err != nil {
		return dists, ok
	}
steps:
	for s, st := range steps {
		edited, err := st.Apply(img, seed)
		if err != nil {
			continue
		}
		for a, h := range hashers {
			v, err := h.Hash(edited)
			if err != nil {
				continue steps
			}
			d, err := phash.Distance(hs.Hashes[h.Name()][i], v)
			if err != nil {
				continue steps
			}
			dists[a][s] = d
		}
		ok[s] = true
	}
	return dists, ok
}
