// Package scale runs privmatch's corpus measurements as Apache Beam
// pipelines, so that hashing, the exact false-match histogram and the
// robustness suite of millions of images run on Dataflow, Flink or Spark,
// or in-process on Beam's Prism runner, with the same numbers as the
// single-machine path in package bench.
//
// Start here: Options names the corpus and what to measure; HashPipeline
// and ResultsPipeline (pairs, robustness or both, as Measure says) add the
// transforms to a Beam pipeline; SingleMachine computes the same report
// with bench alone; the command privmatch-beam (scale/cmd/privmatch-beam)
// parses flags and runs them with beamx.Run.
//
// Every number comes from bench's own functions, piece by piece: an item
// is hashed by bench.HashItem, duplicates are removed by bench.Dedup over
// all hashes (one global step), the pair matrix is cut into blocks of
// BlockSize hashes and each block (i, j) is counted by
// bench.CountPairBlock as one unit of work (or, above the exact cap, each
// of bench.SampleChunks sampler streams is one unit), and an image's edits
// are measured by bench.RobustImage. Sums of parts are the single-machine
// counts, so results.json holds the same histograms, rates and recall
// tables bit for bit.
//
// The corpus is read with bench.Open (folders, ImageNet-style class
// folders, zip/tar archives such as WebDataset shards, IDX files, list
// files) or bench.FashionMNIST, so every worker must see the corpus at
// the same path (a shared or mounted filesystem); output goes through
// Beam's filesystem layer (local paths, gs://).
package scale

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

// FashionMNIST is the corpus name that selects bench.FashionMNIST's 70,000
// images from bench.FashionMNISTDir, as privmatch report's --corpus does.
const FashionMNIST = "fashion-mnist"

// DefaultBlockSize is the number of hashes per side of a pair block: a
// block compares up to 2^26 pairs (a fraction of a second on one core)
// and carries two 256 KiB slices of hashes.
const DefaultBlockSize = 8192

// Options says what a pipeline measures.
type Options struct {
	// Sources are the corpus parts, in order: folders, archives, IDX or
	// list files (see bench.Open), or FashionMNIST. Globs are expanded
	// by ExpandSources.
	Sources []string
	// Algorithms are registered phash names.
	Algorithms []string
	// Pairs controls the false-match measurement as in bench.
	Pairs bench.PairOptions
	// BlockSize is the side of a pair block; 0 means DefaultBlockSize.
	BlockSize int
	// Robustness controls the edit suite as in bench (Workers and
	// Progress are ignored).
	Robustness bench.RobustnessOptions
	// Shards is the number of output files of the hash pipeline; 0 means
	// 16.
	Shards int
	// Format is "csv" or "jsonl" for the hash pipeline.
	Format string
	// Out is the output folder (a local path or a Beam filesystem URL).
	Out string
}

// ExpandSources expands each glob pattern (a name with *, ? or [) into
// the sorted paths it matches, keeping the order of the arguments, and
// fails on a pattern that matches nothing.
func ExpandSources(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == FashionMNIST || !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, fmt.Errorf("scale: corpus pattern %q: %w", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("scale: corpus pattern %q matches nothing", a)
		}
		slices.Sort(m)
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("scale: no corpus given")
	}
	return out, nil
}

// check validates o and fills defaults.
func (o *Options) check() error {
	if len(o.Sources) == 0 {
		return fmt.Errorf("scale: no corpus given")
	}
	if len(o.Algorithms) == 0 {
		return fmt.Errorf("scale: no algorithms given")
	}
	for _, a := range o.Algorithms {
		if _, err := phash.ByName(a); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	if o.BlockSize == 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.BlockSize < 1 {
		return fmt.Errorf("scale: block size %d: must be positive", o.BlockSize)
	}
	if o.Shards == 0 {
		o.Shards = 16
	}
	if o.Shards < 1 {
		return fmt.Errorf("scale: %d shards: must be positive", o.Shards)
	}
	if o.Format == "" {
		o.Format = "csv"
	}
	if o.Format != "csv" && o.Format != "jsonl" {
		return fmt.Errorf("scale: format %q: want csv or jsonl", o.Format)
	}
	if o.Robustness.Steps == nil {
		o.Robustness.Steps = transform.Suite()
	}
	for _, s := range o.Robustness.Steps {
		if _, err := transform.ByName(s.Transform); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	if o.Out == "" {
		return fmt.Errorf("scale: no output folder given")
	}
	return nil
}

// hashers looks the algorithms up.
func hashersOf(names []string) ([]phash.Hasher, error) {
	out := make([]phash.Hasher, len(names))
	for k, n := range names {
		h, err := phash.ByName(n)
		if err != nil {
			return nil, fmt.Errorf("scale: %w", err)
		}
		out[k] = h
	}
	return out, nil
}

// corpusName is how results name the corpus: the single-machine path's
// Corpus.Source for one source, else the sources joined by commas.
func corpusName(sources []string) string {
	if len(sources) == 1 && sources[0] == FashionMNIST {
		return "fashion-mnist:" + bench.FashionMNISTDir
	}
	return strings.Join(sources, ",")
}
