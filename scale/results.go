package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/privmatch/privmatch/bench"
	benchreport "github.com/privmatch/privmatch/bench/report"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

func init() {
	register.DoFn3x1[context.Context, int, func(*Part) bool, error](&resultsFn{})
	register.Iter1[Part]()
}

// Measure says which measurements a results pipeline runs.
type Measure struct {
	Pairs, Robustness bool
}

// ResultsPipeline adds to s the pipeline that hashes o.Sources, removes
// duplicates as privmatch report does, and measures what m asks (the pair
// histograms and false-match rates; the robustness suite), writing
// o.Out/results.json in the schema of benchreport.Report. With both, it also
// fills each algorithm's Accuracy (account, PPV) and ROC as the report
// does.
func ResultsPipeline(s beam.Scope, o Options, m Measure) error {
	if err := o.check(); err != nil {
		return err
	}
	if !m.Pairs && !m.Robustness {
		return fmt.Errorf("scale: nothing to measure")
	}
	resultsFromRecords(s, &o, m, hashItems(s, &o))
	return nil
}

// resultsFromRecords adds the measurements of m over the hashed records hs.
func resultsFromRecords(s beam.Scope, o *Options, m Measure, hs beam.PCollection) {
	maxImages := -1 // no kept items needed
	if m.Robustness {
		maxImages = max(o.Robustness.MaxImages, 0)
	}
	parts, sets, kept := dedupStep(s, o, hs, maxImages)
	all := []beam.PCollection{parts}
	if m.Pairs {
		all = append(all, countPairs(s, o, sets))
	}
	if m.Robustness {
		all = append(all, robustness(s, o, kept))
	}
	grouped := beam.GroupByKey(s, beam.AddFixedKey(s, beam.Flatten(s, all...)))
	beam.ParDo0(s, &resultsFn{Sources: o.Sources, Algorithms: o.Algorithms, Out: o.Out, Pairs: o.Pairs,
		Steps: o.Robustness.Steps, Seed: o.Robustness.Seed, MaxImages: o.Robustness.MaxImages, Measure: m}, grouped)
}

// dedupStep gathers every record in one place for bench.Dedup.
func dedupStep(s beam.Scope, o *Options, hs beam.PCollection, maxImages int) (parts, sets, kept beam.PCollection) {
	s = s.Scope("dedup")
	grouped := beam.GroupByKey(s, beam.AddFixedKey(s, hs))
	outs := beam.ParDoN(s, &dedupFn{Sources: o.Sources, Algorithms: o.Algorithms, MaxImages: maxImages}, grouped)
	return outs[0], outs[1], outs[2]
}

// resultsFn assembles results.json from the parts. Its fields are the
// parts of Options that results.json records (a DoFn's fields must be
// plain data).
type resultsFn struct {
	Sources    []string
	Algorithms []string
	Out        string
	Pairs      bench.PairOptions
	Steps      []transform.Step
	Seed       uint64
	MaxImages  int
	Measure    Measure
}

func (f *resultsFn) ProcessElement(ctx context.Context, _ int, iter func(*Part) bool) error {
	o := Options{Sources: f.Sources, Algorithms: f.Algorithms, Out: f.Out, Pairs: f.Pairs,
		Robustness: bench.RobustnessOptions{Steps: f.Steps, Seed: f.Seed, MaxImages: f.MaxImages}}
	r, err := assemble(o, f.Measure, iter)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("scale: results: %w", err)
	}
	return writeFile(ctx, f.Out+"/results.json", append(b, '\n'))
}

// assemble builds the report from the parts of a run.
func assemble(o Options, m Measure, iter func(*Part) bool) (*benchreport.Report, error) {
	var md *meta
	hists := map[string][]int64{}
	var robust []int64
	var p Part
	for iter(&p) {
		switch p.Kind {
		case "meta":
			md = &meta{}
			if err := json.Unmarshal(p.JSON, md); err != nil {
				return nil, fmt.Errorf("scale: results: metadata: %w", err)
			}
		case "pairs":
			hists[p.Key] = append([]int64(nil), p.Hist...)
		case "robustness":
			robust = append([]int64(nil), p.Hist...)
		default:
			return nil, fmt.Errorf("scale: results: unknown part %q", p.Kind)
		}
	}
	if md == nil {
		return nil, fmt.Errorf("scale: results: no metadata part")
	}
	hashers, err := hashersOf(o.Algorithms)
	if err != nil {
		return nil, err
	}
	r := newReport(o)
	r.Corpus, r.Dedup = md.Corpus, md.Dedup
	if m.Robustness {
		t, err := robustTallies(hashers, len(o.Robustness.Steps), robust)
		if err != nil {
			return nil, err
		}
		if r.Robustness, err = bench.NewRobustnessResults(hashers, o.Robustness.Steps, md.Corpus.Source, o.Robustness.Seed, t); err != nil {
			return nil, err
		}
	}
	if !m.Pairs {
		return r, nil
	}
	for _, h := range hashers {
		col, err := collision(h, md, o.Pairs, hists)
		if err != nil {
			return nil, err
		}
		if err := addAccuracy(r, h.Name(), col, m.Robustness); err != nil {
			return nil, fmt.Errorf("scale: results: %s: %w", h.Name(), err)
		}
	}
	return r, nil
}

// newReport starts the report of a run of o: generation time, environment
// and the run's options, with empty result maps.
func newReport(o Options) *benchreport.Report {
	r := &benchreport.Report{Generated: time.Now().UTC().Format(time.RFC3339), Environment: benchreport.CurrentEnvironment(),
		Robustness: map[string]*bench.RobustnessResult{}, ROC: map[string]bench.ROCCurve{},
		StageSeconds: map[string]float64{}, Plots: map[string]string{}}
	r.Options.CorpusPath, r.Options.Algorithms = corpusName(o.Sources), o.Algorithms
	r.Options.Pairs, r.Options.Robustness = o.Pairs, o.Robustness
	r.Options.ListSize, r.Options.Prevalence = benchreport.DefaultListSize, benchreport.DefaultPrevalence
	return r
}

// addAccuracy appends algorithm name's accuracy, from its false-match
// result col, to r and, when robustness was measured, its ROC curve.
func addAccuracy(r *benchreport.Report, name string, col *bench.CollisionResult, robust bool) error {
	a := bench.Accuracy{Algorithm: name, Collision: col}
	if robust {
		var curve bench.ROCCurve
		var err error
		if a, curve, err = bench.AccuracyOf(col, r.Robustness[name], benchreport.DefaultListSize, benchreport.DefaultPrevalence); err != nil {
			return err
		}
		r.ROC[name] = curve
	}
	r.Accuracy = append(r.Accuracy, a)
	return nil
}

// collision builds one algorithm's bench.CollisionResult from the summed
// histograms of its sets.
func collision(h phash.Hasher, md *meta, opt bench.PairOptions, hists map[string][]int64) (*bench.CollisionResult, error) {
	counts := func(key string, images int) (bench.PairCounts, error) {
		pc := bench.PlanPairs(images, h.Bits(), opt)
		hist, ok := hists[key]
		if !ok || len(hist) < h.Bits()+1 {
			return pc, fmt.Errorf("scale: results: no pair histogram for %s", key)
		}
		pc.Counts = hist[:h.Bits()+1]
		return pc, nil
	}
	pc, err := counts(setKey(h.Name(), false), md.Dedup.Distinct)
	if err != nil {
		return nil, err
	}
	g, scored := md.Gate[h.Name()]
	var gate *bench.PairCounts
	if scored && g[0] >= 2 {
		gp, err := counts(setKey(h.Name(), true), g[0])
		if err != nil {
			return nil, err
		}
		gate = &gp
	}
	return bench.NewCollisionResult(h.Name(), md.Corpus.Source, md.Dedup, opt, pc, gate, g[0], g[1])
}

// sameJSONBytes reports whether a and b encode to the same JSON.
func sameJSONBytes(a, b any) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return string(ja) == string(jb), nil
}
