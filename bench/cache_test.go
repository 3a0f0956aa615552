package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

func sampleCache(t testing.TB) map[cacheKey]phash.Hash {
	t.Helper()
	m := map[cacheKey]phash.Hash{}
	for i, h := range randomHashes(t, 20, 64, 1) {
		m[cacheKey{Digest{byte(i)}, "dhash8", hashCodeVersion}] = h
	}
	for i, h := range randomHashes(t, 5, 256, 2) {
		m[cacheKey{Digest{byte(i)}, "pdq", hashCodeVersion}] = h
		m[cacheKey{Digest{byte(i)}, "pdq", hashCodeVersion + 1}] = h
	}
	c, _ := phash.NewHash("colorhash", 42, []byte{3, 0, 0, 0, 0, 1})
	m[cacheKey{Digest{9, 9}, "colorhash", hashCodeVersion}] = c
	return m
}

func TestCacheRoundTripAndCorruption(t *testing.T) {
	m := sampleCache(t)
	b := marshalCache(m)
	got, err := parseCache(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(m) {
		t.Fatalf("%d entries back, want %d", len(got), len(m))
	}
	for k, v := range m {
		if got[k] != v {
			t.Fatalf("entry %v differs", k)
		}
	}
	if !bytes.Equal(marshalCache(got), b) {
		t.Fatal("encoding not canonical")
	}
	// Every single-byte change, truncation and extension is rejected.
	for i := 0; i < len(b); i += 7 {
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		if _, err := parseCache(c); err == nil {
			t.Fatalf("flipped byte %d accepted", i)
		}
	}
	for _, c := range [][]byte{b[:len(b)-1], b[:20], append(append([]byte(nil), b...), 0), nil} {
		if _, err := parseCache(c); err == nil {
			t.Fatalf("cache of %d bytes accepted", len(c))
		}
	}
	// Get only answers at the current version.
	path := filepath.Join(t.TempDir(), "c")
	os.WriteFile(path, b, 0o644)
	cache, err := OpenCache(path, func(s string) { t.Fatal(s) })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cache.Get(Digest{0}, "pdq"); !ok {
		t.Fatal("current-version entry missing")
	}
	if _, ok := cache.Get(Digest{7, 7}, "pdq"); ok {
		t.Fatal("absent entry found")
	}
}

func FuzzParseCache(f *testing.F) {
	f.Add(marshalCache(sampleCache(f)))
	f.Add(marshalCache(nil))
	f.Add([]byte("PMHCACHE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseCache(b)
		if err != nil {
			return
		}
		// Accepted input is canonical: it re-encodes to the same bytes.
		if !bytes.Equal(marshalCache(m), b) {
			t.Fatal("accepted cache does not round-trip")
		}
	})
}
