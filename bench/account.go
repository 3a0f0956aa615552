package bench

import (
	"fmt"
	"math"
)

// Param is a model input with the source of its value.
type Param struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// AccountParams are the inputs of the account-level false-flag model.
type AccountParams struct {
	// PerImageRate is p, the false-match rate of one innocent image
	// against the whole database (measured, e.g. a CollisionResult's rate
	// at the threshold times the database size for small rates).
	PerImageRate Param `json:"per_image_rate"`
	// ImagesPerYear is n, the images one account scans in a year.
	ImagesPerYear Param `json:"images_per_year"`
	// Threshold is k, the matches that flag an account.
	Threshold Param `json:"threshold"`
	// Users is the number of accounts scanned.
	Users Param `json:"users"`
	// ClaimedFlagRate is a published per-account yearly false-flag rate
	// to compare against.
	ClaimedFlagRate Param `json:"claimed_flag_rate"`
	// BurstSizes are the burst sizes B the correlated model evaluates.
	BurstSizes []int `json:"burst_sizes"`
}

// AccountDefaults are the model's defaults, with where each comes from.
// PerImageRate has no default: it is what the measurement supplies.
var AccountDefaults = AccountParams{
	ImagesPerYear: Param{Value: 1000, Source: "assumption for illustration (about 3 photos a day); no published per-account figure; vary it"},
	Threshold: Param{Value: 30, Source: "Apple, Security Threat Model Review of Apple's Child Safety Features (Aug 2021): " +
		"initial match threshold of 30 images"},
	Users: Param{Value: 1e9, Source: "assumption: order of magnitude of one large platform's accounts; supply the real count"},
	ClaimedFlagRate: Param{Value: 1e-12, Source: "Apple, CSAM Detection Technical Summary (Aug 2021): less than one in one trillion " +
		"chance per year of incorrectly flagging a given account"},
	BurstSizes: []int{1, 2, 3, 5, 10, 30},
}

// DefaultAccountParams returns AccountDefaults with the per-image rate set.
func DefaultAccountParams(perImageRate float64, source string) AccountParams {
	p := AccountDefaults
	p.BurstSizes = append([]int(nil), p.BurstSizes...)
	p.PerImageRate = Param{Value: perImageRate, Source: source}
	return p
}

// Log10 is a base-10 logarithm of a probability. It encodes to JSON as a
// number, or as null for log10(0) = -Inf, which JSON cannot hold.
type Log10 float64

// MarshalJSON implements json.Marshaler.
func (l Log10) MarshalJSON() ([]byte, error) { return marshalFinite(float64(l)) }

// UnmarshalJSON implements json.Unmarshaler; null reads as -Inf.
func (l *Log10) UnmarshalJSON(b []byte) error {
	f, err := unmarshalFinite(b, math.Inf(-1))
	if err != nil {
		return err
	}
	*l = Log10(f)
	return nil
}

// BurstPoint is the flag probability when images come in bursts of size B.
type BurstPoint struct {
	BurstSize int `json:"burst_size"`
	// Bursts is floor(n/B); Needed is ceil(k/B).
	Bursts int64 `json:"bursts"`
	Needed int64 `json:"needed"`
	// FlagProbability = P(Bin(Bursts, p) >= Needed), with its log10
	// (which stays finite when the probability underflows).
	FlagProbability      float64 `json:"flag_probability"`
	Log10FlagProbability Log10   `json:"log10_flag_probability"`
	ExpectedFlagged      float64 `json:"expected_flagged"`
}

// AccountResult is the account-level false-flag model's output.
type AccountResult struct {
	Params AccountParams `json:"params"`
	// FlagProbability is P(innocent account flagged in a year) =
	// P(Bin(n, p) >= k), exact in log space; Log10FlagProbability its
	// log10.
	FlagProbability      float64 `json:"flag_probability"`
	Log10FlagProbability Log10   `json:"log10_flag_probability"`
	// PoissonLog10FlagProbability is the Poisson(n*p) approximation, as a
	// check.
	PoissonLog10FlagProbability Log10 `json:"poisson_log10_flag_probability"`
	// ExpectedFlagged is Users * FlagProbability: innocent accounts
	// flagged per year.
	ExpectedFlagged float64 `json:"expected_flagged"`
	// MeetsClaim reports FlagProbability <= ClaimedFlagRate;
	// MaxRateForClaim is the largest per-image rate that would meet it.
	MeetsClaim      bool    `json:"meets_claim"`
	MaxRateForClaim float64 `json:"max_rate_for_claim"`
	// Bursts is the correlated-image model for each burst size.
	Bursts []BurstPoint `json:"bursts"`
}

// AccountRisk evaluates the account-level model.
//
// Independent model: each of an account's n images falsely matches
// independently with probability p; the account is flagged at k matches:
// P = P(Bin(n, p) >= k).
//
// Burst model: images come in bursts of B near-duplicates (a photo and
// its retakes or edits), floor(n/B) independent bursts a year. A burst
// falsely matches with probability p and then all B of its images match,
// so the per-image rate is still p but matches arrive B at a time; the
// account is flagged when ceil(k/B) bursts match:
// P = P(Bin(floor(n/B), p) >= ceil(k/B)). B = 1 is the independent model;
// larger B shows how correlation between an account's images erodes the
// protection a threshold of k gives.
func AccountRisk(ap AccountParams) (*AccountResult, error) {
	p := ap.PerImageRate.Value
	n, k := ap.ImagesPerYear.Value, ap.Threshold.Value
	if !(p >= 0 && p <= 1) || !(n >= 1) || n != math.Trunc(n) || !(k >= 1) || k != math.Trunc(k) || n > 1e9 || !(ap.Users.Value >= 0) {
		return nil, fmt.Errorf("bench: account risk: need 0 <= p <= 1, integer n in 1..1e9, integer k >= 1, users >= 0 (p=%v n=%v k=%v users=%v)", p, n, k, ap.Users.Value)
	}
	ni, ki := int64(n), int64(k)
	r := &AccountResult{Params: ap}
	lp := LogBinomUpperTail(ni, ki, p)
	r.FlagProbability = math.Exp(lp)
	r.Log10FlagProbability = Log10(lp / math.Ln10)
	r.PoissonLog10FlagProbability = Log10(logPoissonUpperTail(n*p, ki) / math.Ln10)
	r.ExpectedFlagged = ap.Users.Value * r.FlagProbability
	claim := ap.ClaimedFlagRate.Value
	r.MeetsClaim = r.FlagProbability <= claim
	r.MaxRateForClaim = maxRateFor(ni, ki, claim)
	for _, b := range ap.BurstSizes {
		if b < 1 {
			return nil, fmt.Errorf("bench: account risk: burst size %d", b)
		}
		nb, need := ni/int64(b), (ki+int64(b)-1)/int64(b)
		l := LogBinomUpperTail(nb, need, p)
		r.Bursts = append(r.Bursts, BurstPoint{
			BurstSize: b, Bursts: nb, Needed: need,
			FlagProbability: math.Exp(l), Log10FlagProbability: Log10(l / math.Ln10),
			ExpectedFlagged: ap.Users.Value * math.Exp(l),
		})
	}
	return r, nil
}

// maxRateFor returns the largest p with P(Bin(n, p) >= k) <= target, by
// bisection on log p (the tail grows with p).
func maxRateFor(n, k int64, target float64) float64 {
	if k > n || target >= 1 {
		return 1
	}
	if target <= 0 {
		return 0
	}
	lt := math.Log(target)
	lo, hi := -700.0, 0.0 // ln p
	for i := 0; i < 200 && hi-lo > 1e-12; i++ {
		mid := (lo + hi) / 2
		if LogBinomUpperTail(n, k, math.Exp(mid)) <= lt {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp(lo)
}

// PPVResult is the positive predictive value of a match at a prevalence.
type PPVResult struct {
	Recall         float64 `json:"recall"`
	FalseMatchRate float64 `json:"false_match_rate"`
	Prevalence     float64 `json:"prevalence"`
	// PPV is the share of matches that are true: recall*prev /
	// (recall*prev + fmr*(1-prev)).
	PPV float64 `json:"ppv"`
}

// PPV returns the positive predictive value of a match when a share
// prevalence of scanned images are listed ones, matched with probability
// recall, and the rest match falsely with probability fmr.
func PPV(recall, fmr, prevalence float64) (PPVResult, error) {
	for _, v := range []float64{recall, fmr, prevalence} {
		if !(v >= 0 && v <= 1) {
			return PPVResult{}, fmt.Errorf("bench: ppv: rates must lie in [0,1] (recall=%v fmr=%v prevalence=%v)", recall, fmr, prevalence)
		}
	}
	r := PPVResult{Recall: recall, FalseMatchRate: fmr, Prevalence: prevalence}
	tp, fp := recall*prevalence, fmr*(1-prevalence)
	if tp+fp > 0 {
		r.PPV = tp / (tp + fp)
	}
	return r, nil
}
