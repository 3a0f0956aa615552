package scale

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

func init() {
	register.DoFn1x2[ItemHashes, []int64, error](&robustFn{})
	register.Function1x1(robustPart)
}

// tallyLayout gives the offset of algorithm k, step s in a flat tally:
// each cell holds images, failed, matches, then bits+1 distance counts.
func tallyLayout(hashers []phash.Hasher, steps int) (offsets [][]int, size int) {
	offsets = make([][]int, len(hashers))
	for k, h := range hashers {
		offsets[k] = make([]int, steps)
		for s := range offsets[k] {
			offsets[k][s] = size
			size += 3 + h.Bits() + 1
		}
	}
	return offsets, size
}

// robustFn measures one kept image under every step with
// bench.RobustImage and returns its flat tally.
type robustFn struct {
	Sources    []string
	Algorithms []string
	Steps      []transform.Step
	Seed       uint64

	hashers []phash.Hasher
}

func (f *robustFn) Setup() error {
	var err error
	f.hashers, err = hashersOf(f.Algorithms)
	return err
}

func (f *robustFn) ProcessElement(r ItemHashes) ([]int64, error) {
	off, size := tallyLayout(f.hashers, len(f.Steps))
	out := make([]int64, size)
	orig := make([]phash.Hash, len(f.hashers))
	for k, h := range f.hashers {
		v, err := phash.ParseHash(h.Kind(), h.Bits(), r.Hashes[k])
		if err != nil {
			return nil, fmt.Errorf("scale: robustness %s: %w", r.Ref.ID, err)
		}
		orig[k] = v
	}
	it, err := item(f.Sources, r.Ref)
	var dists [][]int
	ok := make([]bool, len(f.Steps))
	if err == nil {
		dists, ok, err = bench.RobustImage(it, r.Ref.ID, orig, f.hashers, f.Steps, f.Seed)
		if err != nil {
			return nil, err
		}
	}
	for k, h := range f.hashers {
		th := h.Threshold().Distance
		for s := range f.Steps {
			c := out[off[k][s]:]
			if !ok[s] {
				c[1]++
				continue
			}
			d := dists[k][s]
			c[0]++
			c[3+d]++
			if d <= th {
				c[2]++
			}
		}
	}
	return out, nil
}

// robustPart wraps the summed tally as a results part.
func robustPart(t []int64) Part {
	return Part{Kind: "robustness", Hist: t}
}

// robustness runs the edit suite over the kept items.
func robustness(s beam.Scope, o *Options, kept beam.PCollection) beam.PCollection {
	s = s.Scope("robustness")
	kept = beam.Reshuffle(s, kept)
	tallies := beam.ParDo(s, &robustFn{Sources: o.Sources, Algorithms: o.Algorithms, Steps: o.Robustness.Steps, Seed: o.Robustness.Seed}, kept)
	return beam.ParDo(s, robustPart, beam.Combine(s, sumHist, tallies))
}

// robustTallies unflattens a summed tally for bench.NewRobustnessResults;
// a nil tally (no image measured) gives zero tallies.
func robustTallies(hashers []phash.Hasher, steps int, flat []int64) ([][]bench.RobustTally, error) {
	off, size := tallyLayout(hashers, steps)
	if flat == nil {
		flat = make([]int64, size)
	}
	if len(flat) != size {
		return nil, fmt.Errorf("scale: robustness tally of %d cells, want %d", len(flat), size)
	}
	out := make([][]bench.RobustTally, len(hashers))
	for k, h := range hashers {
		out[k] = make([]bench.RobustTally, steps)
		for s := range out[k] {
			c := flat[off[k][s]:]
			out[k][s] = bench.RobustTally{Images: int(c[0]), Failed: int(c[1]), Matches: int(c[2]), Counts: append([]int64(nil), c[3:3+h.Bits()+1]...)}
		}
	}
	return out, nil
}
