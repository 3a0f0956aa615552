package bench

import (
	"fmt"
	"math"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// HashTiming is how long one algorithm takes to hash an image here and,
// by the device model, on a slow phone.
type HashTiming struct {
	Algorithm string  `json:"algorithm"`
	Images    int     `json:"images"`
	MedianMS  float64 `json:"median_ms"`
	PhoneMS   float64 `json:"phone_ms"`
}

// Accuracy is one algorithm's false-match figures and what they mean for
// accounts and for a flag's reliability.
type Accuracy struct {
	Algorithm string           `json:"algorithm"`
	Collision *CollisionResult `json:"collision"`
	// PerImageRate is the chance that one innocent image matches some
	// entry of a list of ListSize entries, 1-(1-r)^N, from the pair rate r
	// at the threshold; PerImageRateHigh uses the upper end of r's
	// interval.
	PerImageRate     float64 `json:"per_image_rate"`
	PerImageRateHigh float64 `json:"per_image_rate_high"`
	// Account is the account model at PerImageRate, AccountHigh at
	// PerImageRateHigh.
	Account     *AccountResult `json:"account"`
	AccountHigh *AccountResult `json:"account_high"`
	// Recall is the pooled recall over the edit suite at the threshold;
	// PPV and PPVHigh use PerImageRate and PerImageRateHigh.
	Recall  float64   `json:"recall"`
	PPV     PPVResult `json:"ppv"`
	PPVHigh PPVResult `json:"ppv_high"`
}

// perImage is 1-(1-r)^n, the chance of matching at least one of n entries.
func perImage(r, n float64) float64 {
	if r >= 1 {
		return 1
	}
	return -math.Expm1(n * math.Log1p(-r))
}

// AccuracyOf turns an algorithm's false-match and edit-suite results into
// per-image rates against a list of list.Value entries, the account model
// at those rates, recall and PPV at prevalence prev, and the pooled ROC curve.
func AccuracyOf(col *CollisionResult, rob *RobustnessResult, list, prev Param) (Accuracy, ROCCurve, error) {
	a := Accuracy{Algorithm: col.Algorithm, Collision: col}
	at := col.AtThreshold
	a.PerImageRate, a.PerImageRateHigh = perImage(at.Rate, list.Value), perImage(at.CI.High, list.Value)
	src := fmt.Sprintf("measured pair rate at threshold %d (%d of %d pairs) against a list of %.0f entries: 1-(1-r)^N",
		col.Threshold, at.Matches, at.Pairs, list.Value)
	var err error
	if a.Account, err = AccountRisk(DefaultAccountParams(a.PerImageRate, src)); err != nil {
		return a, ROCCurve{}, err
	}
	if a.AccountHigh, err = AccountRisk(DefaultAccountParams(a.PerImageRateHigh,
		"upper end of the 95% interval of the "+src)); err != nil {
		return a, ROCCurve{}, err
	}
	curves, err := ROC(col, rob)
	if err != nil {
		return a, ROCCurve{}, err
	}
	pooled := curves[len(curves)-1]
	a.Recall = pooled.Points[col.Threshold].Recall
	if a.PPV, err = PPV(a.Recall, a.PerImageRate, prev.Value); err != nil {
		return a, ROCCurve{}, err
	}
	if a.PPVHigh, err = PPV(a.Recall, a.PerImageRateHigh, prev.Value); err != nil {
		return a, ROCCurve{}, err
	}
	return a, pooled, nil
}

// MeasureHashTiming times each hasher on up to n kept images, one at a
// time on one goroutine.
func MeasureHashTiming(c *Corpus, keep []int, hashers []phash.Hasher, n int, dm DeviceModel, p func(int, int)) ([]HashTiming, error) {
	if n <= 0 {
		n = 3
	}
	var imgs []int
	for _, i := range keep {
		if len(imgs) == n {
			break
		}
		imgs = append(imgs, i)
	}
	var out []HashTiming
	for hi, h := range hashers {
		var ts []float64
		for _, i := range imgs {
			it := c.Items[i]
			img, err := it.load()
			if err != nil {
				return nil, fmt.Errorf("hash timing: %s: %w", it.ID, err)
			}
			t0 := time.Now()
			if _, err := h.Hash(img); err != nil {
				return nil, fmt.Errorf("hash timing: %s: %w", it.ID, err)
			}
			ts = append(ts, msOf(time.Since(t0)))
		}
		m := median(ts)
		out = append(out, HashTiming{Algorithm: h.Name(), Images: len(ts), MedianMS: m, PhoneMS: m * dm.PhoneSlowdown.Value})
		p(hi+1, len(hashers))
	}
	return out, nil
}
