package bench

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
	"github.com/privmatch/privmatch/psi"
)

// ReportOptions says what a feasibility report measures. Every field that
// shapes a number is written to results.json.
type ReportOptions struct {
	// Quick marks a smoke run (fewer images, sizes and queries).
	Quick bool `json:"quick"`
	// Corpus is the corpus; CorpusPath how it was named.
	Corpus     *Corpus `json:"-"`
	CorpusPath string  `json:"corpus_path"`
	// Hashers are the algorithms measured; they must include pdq and
	// phash8 for DefaultDedupRule's near-duplicate rule to apply.
	Hashers    []phash.Hasher `json:"-"`
	Algorithms []string       `json:"algorithms"`
	// Protocols are the private membership protocols run.
	Protocols []psi.Protocol `json:"-"`
	// Feasibility controls the protocol sweep.
	Feasibility FeasibilityOptions `json:"feasibility"`
	// Robustness controls the edit suite.
	Robustness RobustnessOptions `json:"robustness"`
	// Pairs controls the false-match measurement.
	Pairs PairOptions `json:"pairs"`
	// Attack controls the adversarial section.
	Attack AttackOptions `json:"attack"`
	// Integrity controls the threshold-reporting and audit measurements.
	Integrity IntegrityOptions `json:"integrity"`
	// SkipEncryptedHash turns off hashing one image under encryption
	// (package he/imagehash).
	SkipEncryptedHash bool `json:"skip_encrypted_hash"`
	// Device is the slow-phone and slow-link model.
	Device DeviceModel `json:"device"`
	// ListSize is the size of the deployed list a scanned image is
	// compared against; Prevalence the share of scanned images that are
	// listed. Both are assumptions.
	ListSize   Param `json:"list_size"`
	Prevalence Param `json:"prevalence"`
	// HashTimingImages is the number of images whose hashing time is
	// measured per algorithm.
	HashTimingImages int `json:"hash_timing_images"`
	// Workers is the number of goroutines for hashing, pairs, robustness
	// and attacks; 0 means GOMAXPROCS.
	Workers int `json:"workers"`
	// Cache, if not nil, supplies and stores hashes.
	Cache *Cache `json:"-"`
	// Stage, if not nil, is called at the start of each long stage and
	// returns a progress callback and a function that ends the stage.
	Stage func(desc string, total int) (progress func(done, total int), finish func()) `json:"-"`
	// IsHomomorphic says which protocols the "20 million seconds" claim
	// is about; nil means none of them.
	IsHomomorphic func(protocol string) bool `json:"-"`
}

// DefaultListSize is the assumed deployed list size.
var DefaultListSize = Param{Value: 1e6, Source: "assumption: order of magnitude of a known-image hash list; the " +
	"assessment gives no list size; vary it"}

// DefaultPrevalence is the assumed share of scanned images that are listed.
var DefaultPrevalence = Param{Value: 1e-6, Source: "assumption for illustration: one scanned image in a million is a " +
	"listed one; no published figure; vary it"}

// ManifestEntry is one corpus item and its content digest.
type ManifestEntry struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
}

// CorpusInfo identifies the corpus a report measured.
type CorpusInfo struct {
	Source   string          `json:"source"`
	Items    int             `json:"items"`
	Failed   []ItemError     `json:"failed,omitempty"`
	Manifest []ManifestEntry `json:"manifest"`
}

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

// Report is everything a feasibility report prints: results.json.
type Report struct {
	Generated   string        `json:"generated"`
	Options     ReportOptions `json:"options"`
	Environment Environment   `json:"environment"`
	Corpus      CorpusInfo    `json:"corpus"`
	Dedup       *DedupResult  `json:"dedup"`
	HashTiming  []HashTiming  `json:"hash_timing"`
	Accuracy    []Accuracy    `json:"accuracy"`
	// Robustness is per algorithm; ROC the pooled curve per algorithm.
	Robustness  map[string]*RobustnessResult `json:"robustness"`
	ROC         map[string]ROCCurve          `json:"roc"`
	Attack      *AttackSection               `json:"attack"`
	Feasibility *FeasibilityResult           `json:"feasibility"`
	Estimates   []DeviceEstimate             `json:"device_estimates"`
	Claim       ClaimResult                  `json:"claim"`
	// Integrity holds the threshold-reporting and audit measurements
	// (nil when skipped).
	Integrity *IntegrityResult `json:"integrity"`
	// EncryptedHash is one image hashed under encryption per algorithm
	// he/imagehash supports; EncryptedHashError says why it is missing.
	EncryptedHash      []EncryptedHashRun `json:"encrypted_hash"`
	EncryptedHashError string             `json:"encrypted_hash_error,omitempty"`
	// StageSeconds is the wall time of each stage.
	StageSeconds map[string]float64 `json:"stage_seconds"`
	// Plots lists the plot files, by role.
	Plots map[string]string `json:"plots"`
}

// stage runs f as a named stage with progress.
func (o *ReportOptions) stage(r *Report, name string, total int, f func(progress func(done, total int)) error) error {
	prog, finish := func(int, int) {}, func() {}
	if o.Stage != nil {
		prog, finish = o.Stage(name, total)
	}
	t0 := time.Now()
	err := f(prog)
	finish()
	r.StageSeconds[name] = time.Since(t0).Seconds()
	return err
}

// BuildReport runs every measurement of the report.
func BuildReport(ctx context.Context, o ReportOptions) (*Report, error) {
	if o.Corpus == nil || len(o.Hashers) == 0 {
		return nil, errors.New("bench: report: need a corpus and at least one hasher")
	}
	if o.Device.PhoneSlowdown.Value <= 0 || len(o.Device.Links) == 0 {
		return nil, errors.New("bench: report: device model needs a positive slowdown and at least one link")
	}
	for _, l := range o.Device.Links {
		if !(l.DownKbps > 0 && l.UpKbps > 0 && l.RTTMS >= 0) {
			return nil, fmt.Errorf("bench: report: link %q needs positive rates", l.Name)
		}
	}
	if !(o.ListSize.Value >= 1) || !(o.Prevalence.Value > 0 && o.Prevalence.Value < 1) {
		return nil, errors.New("bench: report: list size must be >= 1 and prevalence in (0,1)")
	}
	o.Algorithms = o.Algorithms[:0]
	for _, h := range o.Hashers {
		o.Algorithms = append(o.Algorithms, h.Name())
	}
	o.Robustness.Workers, o.Pairs.Workers = o.Workers, o.Workers
	if o.Robustness.Steps == nil {
		o.Robustness.Steps = transform.Suite()
	}
	r := &Report{Generated: time.Now().UTC().Format(time.RFC3339), Environment: CurrentEnvironment(),
		Robustness: map[string]*RobustnessResult{}, ROC: map[string]ROCCurve{},
		StageSeconds: map[string]float64{}, Plots: map[string]string{}}

	var hs *HashSet
	err := o.stage(r, "hashing", len(o.Corpus.Items), func(p func(int, int)) error {
		var err error
		hs, err = HashCorpus(ctx, o.Corpus, o.Hashers, HashOptions{Workers: o.Workers, Cache: o.Cache, Progress: p})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}
	r.Corpus = CorpusInfo{Source: o.Corpus.Source, Items: len(o.Corpus.Items), Failed: hs.Failed}
	for i, id := range hs.IDs {
		r.Corpus.Manifest = append(r.Corpus.Manifest, ManifestEntry{ID: id, SHA256: hex.EncodeToString(hs.Digests[i][:])})
	}
	r.Dedup = Dedup(hs, DefaultDedupRule)
	if r.Dedup.Distinct < 2 {
		return nil, fmt.Errorf("bench: report: corpus has %d distinct hashable images; need at least 2", r.Dedup.Distinct)
	}

	if err := o.stage(r, "hash timing", len(o.Hashers), func(p func(int, int)) error {
		var err error
		r.HashTiming, err = measureHashTiming(o.Corpus, r.Dedup.Keep, o.Hashers, o.HashTimingImages, o.Device, p)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	cols := map[string]*CollisionResult{}
	if err := o.stage(r, "false matches", len(o.Hashers), func(p func(int, int)) error {
		for i, h := range o.Hashers {
			c, err := Collisions(ctx, hs, h.Name(), r.Dedup, o.Pairs)
			if err != nil {
				return err
			}
			cols[h.Name()] = c
			p(i+1, len(o.Hashers))
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	nrob := len(r.Dedup.Keep)
	if o.Robustness.MaxImages > 0 {
		nrob = min(nrob, o.Robustness.MaxImages)
	}
	if err := o.stage(r, "robustness", nrob, func(p func(int, int)) error {
		ro := o.Robustness
		ro.Progress = p
		var err error
		r.Robustness, err = Robustness(ctx, o.Corpus, hs, r.Dedup, ro)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	for _, h := range o.Hashers {
		a, curve, err := accuracyOf(cols[h.Name()], r.Robustness[h.Name()], o.ListSize, o.Prevalence)
		if err != nil {
			return nil, fmt.Errorf("bench: report: %s: %w", h.Name(), err)
		}
		r.Accuracy = append(r.Accuracy, a)
		r.ROC[h.Name()] = curve
	}

	if !o.SkipEncryptedHash {
		_ = o.stage(r, "encrypted hash", 1, func(p func(int, int)) error {
			var err error
			if r.EncryptedHash, err = MeasureEncryptedHash(o.Corpus, r.Dedup.Keep[0]); err != nil {
				r.EncryptedHashError = err.Error()
			}
			p(1, 1)
			return nil
		})
	}

	if err := o.stage(r, "attacks", max(o.Attack.Images, 1), func(p func(int, int)) error {
		var err error
		r.Attack, err = runAttacks(ctx, o.Corpus, r.Dedup.Keep, o.Attack, o.Workers, p)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	if err := o.stage(r, "protocols", len(o.Protocols)*len(o.Feasibility.Sizes), func(p func(int, int)) error {
		fo := o.Feasibility
		fo.Progress = p
		var err error
		r.Feasibility, err = Feasibility(ctx, o.Protocols, fo)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}
	for _, p := range r.Feasibility.Protocols {
		if len(p.Points) > 0 {
			e := o.Device.Estimate(p.Protocol, p.Points[len(p.Points)-1])
			o.Device.ExtrapolateSetup(&e, p.Points, o.ListSize.Value)
			r.Estimates = append(r.Estimates, e)
		}
	}
	r.Claim = Claim(r.Feasibility, o.Device, o.IsHomomorphic)
	if !o.Integrity.Skip {
		if err := o.stage(r, "integrity", 4, func(p func(int, int)) error {
			var err error
			r.Integrity, err = runIntegrity(&o, r, p)
			return err
		}); err != nil {
			return nil, fmt.Errorf("bench: report: %w", err)
		}
	}
	r.Options = o
	return r, nil
}

// perImage is 1-(1-r)^n, the chance of matching at least one of n entries.
func perImage(r, n float64) float64 {
	if r >= 1 {
		return 1
	}
	return -math.Expm1(n * math.Log1p(-r))
}

func accuracyOf(col *CollisionResult, rob *RobustnessResult, list, prev Param) (Accuracy, ROCCurve, error) {
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

// measureHashTiming times each hasher on up to n kept images, one at a
// time on one goroutine.
func measureHashTiming(c *Corpus, keep []int, hashers []phash.Hasher, n int, dm DeviceModel, p func(int, int)) ([]HashTiming, error) {
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
			data, err := it.Data()
			if err != nil {
				return nil, fmt.Errorf("hash timing: %s: %w", it.ID, err)
			}
			img, err := it.Decode(data)
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

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
