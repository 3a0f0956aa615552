package bench

import (
	"context"
	"fmt"

	"github.com/privmatch/privmatch/phash"
)

// QualityGate is the false-match measurement repeated over the images whose
// hash passes the algorithm's quality floor, as a deployment that follows
// the reference (PDQ: discard hashes of quality at or below 49) would see
// it. The dropped images are never matched at all: the gate trades false
// matches for a blind spot, and both sides are reported.
type QualityGate struct {
	// MinQuality is the floor: hashes with quality <= MinQuality are
	// dropped.
	MinQuality int `json:"min_quality"`
	// Images is the number of distinct images kept, Dropped the number at
	// or below the floor.
	Images  int `json:"images"`
	Dropped int `json:"dropped"`
	// Pairs is the distance histogram over the kept images.
	Pairs PairCounts `json:"pairs"`
	// AtThreshold is the false-match rate at the algorithm's threshold over
	// the kept images.
	AtThreshold ThresholdRate `json:"at_threshold"`
}

// qualityGate measures the gated false-match rate of a quality-scoring
// algorithm over the kept items keep (distinct, hashed). It returns nil for
// an algorithm without quality scores.
func qualityGate(ctx context.Context, hs *HashSet, h phash.Hasher, keep []int, opt PairOptions) (*QualityGate, error) {
	qh, ok := h.(phash.QualityHasher)
	qs := hs.Quality[h.Name()]
	if !ok || qs == nil {
		return nil, nil
	}
	g := &QualityGate{MinQuality: qh.MinQuality()}
	col := hs.Hashes[h.Name()]
	var sel []phash.Hash
	for _, i := range keep {
		if qs[i] > g.MinQuality {
			sel = append(sel, col[i])
		} else {
			g.Dropped++
		}
	}
	g.Images = len(sel)
	if len(sel) < 2 {
		return g, nil // too few to form a pair; the histogram stays empty
	}
	pc, err := PairHistogram(ctx, sel, opt)
	if err != nil {
		return nil, fmt.Errorf("quality gate: %w", err)
	}
	g.Pairs = pc
	rates, err := RatesFromCounts(pc)
	if err != nil {
		return nil, fmt.Errorf("quality gate: %w", err)
	}
	if d := h.Threshold().Distance; d >= 0 && d < len(rates) {
		g.AtThreshold = rates[d]
	}
	return g, nil
}
