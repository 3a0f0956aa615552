package scale

import (
	"fmt"
	"path"
	"reflect"
	"strings"
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
// listed (and an archive read) once per process, not once per item. An
// archive is held in memory whole, so at most maxArchives of them are kept
// (least recently used first out); folders, list and IDX files stay.
var corpora = struct {
	sync.Mutex
	m    map[string]*corpusEntry
	tick int64
}{m: map[string]*corpusEntry{}}

type corpusEntry struct {
	once sync.Once
	c    *bench.Corpus
	err  error
	used int64
}

// maxArchives bounds the archives a worker process keeps open.
const maxArchives = 2

// isArchive reports whether bench.Open reads src into memory whole.
func isArchive(src string) bool {
	l := strings.ToLower(src)
	return strings.HasSuffix(l, ".tar") || strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tgz") || strings.HasSuffix(l, ".zip")
}

// openSource opens a source with bench's readers, once per process while
// it stays cached.
func openSource(src string) (*bench.Corpus, error) {
	corpora.Lock()
	e := corpora.m[src]
	if e == nil {
		e = &corpusEntry{}
		corpora.m[src] = e
		if isArchive(src) {
			evictArchives(src)
		}
	}
	corpora.tick++
	e.used = corpora.tick
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

// evictArchives drops the least recently used cached archives other than
// keep until fewer than maxArchives remain besides it (corpora is locked).
func evictArchives(keep string) {
	for {
		var oldest string
		n := 0
		for k, e := range corpora.m {
			if k == keep || !isArchive(k) {
				continue
			}
			n++
			if oldest == "" || e.used < corpora.m[oldest].used {
				oldest = k
			}
		}
		if n < maxArchives {
			return
		}
		if c := corpora.m[oldest].c; c != nil {
			c.Close()
		}
		delete(corpora.m, oldest)
	}
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

// listFn expands a source number into references to its items. A source
// that cannot be opened becomes one reference with Index -1, which the
// hash step turns into a failure record.
type listFn struct {
	Sources []string
}

func (f *listFn) ProcessElement(k int, emit func(ItemRef)) error {
	if k < 0 || k >= len(f.Sources) {
		return fmt.Errorf("scale: source %d of %d", k, len(f.Sources))
	}
	c, err := openSource(f.Sources[k])
	if err != nil {
		emit(ItemRef{Source: k, Index: -1, Order: int64(k) << 32, ID: f.Sources[k]})
		return nil
	}
	if len(c.Items) >= 1<<32 {
		return fmt.Errorf("scale: list %s: %d items, at most 2^32-1 per source", f.Sources[k], len(c.Items))
	}
	for i, it := range c.Items {
		emit(ItemRef{Source: k, Index: i, Order: int64(k)<<32 | int64(i), ID: itemID(f.Sources, k, it.ID)})
	}
	return nil
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
