package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/privmatch/privmatch/phash"
)

// cacheKey identifies a cached hash: the image's content digest, the
// algorithm's registry name and the hash-code version that computed it.
type cacheKey struct {
	Digest    Digest
	Algorithm string
	Version   uint32
}

// Cache is an on-disk cache of hashes keyed by cacheKey. It is safe for
// concurrent use.
//
// File format (all integers big-endian):
//
//	"PMHCACHE" | format u32 = 1 | count u64 | count records | SHA-256 of all preceding bytes
//	record: digest [32] | version u32 | len u8 | algorithm | len u8 | kind | bits u16 | ceil(bits/8) hash bytes
//
// The trailing digest makes any corruption (truncation, flipped bits,
// appended bytes) detectable; records must be sorted by key with no
// duplicates, so every cache has one encoding.
//
// A hasher's quality score (PDQ's 0..100) is stored as a record of its
// own: algorithm NAME+"#quality", kind "quality", 8 bits holding the score
// (see GetQuality).
type Cache struct {
	mu    sync.Mutex
	path  string
	m     map[cacheKey]phash.Hash
	dirty bool
}

const (
	cacheMagic  = "PMHCACHE"
	cacheFormat = 1
	// maxCacheRecords bounds the record count a cache file may claim.
	maxCacheRecords = 1 << 28
)

// OpenCache loads the cache at path. A missing file gives an empty cache.
// A file that cannot be parsed is not trusted: warn (if not nil) is called
// with the reason, and an empty cache is returned that Save will rewrite.
func OpenCache(path string, warn func(msg string)) (*Cache, error) {
	c := &Cache{path: path, m: map[cacheKey]phash.Hash{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bench: open cache: %w", err)
	}
	m, err := parseCache(b)
	if err != nil {
		if warn != nil {
			warn(fmt.Sprintf("ignoring corrupt hash cache %s (it will be rebuilt): %v", path, err))
		}
		c.dirty = true
		return c, nil
	}
	c.m = m
	return c, nil
}

// Get returns the cached hash for (digest, algorithm) at hashCodeVersion.
func (c *Cache) Get(d Digest, alg string) (phash.Hash, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[cacheKey{d, alg, hashCodeVersion}]
	return h, ok
}

// Put stores a hash for (digest, algorithm) at hashCodeVersion.
func (c *Cache) Put(d Digest, alg string, h phash.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{d, alg, hashCodeVersion}
	if old, ok := c.m[k]; !ok || old != h {
		c.m[k] = h
		c.dirty = true
	}
}

// qualitySuffix and qualityKind mark the records that hold quality scores.
const (
	qualitySuffix = "#quality"
	qualityKind   = phash.Kind("quality")
)

// GetQuality returns the cached quality score of (digest, algorithm) at
// hashCodeVersion.
func (c *Cache) GetQuality(d Digest, alg string) (int, bool) {
	h, ok := c.Get(d, alg+qualitySuffix)
	if !ok || h.Kind() != qualityKind || h.Bits() != 8 {
		return 0, false
	}
	return int(h.Bytes()[0]), true
}

// PutQuality stores the quality score (0..255) of (digest, algorithm) at
// hashCodeVersion; other values are not stored.
func (c *Cache) PutQuality(d Digest, alg string, q int) {
	if q < 0 || q > 255 {
		return
	}
	h, err := phash.NewHash(qualityKind, 8, []byte{byte(q)})
	if err != nil {
		return // unreachable: the kind and length are valid
	}
	c.Put(d, alg+qualitySuffix, h)
}

// Len returns the number of cached hashes.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Save writes the cache atomically (temporary file and rename) if it
// changed since it was opened.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	b := marshalCache(c.m)
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".hashcache-*")
	if err != nil {
		return fmt.Errorf("bench: save cache: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("bench: save cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("bench: save cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("bench: save cache: %w", err)
	}
	c.dirty = false
	return nil
}

func keyLess(a, b cacheKey) bool {
	if c := bytes.Compare(a.Digest[:], b.Digest[:]); c != 0 {
		return c < 0
	}
	if a.Algorithm != b.Algorithm {
		return a.Algorithm < b.Algorithm
	}
	return a.Version < b.Version
}

// marshalCache encodes cache entries in the format Cache documents.
// Entries whose algorithm or kind name is longer than 255 bytes are
// skipped.
func marshalCache(m map[cacheKey]phash.Hash) []byte {
	keys := make([]cacheKey, 0, len(m))
	for k, h := range m {
		if len(k.Algorithm) <= 255 && len(h.Kind()) <= 255 && !h.IsZero() {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	var buf bytes.Buffer
	buf.WriteString(cacheMagic)
	buf.Write(binary.BigEndian.AppendUint32(nil, cacheFormat))
	buf.Write(binary.BigEndian.AppendUint64(nil, uint64(len(keys))))
	for _, k := range keys {
		h := m[k]
		buf.Write(k.Digest[:])
		buf.Write(binary.BigEndian.AppendUint32(nil, k.Version))
		buf.WriteByte(byte(len(k.Algorithm)))
		buf.WriteString(k.Algorithm)
		buf.WriteByte(byte(len(h.Kind())))
		buf.WriteString(string(h.Kind()))
		buf.Write(binary.BigEndian.AppendUint16(nil, uint16(h.Bits())))
		buf.Write(h.Bytes())
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes()
}

// parseCache decodes the format Cache documents, strictly: any deviation
// is an error.
func parseCache(b []byte) (map[cacheKey]phash.Hash, error) {
	const hdr = len(cacheMagic) + 4 + 8
	if len(b) < hdr+sha256.Size {
		return nil, fmt.Errorf("bench: cache: %d bytes, too short", len(b))
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("bench: cache: checksum mismatch")
	}
	if string(body[:len(cacheMagic)]) != cacheMagic {
		return nil, fmt.Errorf("bench: cache: bad magic")
	}
	if f := binary.BigEndian.Uint32(body[len(cacheMagic):]); f != cacheFormat {
		return nil, fmt.Errorf("bench: cache: format %d, want %d", f, cacheFormat)
	}
	n := binary.BigEndian.Uint64(body[len(cacheMagic)+4:])
	if n > maxCacheRecords || n > uint64(len(body))/40 {
		return nil, fmt.Errorf("bench: cache: %d records cannot fit", n)
	}
	r := bytes.NewReader(body[hdr:])
	m := make(map[cacheKey]phash.Hash, n)
	var prev cacheKey
	for i := uint64(0); i < n; i++ {
		var k cacheKey
		if _, err := io.ReadFull(r, k.Digest[:]); err != nil {
			return nil, fmt.Errorf("bench: cache: record %d: %w", i, err)
		}
		var v [4]byte
		if _, err := io.ReadFull(r, v[:]); err != nil {
			return nil, fmt.Errorf("bench: cache: record %d: %w", i, err)
		}
		k.Version = binary.BigEndian.Uint32(v[:])
		alg, err := readShort(r)
		if err != nil {
			return nil, fmt.Errorf("bench: cache: record %d algorithm: %w", i, err)
		}
		kind, err := readShort(r)
		if err != nil {
			return nil, fmt.Errorf("bench: cache: record %d kind: %w", i, err)
		}
		var nb [2]byte
		if _, err := io.ReadFull(r, nb[:]); err != nil {
			return nil, fmt.Errorf("bench: cache: record %d: %w", i, err)
		}
		nbits := int(binary.BigEndian.Uint16(nb[:]))
		if nbits < 1 || nbits > phash.MaxBits {
			return nil, fmt.Errorf("bench: cache: record %d: %d-bit hash", i, nbits)
		}
		hb := make([]byte, (nbits+7)/8)
		if _, err := io.ReadFull(r, hb); err != nil {
			return nil, fmt.Errorf("bench: cache: record %d: %w", i, err)
		}
		h, err := phash.NewHash(phash.Kind(kind), nbits, hb)
		if err != nil {
			return nil, fmt.Errorf("bench: cache: record %d: %w", i, err)
		}
		k.Algorithm = alg
		if i > 0 && !keyLess(prev, k) {
			return nil, fmt.Errorf("bench: cache: record %d out of order or duplicated", i)
		}
		prev = k
		m[k] = h
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("bench: cache: %d bytes after the last record", r.Len())
	}
	return m, nil
}

// readShort reads a length-prefixed (u8) non-empty string.
func readShort(r *bytes.Reader) (string, error) {
	n, err := r.ReadByte()
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", errors.New("empty name")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return string(b), nil
}
