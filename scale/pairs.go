package scale

import (
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/privmatch/privmatch/bench"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Unit)(nil)).Elem())
	register.DoFn2x0[HashWords, func(Unit)](&planFn{})
	register.DoFn3x1[Unit, func(*HashWords) bool, func(string, []int64), error](&countFn{})
	register.Emitter1[Unit]()
	register.Emitter2[string, []int64]()
	register.Iter1[HashWords]()
	register.Function2x1(sumHist)
	register.Function2x1(histPart)
}

// Unit is one unit of pair-counting work on set Set: the block of rows
// [R0, R1) by columns [C0, C1) of the pair matrix, or with Sample the
// sampler stream Chunk of a sample of Samples pairs drawn with Seed.
type Unit struct {
	Set            string
	R0, R1, C0, C1 int
	Sample         bool
	Chunk          int
	Samples        int64
	Seed           uint64
}

// planFn cuts a set's pair matrix into units: the upper-triangle blocks
// (i <= j) of BlockSize hashes when bench counts every pair, else one
// unit per sampler stream.
type planFn struct {
	BlockSize int
	Pairs     bench.PairOptions
}

func (f *planFn) ProcessElement(w HashWords, emit func(Unit)) {
	n := len(w.Words) / 4
	pc := bench.PlanPairs(n, w.Bits, f.Pairs)
	if !pc.Exact {
		for c := 0; c < bench.SampleChunks; c++ {
			emit(Unit{Set: w.Key, Sample: true, Chunk: c, Samples: pc.Compared, Seed: f.Pairs.Seed})
		}
		return
	}
	b := f.BlockSize
	for r0 := 0; r0 < n; r0 += b {
		for c0 := r0; c0 < n; c0 += b {
			emit(Unit{Set: w.Key, R0: r0, R1: min(r0+b, n), C0: c0, C1: min(c0+b, n)})
		}
	}
}

// countFn counts one unit with bench.CountPairBlock or
// bench.CountSampleChunk, reading the hash sets from a side input (kept
// per worker after the first unit).
type countFn struct {
	sets map[string]*HashWords
}

func (f *countFn) ProcessElement(u Unit, sets func(*HashWords) bool, emit func(string, []int64)) error {
	if f.sets == nil {
		f.sets = map[string]*HashWords{}
		var w HashWords
		for sets(&w) {
			c := w
			f.sets[w.Key] = &c
		}
	}
	w, ok := f.sets[u.Set]
	if !ok {
		return fmt.Errorf("scale: count pairs: no hash set %q", u.Set)
	}
	var h []int64
	var err error
	if u.Sample {
		h, err = bench.CountSampleChunk(w.Words, u.Samples, u.Seed, u.Chunk)
	} else {
		h, err = bench.CountPairBlock(w.Words, u.R0, u.R1, u.C0, u.C1)
	}
	if err != nil {
		return fmt.Errorf("scale: count pairs of %s: %w", u.Set, err)
	}
	emit(u.Set, h)
	return nil
}

// sumHist adds two histograms of the same length (or a nil one).
func sumHist(a, b []int64) []int64 {
	if len(a) < len(b) {
		a, b = b, a
	}
	out := append([]int64(nil), a...)
	for d, v := range b {
		out[d] += v
	}
	return out
}

// histPart wraps a set's summed histogram as a results part.
func histPart(key string, h []int64) Part {
	return Part{Kind: "pairs", Key: key, Hist: h}
}

// countPairs counts every unit of every set and sums each set's histogram.
func countPairs(s beam.Scope, o *Options, sets beam.PCollection) beam.PCollection {
	s = s.Scope("pairs")
	units := beam.ParDo(s, &planFn{BlockSize: o.BlockSize, Pairs: o.Pairs}, sets)
	units = beam.Reshuffle(s, units)
	hists := beam.ParDo(s, &countFn{}, units, beam.SideInput{Input: sets})
	sums := beam.CombinePerKey(s, sumHist, hists)
	return beam.ParDo(s, histPart, sums)
}
