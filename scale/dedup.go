package scale

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/privmatch/privmatch/bench"
	benchreport "github.com/privmatch/privmatch/bench/report"
	"github.com/privmatch/privmatch/phash"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Part)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*HashWords)(nil)).Elem())
	register.DoFn5x1[int, func(*ItemHashes) bool, func(Part), func(HashWords), func(ItemHashes), error](&dedupFn{})
	register.Emitter1[Part]()
	register.Emitter1[HashWords]()
	register.Emitter1[ItemHashes]()
}

// Part is one piece of a run's results on its way to results.json: the
// corpus and dedup metadata (Kind "meta"), a summed pair histogram of a
// set (Kind "pairs"), or the robustness tally (Kind "robustness").
type Part struct {
	Kind string
	Key  string
	JSON []byte
	Hist []int64
}

// HashWords is a set of hashes the pair matrix is counted over: the
// distinct images under algorithm Algorithm, or with Gate those above its
// quality floor, packed by bench.PackWords.
type HashWords struct {
	Key       string
	Algorithm string
	Gate      bool
	Bits      int
	Words     []uint64
}

// meta is the "meta" part: what results.json says about the corpus.
type meta struct {
	Corpus benchreport.CorpusInfo `json:"corpus"`
	Dedup  *bench.DedupResult     `json:"dedup"`
	// Gate[alg] is {images kept, images dropped} by the quality floor.
	Gate map[string][2]int `json:"gate"`
}

// setKey names the pair set of an algorithm.
func setKey(alg string, gate bool) string {
	if gate {
		return alg + "/gate"
	}
	return alg
}

// dedupFn is the one global step: it puts every item's hashes back in
// corpus order as a bench.HashSet, runs bench.Dedup, and emits the
// metadata, the packed hash sets to count pairs over, and the kept items
// (for the robustness suite).
type dedupFn struct {
	Sources    []string
	Algorithms []string
	MaxImages  int
}

func (f *dedupFn) ProcessElement(_ int, iter func(*ItemHashes) bool, emitPart func(Part), emitSet func(HashWords), emitKept func(ItemHashes)) error {
	var recs []ItemHashes
	var r ItemHashes
	for iter(&r) {
		recs = append(recs, r)
	}
	hs, err := hashSetOf(f.Sources, f.Algorithms, recs)
	if err != nil {
		return err
	}
	dd := bench.Dedup(hs, bench.DefaultDedupRule)
	if dd.Distinct < 2 {
		return fmt.Errorf("scale: corpus has %d distinct hashable images; need at least 2", dd.Distinct)
	}
	m := meta{Corpus: benchreport.CorpusInfo{Source: hs.Corpus, Items: len(recs), Failed: hs.Failed}, Dedup: dd, Gate: map[string][2]int{}}
	for i, id := range hs.IDs {
		m.Corpus.Manifest = append(m.Corpus.Manifest, benchreport.ManifestEntry{ID: id, SHA256: hex.EncodeToString(hs.Digests[i][:])})
	}
	for _, a := range f.Algorithms {
		h, _ := phash.ByName(a)
		col := hs.Hashes[a]
		var sel, gated []phash.Hash
		qh, scored := h.(phash.QualityHasher)
		dropped := 0
		for _, i := range dd.Keep {
			sel = append(sel, col[i])
			if scored {
				if hs.Quality[a][i] > qh.MinQuality() {
					gated = append(gated, col[i])
				} else {
					dropped++
				}
			}
		}
		w, bits, err := bench.PackWords(sel)
		if err != nil {
			return fmt.Errorf("scale: %s: %w", a, err)
		}
		emitSet(HashWords{Key: setKey(a, false), Algorithm: a, Bits: bits, Words: w})
		if scored {
			m.Gate[a] = [2]int{len(gated), dropped}
			if len(gated) >= 2 {
				w, bits, err := bench.PackWords(gated)
				if err != nil {
					return fmt.Errorf("scale: %s quality gate: %w", a, err)
				}
				emitSet(HashWords{Key: setKey(a, true), Algorithm: a, Gate: true, Bits: bits, Words: w})
			}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("scale: metadata: %w", err)
	}
	emitPart(Part{Kind: "meta", JSON: b})
	keep := dd.Keep
	if f.MaxImages > 0 && len(keep) > f.MaxImages {
		keep = keep[:f.MaxImages]
	}
	for _, i := range keep {
		emitKept(recs[i]) // recs is in corpus order now
	}
	return nil
}

// hashSetOf rebuilds the bench.HashSet of records recs (sorted here into
// corpus order): what bench.HashCorpus returns for the same corpus.
func hashSetOf(sources, algs []string, recs []ItemHashes) (*bench.HashSet, error) {
	slices.SortFunc(recs, func(a, b ItemHashes) int { return cmpInt64(a.Ref.Order, b.Ref.Order) })
	hashers, err := hashersOf(algs)
	if err != nil {
		return nil, err
	}
	n := len(recs)
	hs := &bench.HashSet{Corpus: corpusName(sources), IDs: make([]string, n), Digests: make([]bench.Digest, n), Algorithms: algs,
		Hashes: map[string][]phash.Hash{}, Quality: map[string][]int{}}
	for _, h := range hashers {
		hs.Hashes[h.Name()] = make([]phash.Hash, n)
		if _, ok := h.(phash.QualityHasher); ok {
			hs.Quality[h.Name()] = make([]int, n)
		}
	}
	for i, r := range recs {
		if i > 0 && recs[i-1].Ref.Order == r.Ref.Order {
			return nil, fmt.Errorf("scale: item %s listed twice", r.Ref.ID)
		}
		hs.IDs[i] = r.Ref.ID
		copy(hs.Digests[i][:], r.Digest)
		errMsg := r.Err
		if errMsg == "" && (len(r.Hashes) != len(hashers) || len(r.Quality) != len(hashers)) {
			errMsg = fmt.Sprintf("record has %d hashes for %d algorithms", len(r.Hashes), len(hashers))
		}
		for k, h := range hashers {
			if errMsg != "" {
				break
			}
			v, err := phash.ParseHash(h.Kind(), h.Bits(), r.Hashes[k])
			if err != nil {
				errMsg = err.Error()
				break
			}
			hs.Hashes[h.Name()][i] = v
			if q := hs.Quality[h.Name()]; q != nil {
				q[i] = r.Quality[k]
			}
		}
		if errMsg != "" {
			for _, h := range hashers {
				hs.Hashes[h.Name()][i] = phash.Hash{}
				if q := hs.Quality[h.Name()]; q != nil {
					q[i] = -1
				}
			}
			hs.Failed = append(hs.Failed, bench.ItemError{Index: i, ID: r.Ref.ID, Err: errMsg})
		}
	}
	return hs, nil
}
