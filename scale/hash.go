package scale

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*ItemHashes)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*HashSummary)(nil)).Elem())
	register.DoFn2x2[context.Context, ItemRef, ItemHashes, error](&hashFn{})
	register.DoFn3x1[context.Context, int, func(ItemHashes), error](&hashArchiveFn{})
	register.DoFn2x0[ItemHashes, func(int, ItemHashes)](&shardKeyFn{})
	register.DoFn3x1[context.Context, int, func(*ItemHashes) bool, error](&writeShardFn{})
	register.Emitter2[int, ItemHashes]()
	register.Iter1[ItemHashes]()
	register.Function1x1(summarize)
	register.Function2x1(mergeSummary)
	register.DoFn2x1[context.Context, HashSummary, error](&writeSummaryFn{})
}

// ItemHashes is one item's hashes under every algorithm of a run, in the
// run's algorithm order; Err says why an item failed (then Hashes is
// empty). Hashes are in phash.Hash's text form.
type ItemHashes struct {
	Ref     ItemRef
	Digest  []byte
	Hashes  []string
	Quality []int
	Err     string
}

// hashFn reads, decodes and hashes one item with bench.HashItem. A failed
// item becomes a record with Err set, never a failed bundle.
type hashFn struct {
	Sources    []string
	Algorithms []string

	hashers []phash.Hasher
}

func (f *hashFn) Setup() error {
	var err error
	f.hashers, err = hashersOf(f.Algorithms)
	return err
}

var (
	itemsHashed = beam.NewCounter("privmatch", "items_hashed")
	itemsFailed = beam.NewCounter("privmatch", "items_failed")
)

func (f *hashFn) ProcessElement(ctx context.Context, r ItemRef) (ItemHashes, error) {
	out := ItemHashes{Ref: r}
	itemsHashed.Inc(ctx, 1)
	it, err := item(f.Sources, r)
	if err != nil {
		itemsFailed.Inc(ctx, 1)
		out.Err = err.Error()
		return out, nil
	}
	d, hs, qs, err := bench.HashItem(it, f.hashers)
	out.Digest = d[:]
	if err != nil {
		itemsFailed.Inc(ctx, 1)
		out.Err = err.Error()
		return out, nil
	}
	for _, h := range hs {
		out.Hashes = append(out.Hashes, h.String())
	}
	out.Quality = qs
	return out, nil
}

// hashArchiveFn lists and hashes every item of one archive source (a tar
// or zip shard) in the worker that reads it, so a shard is read once, not
// once per item.
type hashArchiveFn struct {
	Sources    []string
	Algorithms []string

	hash *hashFn
}

func (f *hashArchiveFn) Setup() error {
	f.hash = &hashFn{Sources: f.Sources, Algorithms: f.Algorithms}
	return f.hash.Setup()
}

func (f *hashArchiveFn) ProcessElement(ctx context.Context, k int, emit func(ItemHashes)) error {
	l := &listFn{Sources: f.Sources}
	var refs []ItemRef
	if err := l.ProcessElement(k, func(r ItemRef) { refs = append(refs, r) }); err != nil {
		return err
	}
	for _, r := range refs {
		h, err := f.hash.ProcessElement(ctx, r)
		if err != nil {
			return err
		}
		emit(h)
	}
	return nil
}

// hashItems hashes every item of the sources: items of folders, list and
// IDX files spread over workers one by one, archives one shard per unit.
func hashItems(s beam.Scope, o *Options) beam.PCollection {
	s = s.Scope("hash")
	var archives, others []int
	for k, src := range o.Sources {
		if isArchive(src) {
			archives = append(archives, k)
		} else {
			others = append(others, k)
		}
	}
	var cols []beam.PCollection
	if len(others) > 0 {
		refs := beam.Reshuffle(s, beam.ParDo(s, &listFn{Sources: o.Sources}, beam.CreateList(s, others)))
		cols = append(cols, beam.ParDo(s, &hashFn{Sources: o.Sources, Algorithms: o.Algorithms}, refs))
	}
	if len(archives) > 0 {
		shards := beam.Reshuffle(s, beam.CreateList(s, archives))
		cols = append(cols, beam.ParDo(s, &hashArchiveFn{Sources: o.Sources, Algorithms: o.Algorithms}, shards))
	}
	if len(cols) == 1 {
		return cols[0]
	}
	return beam.Flatten(s, cols...)
}

// HashPipeline adds the hash pipeline to s: every item of o.Sources hashed
// with o.Algorithms, written to o.Out as o.Shards files
// hashes-SSSSS-of-NNNNN.csv (or .jsonl), one row per item and algorithm
// (path,algorithm,hash,quality, then index, sha256 and error; a failed
// item has one row with the error), rows of a shard in corpus order; and
// summary.json with the number of items and failures.
func HashPipeline(s beam.Scope, o Options) error {
	if err := o.check(); err != nil {
		return err
	}
	hs := hashItems(s, &o)
	keyed := beam.ParDo(s, &shardKeyFn{Shards: o.Shards}, hs)
	grouped := beam.GroupByKey(s, keyed)
	beam.ParDo0(s, &writeShardFn{Out: o.Out, Shards: o.Shards, Format: o.Format, Algorithms: o.Algorithms}, grouped)
	sum := beam.Combine(s, mergeSummary, beam.ParDo(s, summarize, hs))
	beam.ParDo0(s, &writeSummaryFn{Out: o.Out}, sum)
	return nil
}

// shardKeyFn spreads records over the output shards by corpus order.
type shardKeyFn struct {
	Shards int
}

func (f *shardKeyFn) ProcessElement(h ItemHashes, emit func(int, ItemHashes)) {
	emit(int(uint64(h.Ref.Order)%uint64(f.Shards)), h)
}

// writeShardFn writes one output shard, its rows in corpus order.
type writeShardFn struct {
	Out        string
	Shards     int
	Format     string
	Algorithms []string
}

func (f *writeShardFn) ProcessElement(ctx context.Context, shard int, iter func(*ItemHashes) bool) error {
	var rows []ItemHashes
	var h ItemHashes
	for iter(&h) {
		rows = append(rows, h)
	}
	slices.SortFunc(rows, func(a, b ItemHashes) int { return cmpInt64(a.Ref.Order, b.Ref.Order) })
	var buf bytes.Buffer
	if err := writeRows(&buf, f.Format, f.Algorithms, rows); err != nil {
		return err
	}
	name := fmt.Sprintf("%s/hashes-%05d-of-%05d.%s", f.Out, shard, f.Shards, f.Format)
	return writeFile(ctx, name, buf.Bytes())
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hashRow is one output row; the first four fields are privmatch hash's.
type hashRow struct {
	Path      string `json:"path"`
	Algorithm string `json:"algorithm"`
	Hash      string `json:"hash"`
	Quality   *int   `json:"quality"`
	Index     int64  `json:"index"`
	SHA256    string `json:"sha256"`
	Error     string `json:"error,omitempty"`
}

// CSVHeader is the header of the hash pipeline's CSV shards.
var CSVHeader = []string{"path", "algorithm", "hash", "quality", "index", "sha256", "error"}

// writeRows writes records as CSV (with header) or JSONL rows.
func writeRows(buf *bytes.Buffer, format string, algs []string, recs []ItemHashes) error {
	var rows []hashRow
	for _, r := range recs {
		base := hashRow{Path: r.Ref.ID, Index: r.Ref.Order, SHA256: hex.EncodeToString(r.Digest)}
		if r.Err != "" {
			base.Error = r.Err
			rows = append(rows, base)
			continue
		}
		for k, a := range algs {
			row := base
			row.Algorithm, row.Hash = a, r.Hashes[k]
			if q := r.Quality[k]; q >= 0 {
				row.Quality = &q
			}
			rows = append(rows, row)
		}
	}
	if format == "jsonl" {
		enc := json.NewEncoder(buf)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("scale: write rows: %w", err)
			}
		}
		return nil
	}
	w := csv.NewWriter(buf)
	w.Write(CSVHeader)
	for _, r := range rows {
		q := ""
		if r.Quality != nil {
			q = strconv.Itoa(*r.Quality)
		}
		w.Write([]string{r.Path, r.Algorithm, r.Hash, q, strconv.FormatInt(r.Index, 10), r.SHA256, r.Error})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("scale: write rows: %w", err)
	}
	return nil
}

// writeFile writes data to name through Beam's filesystem layer.
func writeFile(ctx context.Context, name string, data []byte) error {
	fs, err := filesystem.New(ctx, name)
	if err != nil {
		return fmt.Errorf("scale: write %s: %w", name, err)
	}
	defer fs.Close()
	w, err := fs.OpenWrite(ctx, name)
	if err != nil {
		return fmt.Errorf("scale: write %s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("scale: write %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("scale: write %s: %w", name, err)
	}
	return nil
}

// HashSummary counts the items a hash pipeline saw and those that failed,
// with the first few failures.
type HashSummary struct {
	Items  int64    `json:"items"`
	Failed int64    `json:"failed"`
	First  []string `json:"first_failures"`
}

// maxListedFailures bounds HashSummary.First.
const maxListedFailures = 20

func summarize(h ItemHashes) HashSummary {
	s := HashSummary{Items: 1}
	if h.Err != "" {
		s.Failed = 1
		s.First = []string{h.Ref.ID + ": " + h.Err}
	}
	return s
}

func mergeSummary(a, b HashSummary) HashSummary {
	first := append(append([]string(nil), a.First...), b.First...)
	slices.Sort(first)
	if len(first) > maxListedFailures {
		first = first[:maxListedFailures]
	}
	return HashSummary{Items: a.Items + b.Items, Failed: a.Failed + b.Failed, First: first}
}

// writeSummaryFn writes summary.json.
type writeSummaryFn struct {
	Out string
}

func (f *writeSummaryFn) ProcessElement(ctx context.Context, s HashSummary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(ctx, f.Out+"/summary.json", append(b, '\n'))
}
