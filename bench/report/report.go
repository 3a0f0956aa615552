// Package report builds and renders privmatch's feasibility report: it runs
// package bench's measurements (Build), keeps every figure and the options
// that shaped it in one value (Report, written as results.json), and
// renders report.md, report.html and SVG plots from that value alone
// (Report.WriteFiles), so a results.json written elsewhere in the same
// schema renders the same way (Read).
//
// Start here:
//
//	r, err := report.Build(ctx, report.Options{Corpus: c, Hashers: phash.All(), ...})
//	files, err := r.WriteFiles("out", "privmatch report")
//
//	r, err = report.Read(jsonBytes) // render without re-measuring
package report

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
	"github.com/privmatch/privmatch/psi"
)

// Options says what a feasibility report measures. Every field that
// shapes a number is written to results.json.
type Options struct {
	// Quick marks a smoke run (fewer images, sizes and queries).
	Quick bool `json:"quick"`
	// Corpus is the corpus; CorpusPath how it was named.
	Corpus     *bench.Corpus `json:"-"`
	CorpusPath string        `json:"corpus_path"`
	// Hashers are the algorithms measured; they must include pdq and
	// phash8 for DefaultDedupRule's near-duplicate rule to apply.
	Hashers    []phash.Hasher `json:"-"`
	Algorithms []string       `json:"algorithms"`
	// Protocols are the private membership protocols run.
	Protocols []psi.Protocol `json:"-"`
	// Feasibility controls the protocol sweep.
	Feasibility bench.FeasibilityOptions `json:"feasibility"`
	// Robustness controls the edit suite.
	Robustness bench.RobustnessOptions `json:"robustness"`
	// Pairs controls the false-match measurement.
	Pairs bench.PairOptions `json:"pairs"`
	// Attack controls the adversarial section.
	Attack bench.AttackOptions `json:"attack"`
	// Integrity controls the threshold-reporting and audit measurements.
	Integrity IntegrityOptions `json:"integrity"`
	// SkipEncryptedHash turns off hashing one image under encryption
	// (package he/imagehash).
	SkipEncryptedHash bool `json:"skip_encrypted_hash"`
	// FHE runs one image's whole hash and match under encryption with
	// bootstrapping (bench.MeasureFHE, package he/hashmatch): minutes of
	// one core and about 10 GB, so it is off unless asked for.
	FHE bool `json:"fhe"`
	// FHEHash is the hash the FHE run computes: "phash8" (the default,
	// minutes) or "pdq" (tens of minutes of one core).
	FHEHash string `json:"fhe_hash,omitempty"`
	// SkipDecoderDrift turns off hashing each JPEG file from both
	// decoders (Go's image/jpeg and libjpeg-turbo's pixels).
	SkipDecoderDrift bool `json:"skip_decoder_drift"`
	// Device is the slow-phone and slow-link model.
	Device bench.DeviceModel `json:"device"`
	// ListSize is the size of the deployed list a scanned image is
	// compared against; Prevalence the share of scanned images that are
	// listed. Both are assumptions.
	ListSize   bench.Param `json:"list_size"`
	Prevalence bench.Param `json:"prevalence"`
	// HashTimingImages is the number of images whose hashing time is
	// measured per algorithm.
	HashTimingImages int `json:"hash_timing_images"`
	// Workers is the number of goroutines for hashing, pairs, robustness
	// and attacks; 0 means GOMAXPROCS.
	Workers int `json:"workers"`
	// Cache, if not nil, supplies and stores hashes.
	Cache *bench.Cache `json:"-"`
	// Stage, if not nil, is called at the start of each long stage and
	// returns a progress callback and a function that ends the stage.
	Stage func(desc string, total int) (progress func(done, total int), finish func()) `json:"-"`
	// IsHomomorphic says which protocols the "20 million seconds" claim
	// is about; nil means none of them.
	IsHomomorphic func(protocol string) bool `json:"-"`
}

// DefaultListSize is the assumed deployed list size.
var DefaultListSize = bench.Param{Value: 1e6, Source: "assumption: order of magnitude of a known-image hash list; the " +
	"assessment gives no list size; vary it"}

// DefaultPrevalence is the assumed share of scanned images that are listed.
var DefaultPrevalence = bench.Param{Value: 1e-6, Source: "assumption for illustration: one scanned image in a million is a " +
	"listed one; no published figure; vary it"}

// ManifestEntry is one corpus item and its content digest.
type ManifestEntry struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
}

// CorpusInfo identifies the corpus a report measured.
type CorpusInfo struct {
	Source   string            `json:"source"`
	Items    int               `json:"items"`
	Failed   []bench.ItemError `json:"failed,omitempty"`
	Manifest []ManifestEntry   `json:"manifest"`
}

// Report is everything a feasibility report prints: results.json.
type Report struct {
	Generated   string             `json:"generated"`
	Options     Options            `json:"options"`
	Environment Environment        `json:"environment"`
	Corpus      CorpusInfo         `json:"corpus"`
	Dedup       *bench.DedupResult `json:"dedup"`
	HashTiming  []bench.HashTiming `json:"hash_timing"`
	Accuracy    []bench.Accuracy   `json:"accuracy"`
	// Robustness is per algorithm; ROC the pooled curve per algorithm.
	Robustness map[string]*bench.RobustnessResult `json:"robustness"`
	ROC        map[string]bench.ROCCurve          `json:"roc"`
	// DecoderDrift is how far each hash moves when only the JPEG decoder
	// changes, over the distinct images' JPEG files (nil when skipped);
	// DecoderDriftError says why it is missing.
	DecoderDrift      *bench.DecoderDriftResult `json:"decoder_drift,omitempty"`
	DecoderDriftError string                    `json:"decoder_drift_error,omitempty"`
	Attack            *bench.AttackSection      `json:"attack"`
	Feasibility       *bench.FeasibilityResult  `json:"feasibility"`
	Estimates         []bench.DeviceEstimate    `json:"device_estimates"`
	Claim             bench.ClaimResult         `json:"claim"`
	// Integrity holds the threshold-reporting and audit measurements
	// (nil when skipped).
	Integrity *IntegrityResult `json:"integrity"`
	// EncryptedHash is one image hashed under encryption per algorithm
	// he/imagehash supports; EncryptedHashError says why it is missing.
	EncryptedHash      []bench.EncryptedHashRun `json:"encrypted_hash"`
	EncryptedHashError string                   `json:"encrypted_hash_error,omitempty"`
	// FHE is the whole hash and match under encryption (Options.FHE);
	// FHEError says why it is missing when it was asked for.
	FHE      *bench.FHERun `json:"fhe,omitempty"`
	FHEError string        `json:"fhe_error,omitempty"`
	// StageSeconds is the wall time of each stage.
	StageSeconds map[string]float64 `json:"stage_seconds"`
	// Plots lists the plot files, by role.
	Plots map[string]string `json:"plots"`
}

// optionalStage runs f as a one-step stage whose failure is recorded in
// *msg (the report then says why the measurement is missing) instead of
// failing the report.
func (o *Options) optionalStage(r *Report, name string, msg *string, f func() error) {
	_ = o.stage(r, name, 1, func(p func(int, int)) error {
		if err := f(); err != nil {
			*msg = err.Error()
		}
		p(1, 1)
		return nil
	})
}

// stage runs f as a named stage with progress.
func (o *Options) stage(r *Report, name string, total int, f func(progress func(done, total int)) error) error {
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

// Build runs every measurement of the report.
func Build(ctx context.Context, o Options) (*Report, error) {
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
		Robustness: map[string]*bench.RobustnessResult{}, ROC: map[string]bench.ROCCurve{},
		StageSeconds: map[string]float64{}, Plots: map[string]string{}}

	var hs *bench.HashSet
	err := o.stage(r, "hashing", len(o.Corpus.Items), func(p func(int, int)) error {
		var err error
		hs, err = bench.HashCorpus(ctx, o.Corpus, o.Hashers, bench.HashOptions{Workers: o.Workers, Cache: o.Cache, Progress: p})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}
	r.Corpus = CorpusInfo{Source: o.Corpus.Source, Items: len(o.Corpus.Items), Failed: hs.Failed}
	for i, id := range hs.IDs {
		r.Corpus.Manifest = append(r.Corpus.Manifest, ManifestEntry{ID: id, SHA256: hex.EncodeToString(hs.Digests[i][:])})
	}
	r.Dedup = bench.Dedup(hs, bench.DefaultDedupRule)
	if r.Dedup.Distinct < 2 {
		return nil, fmt.Errorf("bench: report: corpus has %d distinct hashable images; need at least 2", r.Dedup.Distinct)
	}

	if err := o.stage(r, "hash timing", len(o.Hashers), func(p func(int, int)) error {
		var err error
		r.HashTiming, err = bench.MeasureHashTiming(o.Corpus, r.Dedup.Keep, o.Hashers, o.HashTimingImages, o.Device, p)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	cols := map[string]*bench.CollisionResult{}
	if err := o.stage(r, "false matches", len(o.Hashers), func(p func(int, int)) error {
		for i, h := range o.Hashers {
			c, err := bench.Collisions(ctx, hs, h.Name(), r.Dedup, o.Pairs)
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
		r.Robustness, err = bench.Robustness(ctx, o.Corpus, hs, r.Dedup, ro)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	if !o.SkipDecoderDrift {
		_ = o.stage(r, "decoder drift", 1, func(p func(int, int)) error {
			var err error
			if r.DecoderDrift, err = runDecoderDrift(ctx, &o, r.Dedup.Keep); err != nil {
				r.DecoderDriftError = err.Error()
			}
			p(1, 1)
			return nil
		})
	}

	for _, h := range o.Hashers {
		a, curve, err := bench.AccuracyOf(cols[h.Name()], r.Robustness[h.Name()], o.ListSize, o.Prevalence)
		if err != nil {
			return nil, fmt.Errorf("bench: report: %s: %w", h.Name(), err)
		}
		r.Accuracy = append(r.Accuracy, a)
		r.ROC[h.Name()] = curve
	}

	if !o.SkipEncryptedHash {
		o.optionalStage(r, "encrypted hash", &r.EncryptedHashError, func() (err error) {
			r.EncryptedHash, err = bench.MeasureEncryptedHash(o.Corpus, r.Dedup.Keep[0])
			return err
		})
	}
	if o.FHE {
		o.optionalStage(r, "whole hash and match under encryption", &r.FHEError, func() (err error) {
			alg := imagehash.AlgPHash8
			if o.FHEHash != "" {
				alg = imagehash.Alg(o.FHEHash)
			}
			r.FHE, err = bench.MeasureFHEHash(o.Corpus, r.Dedup.Keep[0], alg)
			return err
		})
	}

	if err := o.stage(r, "attacks", max(o.Attack.Images, 1), func(p func(int, int)) error {
		var err error
		r.Attack, err = bench.RunAttacks(ctx, o.Corpus, r.Dedup.Keep, o.Attack, o.Workers, p)
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}

	if err := o.stage(r, "protocols", len(o.Protocols)*len(o.Feasibility.Sizes), func(p func(int, int)) error {
		fo := o.Feasibility
		fo.Progress = p
		var err error
		r.Feasibility, err = bench.Feasibility(ctx, o.Protocols, fo)
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
	r.Claim = bench.Claim(r.Feasibility, o.Device, o.IsHomomorphic)
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

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
