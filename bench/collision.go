package bench

import (
	"context"
	"fmt"

	"github.com/privmatch/privmatch/phash"
)

// ThresholdRate is the false-match rate of one algorithm at one threshold.
type ThresholdRate struct {
	// Threshold: a pair matches when its distance is at most Threshold.
	Threshold int `json:"threshold"`
	// Matches is the number of compared pairs that match; Pairs the
	// number compared.
	Matches int64 `json:"matches"`
	Pairs   int64 `json:"pairs"`
	// Rate is Matches/Pairs, with its exact 95% interval.
	Rate float64  `json:"rate"`
	CI   Interval `json:"ci"`
	// RuleOfThree is 3/Pairs when Matches is zero, else 0.
	RuleOfThree float64 `json:"rule_of_three,omitempty"`
	// Ideal is the rate an ideal hash of the same length would have:
	// P(Bin(bits, 1/2) <= Threshold).
	Ideal float64 `json:"ideal"`
}

// CollisionResult is one algorithm's false-match measurement on a corpus.
type CollisionResult struct {
	Algorithm string     `json:"algorithm"`
	Kind      phash.Kind `json:"kind"`
	Bits      int        `json:"bits"`
	// Threshold is the algorithm's recommended threshold and its source.
	Threshold       int    `json:"threshold"`
	ThresholdSource string `json:"threshold_source"`
	// Corpus names the corpus; Images is the number of distinct images
	// compared after deduplication and after dropping unhashable items.
	Corpus string `json:"corpus"`
	Images int    `json:"images"`
	// Dedup is the rule that removed duplicates.
	Dedup DedupRule `json:"dedup"`
	// Options are the pair options used.
	Options PairOptions `json:"options"`
	// Pairs is the distance histogram.
	Pairs PairCounts `json:"pairs"`
	// Rates has one entry per threshold 0..Bits.
	Rates []ThresholdRate `json:"rates"`
	// AtThreshold is Rates[Threshold].
	AtThreshold ThresholdRate `json:"at_threshold"`
	// QualityGate repeats the measurement without the images whose hash
	// quality is at or below the algorithm's floor; nil for algorithms
	// that do not score quality.
	QualityGate *QualityGate `json:"quality_gate,omitempty"`
}

// Collisions measures the false-match rate of algorithm alg over the
// distinct images of hs (one per duplicate group of dd), at every
// threshold, with the ideal rate beside it.
func Collisions(ctx context.Context, hs *HashSet, alg string, dd *DedupResult, opt PairOptions) (*CollisionResult, error) {
	h, err := phash.ByName(alg)
	if err != nil {
		return nil, fmt.Errorf("bench: collisions: %w", err)
	}
	col, ok := hs.Hashes[alg]
	if !ok {
		return nil, fmt.Errorf("bench: collisions: corpus not hashed with %s", alg)
	}
	var sel []phash.Hash
	var kept []int
	for _, i := range dd.Keep {
		if !col[i].IsZero() {
			sel = append(sel, col[i])
			kept = append(kept, i)
		}
	}
	pc, err := PairHistogram(ctx, sel, opt)
	if err != nil {
		return nil, fmt.Errorf("bench: collisions %s: %w", alg, err)
	}
	th := h.Threshold()
	r := &CollisionResult{
		Algorithm: alg, Kind: h.Kind(), Bits: h.Bits(),
		Threshold: th.Distance, ThresholdSource: th.Source,
		Corpus: hs.Corpus, Images: len(sel), Dedup: dd.Rule, Options: opt, Pairs: pc,
	}
	r.Rates, err = RatesFromCounts(pc)
	if err != nil {
		return nil, err
	}
	if th.Distance >= 0 && th.Distance < len(r.Rates) {
		r.AtThreshold = r.Rates[th.Distance]
	}
	if r.QualityGate, err = qualityGate(ctx, hs, h, kept, opt); err != nil {
		return nil, fmt.Errorf("bench: collisions %s: %w", alg, err)
	}
	return r, nil
}

// RatesFromCounts turns a distance histogram into the cumulative
// false-match rate at every threshold 0..Bits, with exact intervals and
// the ideal rate.
func RatesFromCounts(pc PairCounts) ([]ThresholdRate, error) {
	if pc.Compared <= 0 || len(pc.Counts) != pc.Bits+1 {
		return nil, fmt.Errorf("bench: rates: histogram of %d bins for %d bits, %d pairs", len(pc.Counts), pc.Bits, pc.Compared)
	}
	out := make([]ThresholdRate, pc.Bits+1)
	var cum int64
	for t := range out {
		cum += pc.Counts[t]
		iv, err := ClopperPearson(cum, pc.Compared, Confidence)
		if err != nil {
			return nil, fmt.Errorf("bench: rates: %w", err)
		}
		tr := ThresholdRate{
			Threshold: t, Matches: cum, Pairs: pc.Compared,
			Rate: float64(cum) / float64(pc.Compared), CI: iv,
			Ideal: IdealRate(pc.Bits, t),
		}
		if cum == 0 {
			tr.RuleOfThree = RuleOfThree(pc.Compared)
		}
		out[t] = tr
	}
	if cum != pc.Compared {
		return nil, fmt.Errorf("bench: rates: histogram sums to %d, not %d pairs", cum, pc.Compared)
	}
	return out, nil
}
