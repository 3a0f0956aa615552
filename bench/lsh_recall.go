package bench

import (
	"context"
	"fmt"
	"math"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

// LSHRecallOptions controls LSHRecall.
type LSHRecallOptions struct {
	// Steps are the edits; nil means transform.Suite().
	Steps []transform.Step `json:"steps"`
	// Seed is mixed with each image's ID as in Robustness, so the edited
	// copies are the report's.
	Seed uint64 `json:"seed"`
	// MaxImages, if positive, edits only the first MaxImages images.
	MaxImages int `json:"max_images"`
	// FalseImages, if positive, hashes the first FalseImages images for
	// the unrelated pairs (default: the edited images only).
	FalseImages int `json:"false_images"`
	// List, if positive, also indexes the first List images as a real
	// list (hamminglsh.NewServer: its key bits, its per-table cut) and
	// counts the edited pairs whose original stays a candidate of the copy.
	List int `json:"list"`
	// Sizes are the database sizes whose key bits are measured (default
	// 2^20, 2^22, 2^24).
	Sizes []int `json:"sizes"`
	// Layout is the bucket layout (default hamminglsh.P64).
	Layout hamminglsh.Literal `json:"-"`
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int `json:"-"`
}

// LSHRecallRow counts one edit's pairs (original, edited copy).
type LSHRecallRow struct {
	Step transform.Step `json:"step"`
	// Pairs is the number of images edited and hashed; Exact those within
	// the threshold; LSH[s] those within the threshold that also share a
	// bucket at Sizes[s]'s key bits.
	Pairs int   `json:"pairs"`
	Exact int   `json:"exact"`
	LSH   []int `json:"lsh"`
	// InList counts the pairs within the threshold whose original is a
	// candidate of the copy on the real list (Options.List).
	InList int `json:"in_list"`
}

// LSHRecallResult is PDQ's recall under he-hamming-lsh's bucket rule
// against exact matching, per edit and overall, and the false matches
// among unrelated images under both.
type LSHRecallResult struct {
	Corpus    string `json:"corpus"`
	Layout    string `json:"layout"`
	Threshold int    `json:"threshold"`
	Sizes     []int  `json:"sizes"`
	KeyBits   []int  `json:"key_bits"`
	// Steps holds one row per edit; Total sums them.
	Steps []LSHRecallRow `json:"steps"`
	Total LSHRecallRow   `json:"total"`
	// RecallExact is Total.Exact/Total.Pairs; RecallLSH[s] is
	// Total.LSH[s]/Total.Pairs; LossPP[s] is the difference in
	// percentage points.
	RecallExact float64   `json:"recall_exact"`
	RecallLSH   []float64 `json:"recall_lsh"`
	LossPP      []float64 `json:"loss_pp"`
	// UnrelatedPairs is the number of pairs of distinct images compared;
	// FalseExact those within the threshold, FalseLSH[s] those that also
	// share a bucket (never more than FalseExact: the bucket rule only
	// removes candidates).
	UnrelatedPairs int64   `json:"unrelated_pairs"`
	FalseExact     int64   `json:"false_exact"`
	FalseLSH       []int64 `json:"false_lsh"`
	// BucketSkew[s] is how much more often two unrelated images share a
	// table's key at Sizes[s]'s key bits than two uniform hashes do
	// (2^-k): a list of such images fills the buckets BucketSkew times
	// fuller than the uniform one the key bits are chosen for, and
	// buckets beyond their share of the capacity are cut.
	BucketSkew []float64 `json:"bucket_skew"`
	// ListSize, ListKeyBits and ListCutShare describe the real list's
	// index (Options.List); ListLossPP is its recall loss against exact
	// matching, cut included.
	ListSize     int     `json:"list_size"`
	ListKeyBits  int     `json:"list_key_bits"`
	ListCutShare float64 `json:"list_cut_share"`
	ListLossPP   float64 `json:"list_loss_pp"`
}

// LSHRecall edits the first images of c with every step (as Robustness
// does), hashes original and copy with PDQ and counts, per edit, the
// pairs within PDQ's threshold (exact matching) and those that the bucket
// rule also keeps (hamminglsh's Collide at each size's key bits). The
// per-table cut of a full bucket is not modelled: at the layout's key bits
// a uniform database fills a bucket to half its share on average.
func LSHRecall(ctx context.Context, c *Corpus, opt LSHRecallOptions) (*LSHRecallResult, error) {
	if opt.Steps == nil {
		opt.Steps = transform.Suite()
	}
	if opt.Sizes == nil {
		opt.Sizes = []int{1 << 20, 1 << 22, 1 << 24}
	}
	if opt.Layout.Name == "" {
		opt.Layout = hamminglsh.P64
	}
	h, err := phash.ByName("pdq")
	if err != nil {
		return nil, fmt.Errorf("bench: lsh recall: %w", err)
	}
	lp, err := hamminglsh.NewParameters(opt.Layout)
	if err != nil {
		return nil, fmt.Errorf("bench: lsh recall: %w", err)
	}
	res := &LSHRecallResult{Corpus: c.Source, Layout: opt.Layout.Name, Threshold: h.Threshold().Distance, Sizes: opt.Sizes}
	for _, n := range opt.Sizes {
		k, err := lp.KeyBits(n)
		if err != nil {
			return nil, fmt.Errorf("bench: lsh recall: %w", err)
		}
		res.KeyBits = append(res.KeyBits, k)
	}
	newRow := func(s transform.Step) LSHRecallRow {
		return LSHRecallRow{Step: s, LSH: make([]int, len(opt.Sizes))}
	}
	res.Total = newRow(transform.Step{})
	for _, s := range opt.Steps {
		res.Steps = append(res.Steps, newRow(s))
	}
	n := len(c.Items)
	if opt.MaxImages > 0 {
		n = min(n, opt.MaxImages)
	}
	origs := make([]*[32]byte, max(n, min(max(opt.FalseImages, opt.List), len(c.Items))))
	edits := make([][]*[32]byte, n)
	err = parallel(ctx, n, opt.Workers, nil, func(i int) func() {
		o, pairs := lshPairs(c.Items[i], h, opt.Steps, imageSeed(opt.Seed, c.Items[i].ID))
		return func() {
			origs[i], edits[i] = o, pairs
			for s, y := range pairs {
				if o == nil || y == nil {
					continue
				}
				res.countPair(&res.Steps[s], lp, *o, *y)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bench: lsh recall: %w", err)
	}
	err = parallel(ctx, len(origs)-n, opt.Workers, nil, func(i int) func() {
		o, _ := lshPairs(c.Items[n+i], h, nil, 0)
		return func() { origs[n+i] = o }
	})
	if err != nil {
		return nil, fmt.Errorf("bench: lsh recall: %w", err)
	}
	res.falseMatches(lp, origs[:min(len(origs), max(n, opt.FalseImages))])
	if opt.List > 0 {
		if err := res.listRecall(lp, origs[:min(len(origs), opt.List)], edits); err != nil {
			return nil, fmt.Errorf("bench: lsh recall: %w", err)
		}
	}
	res.finish()
	return res, nil
}

// listRecall indexes the list's images as the protocol's server does and
// counts, per edit, the pairs within the threshold whose original stays a
// candidate of the copy.
func (r *LSHRecallResult) listRecall(lp hamminglsh.Parameters, list []*[32]byte, edits [][]*[32]byte) error {
	items := make([][32]byte, 0, len(list))
	at := make([]int, len(list)) // corpus index -> list index
	for i, o := range list {
		at[i] = len(items)
		if o != nil {
			items = append(items, *o)
		}
	}
	s, err := hamminglsh.NewServer(lp, items, hamming.Options{})
	if err != nil {
		return err
	}
	r.ListSize, r.ListKeyBits, r.ListCutShare = len(items), s.KeyBits(), s.CutShare()
	for i, pairs := range edits {
		if i >= len(list) || list[i] == nil {
			continue
		}
		o := list[i]
		for st, y := range pairs {
			if y != nil && hamming.Distance(*o, *y, 256) <= r.Threshold && s.IsCandidate(*y, at[i]) {
				r.Steps[st].InList++
				r.Total.InList++
			}
		}
	}
	return nil
}

// lshPairs hashes an image and its edited copies (nil where that failed).
func lshPairs(it Item, h phash.Hasher, steps []transform.Step, seed uint64) (*[32]byte, []*[32]byte) {
	edited := make([]*[32]byte, len(steps))
	img, err := it.load()
	if err != nil {
		return nil, edited
	}
	v, err := h.Hash(img)
	if err != nil {
		return nil, edited
	}
	o := hamminglsh.Item(v)
	for s, st := range steps {
		e, err := st.Apply(img, seed)
		if err != nil {
			continue
		}
		if v, err := h.Hash(e); err == nil {
			x := hamminglsh.Item(v)
			edited[s] = &x
		}
	}
	return &o, edited
}

// countPair adds one (original, copy) pair to row and to the total.
func (r *LSHRecallResult) countPair(row *LSHRecallRow, lp hamminglsh.Parameters, o, y [32]byte) {
	within := hamming.Distance(o, y, 256) <= r.Threshold
	for _, w := range []*LSHRecallRow{row, &r.Total} {
		w.Pairs++
		if !within {
			continue
		}
		w.Exact++
		for s, k := range r.KeyBits {
			if lp.Collide(o, y, k) {
				w.LSH[s]++
			}
		}
	}
}

// falseMatches compares every pair of distinct originals: distance, and
// how many tables' keys agree (for BucketSkew).
func (r *LSHRecallResult) falseMatches(lp hamminglsh.Parameters, origs []*[32]byte) {
	r.FalseLSH = make([]int64, len(r.Sizes))
	keys := make([][][]uint64, len(origs))
	for i, a := range origs {
		if a != nil {
			for _, k := range r.KeyBits {
				keys[i] = append(keys[i], lp.Keys(*a, k))
			}
		}
	}
	same := make([]int64, len(r.Sizes))
	for i, a := range origs {
		for j, b := range origs[i+1:] {
			if a == nil || b == nil {
				continue
			}
			r.UnrelatedPairs++
			for s := range r.KeyBits {
				for t, v := range keys[i][s] {
					if keys[i+1+j][s][t] == v {
						same[s]++
					}
				}
			}
			if hamming.Distance(*a, *b, 256) > r.Threshold {
				continue
			}
			r.FalseExact++
			for s, k := range r.KeyBits {
				if lp.Collide(*a, *b, k) {
					r.FalseLSH[s]++
				}
			}
		}
	}
	tables := float64(lp.Literal().Tables)
	for s, k := range r.KeyBits {
		if r.UnrelatedPairs > 0 {
			r.BucketSkew = append(r.BucketSkew, float64(same[s])/float64(r.UnrelatedPairs)/tables*math.Ldexp(1, k))
		}
	}
}

// finish computes the recalls and the losses.
func (r *LSHRecallResult) finish() {
	t := r.Total
	if t.Pairs == 0 {
		return
	}
	r.RecallExact = float64(t.Exact) / float64(t.Pairs)
	for _, m := range t.LSH {
		rl := float64(m) / float64(t.Pairs)
		r.RecallLSH = append(r.RecallLSH, rl)
		r.LossPP = append(r.LossPP, 100*(r.RecallExact-rl))
	}
	if r.ListSize > 0 {
		r.ListLossPP = 100 * float64(t.Exact-t.InList) / float64(t.Pairs)
	}
}
