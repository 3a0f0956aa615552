package bench

import (
	"context"
	"fmt"
	"image"
	"sync/atomic"

	"github.com/privmatch/privmatch/phash"
)

// HashOptions controls HashCorpus.
type HashOptions struct {
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
	// Cache, if not nil, supplies and stores hashes. The caller saves it.
	Cache *Cache
	// Progress, if not nil, is called after each item with the number of
	// items done and the total, from one goroutine at a time.
	Progress func(done, total int)
}

// ItemError records an item that could not be read, decoded or hashed.
type ItemError struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	Err   string `json:"error"`
}

// HashSet holds the hashes of a corpus under several algorithms. Index i
// of every slice refers to the corpus's item i.
type HashSet struct {
	Corpus     string   `json:"corpus"`
	IDs        []string `json:"ids"`
	Digests    []Digest `json:"-"`
	Algorithms []string `json:"algorithms"`
	// Hashes maps an algorithm name to one hash per item; a failed item's
	// hash is the zero Hash.
	Hashes map[string][]phash.Hash `json:"-"`
	// Quality maps the name of each algorithm that scores its hashes
	// (a phash.QualityHasher, e.g. PDQ) to one score per item; a failed
	// item's score is -1.
	Quality map[string][]int `json:"-"`
	// Failed lists the items without hashes, and the reason.
	Failed []ItemError `json:"failed"`
	// CacheHits and Computed count hashes read from the cache and
	// computed.
	CacheHits int64 `json:"cache_hits"`
	Computed  int64 `json:"computed"`
}

// OK reports whether item i was hashed.
func (hs *HashSet) OK(i int) bool {
	for _, a := range hs.Algorithms {
		if hs.Hashes[a][i].IsZero() {
			return false
		}
	}
	return true
}

// HashCorpus hashes every item of c with every hasher, in parallel. For
// each item it reads the bytes, takes the SHA-256 digest, and decodes the
// image only if some hash is not in the cache. An item that fails is
// recorded in Failed and does not stop the run; cancelling ctx does.
func HashCorpus(ctx context.Context, c *Corpus, hashers []phash.Hasher, opt HashOptions) (*HashSet, error) {
	if len(hashers) == 0 {
		return nil, fmt.Errorf("bench: hash corpus: no hashers")
	}
	n := len(c.Items)
	hs := &HashSet{Corpus: c.Source, IDs: make([]string, n), Digests: make([]Digest, n), Hashes: map[string][]phash.Hash{}, Quality: map[string][]int{}}
	for _, h := range hashers {
		if _, dup := hs.Hashes[h.Name()]; dup {
			return nil, fmt.Errorf("bench: hash corpus: %s listed twice", h.Name())
		}
		hs.Algorithms = append(hs.Algorithms, h.Name())
		hs.Hashes[h.Name()] = make([]phash.Hash, n)
		if _, ok := h.(phash.QualityHasher); ok {
			hs.Quality[h.Name()] = make([]int, n)
		}
	}
	for i, it := range c.Items {
		hs.IDs[i] = it.ID
	}
	errs := make([]string, n)
	var hits, computed atomic.Int64
	err := parallel(ctx, n, opt.Workers, opt.Progress, func(i int) func() {
		h, c2, err := hashItem(c.Items[i], hashers, hs, i, opt.Cache)
		hits.Add(h)
		computed.Add(c2)
		if err != nil {
			errs[i] = err.Error()
			for _, a := range hs.Algorithms {
				hs.Hashes[a][i] = phash.Hash{}
				if q := hs.Quality[a]; q != nil {
					q[i] = -1
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: hash corpus: %w", err)
	}
	for i, e := range errs {
		if e != "" {
			hs.Failed = append(hs.Failed, ItemError{Index: i, ID: hs.IDs[i], Err: e})
		}
	}
	hs.CacheHits, hs.Computed = hits.Load(), computed.Load()
	return hs, nil
}

// hashItem fills item i's digest and hashes, returning how many came from
// the cache and how many were computed.
func hashItem(it Item, hashers []phash.Hasher, hs *HashSet, i int, cache *Cache) (hits, computed int64, err error) {
	data, err := it.Data()
	if err != nil {
		return 0, 0, fmt.Errorf("read: %w", err)
	}
	d := digestOf(data)
	hs.Digests[i] = d
	var missing []phash.Hasher
	for _, h := range hashers {
		if cache != nil {
			v, ok := cache.Get(d, h.Name())
			ok = ok && v.Kind() == h.Kind() && v.Bits() == h.Bits()
			if qs := hs.Quality[h.Name()]; ok && qs != nil {
				qs[i], ok = cache.GetQuality(d, h.Name())
			}
			if ok {
				hs.Hashes[h.Name()][i] = v
				hits++
				continue
			}
		}
		missing = append(missing, h)
	}
	if len(missing) == 0 {
		return hits, 0, nil
	}
	img, err := it.Decode(data)
	if err != nil {
		return hits, 0, fmt.Errorf("decode: %w", err)
	}
	for _, h := range missing {
		v, q, err := hashWithQuality(h, img)
		if err != nil {
			return hits, computed, fmt.Errorf("%s: %w", h.Name(), err)
		}
		hs.Hashes[h.Name()][i] = v
		if qs := hs.Quality[h.Name()]; qs != nil {
			qs[i] = q
		}
		computed++
		if cache != nil {
			cache.Put(d, h.Name(), v)
			if q >= 0 {
				cache.PutQuality(d, h.Name(), q)
			}
		}
	}
	return hits, computed, nil
}

// hashWithQuality hashes img with h and, for a phash.QualityHasher, scores
// it; q is -1 for hashers without a score.
func hashWithQuality(h phash.Hasher, img image.Image) (v phash.Hash, q int, err error) {
	if qh, ok := h.(phash.QualityHasher); ok {
		return qh.HashQuality(img)
	}
	v, err = h.Hash(img)
	return v, -1, err
}
