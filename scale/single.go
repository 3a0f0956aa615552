package scale

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/privmatch/privmatch/bench"
	benchreport "github.com/privmatch/privmatch/bench/report"
)

// SingleMachine measures what m asks over o's corpus with bench's
// single-machine functions (bench.HashCorpus, bench.Dedup,
// bench.Collisions, bench.Robustness) and returns the report a pipeline
// would write: the reference a pipeline's results.json is compared with,
// and the baseline its speed is measured against.
func SingleMachine(ctx context.Context, o Options, m Measure) (*benchreport.Report, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	hashers, err := hashersOf(o.Algorithms)
	if err != nil {
		return nil, err
	}
	c := &bench.Corpus{Source: corpusName(o.Sources)}
	for k, src := range o.Sources {
		sc, err := openSource(src)
		if err != nil {
			return nil, fmt.Errorf("scale: open %s: %w", src, err)
		}
		for _, it := range sc.Items {
			it.ID = itemID(o.Sources, k, it.ID)
			c.Items = append(c.Items, it)
		}
	}
	r := newReport(o)
	t0 := time.Now()
	hs, err := bench.HashCorpus(ctx, c, hashers, bench.HashOptions{})
	if err != nil {
		return nil, err
	}
	r.StageSeconds["hashing"] = time.Since(t0).Seconds()
	r.Corpus = benchreport.CorpusInfo{Source: c.Source, Items: len(c.Items), Failed: hs.Failed}
	for i, id := range hs.IDs {
		r.Corpus.Manifest = append(r.Corpus.Manifest, benchreport.ManifestEntry{ID: id, SHA256: hex.EncodeToString(hs.Digests[i][:])})
	}
	r.Dedup = bench.Dedup(hs, bench.DefaultDedupRule)
	if r.Dedup.Distinct < 2 {
		return nil, fmt.Errorf("scale: corpus has %d distinct hashable images; need at least 2", r.Dedup.Distinct)
	}
	if m.Robustness {
		t0 = time.Now()
		if r.Robustness, err = bench.Robustness(ctx, c, hs, r.Dedup, o.Robustness); err != nil {
			return nil, err
		}
		r.StageSeconds["robustness"] = time.Since(t0).Seconds()
	}
	if !m.Pairs {
		return r, nil
	}
	t0 = time.Now()
	for _, h := range hashers {
		col, err := bench.Collisions(ctx, hs, h.Name(), r.Dedup, o.Pairs)
		if err != nil {
			return nil, err
		}
		if err := addAccuracy(r, h.Name(), col, m.Robustness); err != nil {
			return nil, fmt.Errorf("scale: %s: %w", h.Name(), err)
		}
	}
	r.StageSeconds["false matches"] = time.Since(t0).Seconds()
	return r, nil
}

// SameNumbers reports the first section in which two reports' measured
// numbers differ (corpus, dedup, accuracy, robustness, ROC), ignoring
// times, environment and generation date; "" when they agree bit for bit.
func SameNumbers(a, b *benchreport.Report) (string, error) {
	for _, sec := range []struct {
		name string
		x, y any
	}{
		{"corpus", a.Corpus, b.Corpus}, {"dedup", a.Dedup, b.Dedup},
		{"accuracy", a.Accuracy, b.Accuracy}, {"robustness", a.Robustness, b.Robustness}, {"roc", a.ROC, b.ROC},
	} {
		same, err := sameJSONBytes(sec.x, sec.y)
		if err != nil {
			return "", fmt.Errorf("scale: compare %s: %w", sec.name, err)
		}
		if !same {
			return sec.name, nil
		}
	}
	return "", nil
}
