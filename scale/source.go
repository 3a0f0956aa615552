package scale

import (
	"fmt"
	"path"
	"reflect"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/privmatch/privmatch/bench"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*ItemRef)(nil)).Elem())
	register.DoFn2x1[int, func(ItemRef), error](&listFn{})
	register.Emitter1[ItemRef]()
}

// ItemRef names one corpus item: item Index of source Source. Order is the
// item's place in the whole corpus (source number in the high 32 bits,
// index in the low), the order bench.Open lists a single source in.
type ItemRef struct {
	Source int
	Index  int
	Order  int64
	ID     string
}

// corpora caches the opened sources of this worker process: a source is
// listed (and an archive read) once per process, not once per item.
var corpora = struct {
	sync.Mutex
	m map[string]*corpusEntry
}{m: map[string]*corpusEntry{}}

type corpusEntry struct {
	once sync.Once
	c    *bench.Corpus
	err  error
}

// openSource opens a source with bench's readers, once per process.
func openSource(src string) (*bench.Corpus, error) {
	corpora.Lock()
	e := corpora.m[src]
	if e == nil {
		e = &corpusEntry{}
		corpora.m[src] = e
	}
	corpora.Unlock()
	e.once.Do(func() {
		if src == FashionMNIST {
			e.c, e.err = bench.FashionMNIST(bench.FashionMNISTDir)
		} else {
			e.c, e.err = bench.Open(src)
		}
	})
	return e.c, e.err
}

// itemID is the ID of item it of source number k of n: the item's own ID
// for a single source, else prefixed with the source's base name so that
// IDs of different shards do not collide.
func itemID(sources []string, k int, id string) string {
	if len(sources) == 1 {
		return id
	}
	return path.Base(sources[k]) + "/" + id
}

// listFn expands a source number into references to its items.
type listFn struct {
	Sources []string
}

func (f *listFn) ProcessElement(k int, emit func(ItemRef)) error {
	if k < 0 || k >= len(f.Sources) {
		return fmt.Errorf("scale: source %d of %d", k, len(f.Sources))
	}
	c, err := openSource(f.Sources[k])
	if err != nil {
		return fmt.Errorf("scale: list %s: %w", f.Sources[k], err)
	}
	if len(c.Items) >= 1<<32 {
		return fmt.Errorf("scale: list %s: %d items, at most 2^32-1 per source", f.Sources[k], len(c.Items))
	}
	for i, it := range c.Items {
		emit(ItemRef{Source: k, Index: i, Order: int64(k)<<32 | int64(i), ID: itemID(f.Sources, k, it.ID)})
	}
	return nil
}

// itemRefs lists every item of the sources, redistributed across workers.
func itemRefs(s beam.Scope, sources []string) beam.PCollection {
	s = s.Scope("list")
	idx := make([]int, len(sources))
	for k := range idx {
		idx[k] = k
	}
	refs := beam.ParDo(s, &listFn{Sources: sources}, beam.CreateList(s, idx))
	return beam.Reshuffle(s, refs)
}

// item returns the corpus item a reference names.
func item(sources []string, r ItemRef) (bench.Item, error) {
	if r.Source < 0 || r.Source >= len(sources) {
		return bench.Item{}, fmt.Errorf("scale: item %s: source %d of %d", r.ID, r.Source, len(sources))
	}
	c, err := openSource(sources[r.Source])
	if err != nil {
		return bench.Item{}, fmt.Errorf("scale: open %s: %w", sources[r.Source], err)
	}
	if r.Index < 0 || r.Index >= len(c.Items) {
		return bench.Item{}, fmt.Errorf("scale: item %s: index %d of %d", r.ID, r.Index, len(c.Items))
	}
	return c.Items[r.Index], nil
}
