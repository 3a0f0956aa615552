package bench

import (
	"fmt"
	"math"
)

// ThresholdRunOptions says how the report runs threshold-psi for one
// simulated account.
type ThresholdRunOptions struct {
	// DBSize is the synthetic database size (the report's largest).
	DBSize int `json:"db_size"`
	// K and SyntheticRate are the server's policy (threshold.Params).
	K             int     `json:"k"`
	SyntheticRate float64 `json:"synthetic_rate"`
	// Unlisted is the number of non-matching vouchers the account sends
	// before its listed ones; 0 means AccountDefaults.ImagesPerYear (a
	// year of uploads), so that about Unlisted*SyntheticRate synthetic
	// vouchers have opened before the first listed one.
	Unlisted int `json:"unlisted"`
	// Seed seeds the synthetic database and the unlisted hashes.
	Seed uint64 `json:"seed"`
}

// ThresholdRun is one simulated account's run of threshold-psi: vouchers
// for unlisted hashes, then for listed ones until the server reconstructs
// the account's secret.
type ThresholdRun struct {
	Options ThresholdRunOptions `json:"options"`
	// ServerPrepMS is building the blinded table (NewServer); SetupBytes
	// the table the device downloads once.
	ServerPrepMS float64 `json:"server_prep_ms"`
	SetupBytes   int     `json:"setup_bytes"`
	// VoucherBytes is the size of one voucher (every voucher has it).
	VoucherBytes int `json:"voucher_bytes"`
	// ClientMS is the device's median time to build a voucher;
	// ServerUnlistedMS and ServerListedMS the server's median time to
	// process one, for unlisted and listed hashes (reconstruction
	// attempts included when they ran).
	ClientMS         float64 `json:"client_ms"`
	ServerUnlistedMS float64 `json:"server_unlisted_ms"`
	ServerListedMS   float64 `json:"server_listed_ms"`
	// UnlistedSent and ListedSent are the vouchers sent; OpenedBelowK the
	// server's opened count just before the account opened.
	UnlistedSent int `json:"unlisted_sent"`
	ListedSent   int `json:"listed_sent"`
	OpenedBelowK int `json:"opened_below_k"`
	// Reconstructed says whether the account opened; Genuine and
	// Synthetic split the opened shares as the server learned them;
	// DeviceSynthetic is the device's own count of synthetic vouchers.
	Reconstructed   bool `json:"reconstructed"`
	Genuine         int  `json:"genuine"`
	Synthetic       int  `json:"synthetic"`
	DeviceSynthetic int  `json:"device_synthetic"`
	// Matches is the number of payloads the server recovered, all of
	// them listed hashes (checked).
	Matches int `json:"matches"`
	// Attempts and DecodeMS are the server's reconstruction attempts
	// (Berlekamp-Welch, one per opened share once at least k opened) and
	// their total time; DecodePerTry is the mean per attempt.
	Attempts     int     `json:"attempts"`
	DecodeMS     float64 `json:"decode_ms"`
	DecodePerTry float64 `json:"decode_ms_per_attempt"`
	// WallSeconds is the whole run; ShortfallNote the known gap between
	// the policy k and what reconstruction needs.
	WallSeconds   float64 `json:"wall_seconds"`
	ShortfallNote string  `json:"shortfall"`
}

// thresholdShortfall is the known gap between the policy and what
// reconstruction needs.
const thresholdShortfall = "the server opens an account at exactly k genuine shares with up to S = MaxOpened - k synthetic or junk " +
	"shares present (detectable hash function), but keeps at most MaxOpened opened shares per account: an account " +
	"flooded with opened junk (anyone who has seen its header can forge it) before its k-th genuine match stays closed"

// ThresholdAnalysis is the model side of threshold reporting: what the
// server learns below k, what the synthetic vouchers cost in detection,
// and the k this corpus's false-match rate calls for.
type ThresholdAnalysis struct {
	K             int64   `json:"k"`
	SyntheticRate float64 `json:"synthetic_rate"`
	// Leak is bench.ThresholdLeak at a few (synthetic rate, uploads).
	Leak []LeakPoint `json:"leak"`
	// Recall is the per-image recall the detection model uses (PDQ's
	// pooled edit-suite recall at its threshold, from this run), and
	// Uploads the account's images per year.
	Recall  float64 `json:"recall"`
	Uploads int64   `json:"uploads"`
	// Detection is bench.Detection at a few shared-image counts;
	// Shared50Exact and Shared50Robust the fewest shared listed images
	// at which an ideal decoder and Berlekamp-Welch open the account
	// with probability at least 1/2 (0: not within MaxShared).
	Detection      []DetectionPoint `json:"detection"`
	MaxShared      int64            `json:"max_shared"`
	Shared50Exact  int64            `json:"shared_50_exact"`
	Shared50Robust int64            `json:"shared_50_robust"`
	// Choice is ChooseThreshold at the measured per-image rate (the upper
	// end of its interval when no pair matched), RateSource says which.
	Choice      *ThresholdChoice `json:"choice,omitempty"`
	ChoiceError string           `json:"choice_error,omitempty"`
	RateSource  string           `json:"rate_source"`
}

// leakPoints are the (synthetic rate, uploads) pairs the report shows.
var leakPoints = []struct {
	s float64
	n int64
}{{0.01, 1000}, {0.05, 1000}, {0.01, 10000}}

// AnalyseThreshold computes the model figures for policy (k, s) from an
// algorithm's accuracy (nil: detection and the threshold choice are
// omitted).
func AnalyseThreshold(k int64, s float64, a *Accuracy) (*ThresholdAnalysis, error) {
	ta := &ThresholdAnalysis{K: k, SyntheticRate: s, Uploads: int64(AccountDefaults.ImagesPerYear.Value)}
	for _, lp := range leakPoints {
		if lp.n < k {
			continue
		}
		l, err := ThresholdLeak(k, lp.n, lp.s)
		if err != nil {
			return nil, err
		}
		ta.Leak = append(ta.Leak, l)
	}
	if a == nil {
		return ta, nil
	}
	ta.Recall = a.Recall
	ta.MaxShared = min(4*k, ta.Uploads)
	det, err := Detection(k, ta.Uploads, ta.MaxShared, a.Recall, s)
	if err != nil {
		return nil, err
	}
	for _, d := range det {
		if ta.Shared50Exact == 0 && d.Exact >= 0.5 {
			ta.Shared50Exact = d.Shared
		}
		if ta.Shared50Robust == 0 && d.Robust >= 0.5 {
			ta.Shared50Robust = d.Shared
		}
		switch d.Shared {
		case k, k + k/2, 2 * k, 3 * k, 4 * k:
			ta.Detection = append(ta.Detection, d)
		}
	}
	at := a.Collision.AtThreshold
	p := a.PerImageRate
	ta.RateSource = fmt.Sprintf("%s measured per-image rate at threshold %d (%d of %d pairs matched)", a.Algorithm, a.Collision.Threshold, at.Matches, at.Pairs)
	if at.Matches == 0 {
		p = a.PerImageRateHigh
		ta.RateSource = fmt.Sprintf("upper end of the 95%% interval of %s's per-image rate at threshold %d (no pair of %d matched)", a.Algorithm, a.Collision.Threshold, at.Pairs)
	}
	if p >= 1 || math.IsNaN(p) {
		ta.ChoiceError = fmt.Sprintf("per-image rate %.3g: every image matches, no k helps", p)
		return ta, nil
	}
	c, err := ChooseThreshold(p, ta.Uploads, AccountDefaults.ClaimedFlagRate.Value)
	if err != nil {
		ta.ChoiceError = err.Error()
		return ta, nil
	}
	ta.Choice = &c
	return ta, nil
}
