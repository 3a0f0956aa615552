package bench

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
)

// synthPNG returns a deterministic synthetic image encoded as PNG.
func synthPNG(t testing.TB, seed uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, synthImage(seed)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// synthImage draws random rectangles and a gradient, so that different
// seeds give visually different pictures.
func synthImage(seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 77))
	m := phashtest.Photo(seed, image.Point{}, 96, 80)
	for k := 0; k < 6; k++ {
		x0, y0 := rng.IntN(80), rng.IntN(64)
		c := color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		for y := y0; y < y0+rng.IntN(40)+8 && y < 80; y++ {
			for x := x0; x < x0+rng.IntN(40)+8 && x < 96; x++ {
				m.SetNRGBA(x, y, c)
			}
		}
	}
	return m
}

// corpusDir writes n synthetic PNGs in nested folders, an exact copy of
// image 0, a JPEG re-encoding of image 1 (a near duplicate), a corrupt
// file and a non-image file, and returns the folder.
func corpusDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		write(filepath.Join("sub"+string(rune('a'+i%3)), "img"+string(rune('A'+i))+".png"), synthPNG(t, uint64(i)))
	}
	write("copy-of-A.png", synthPNG(t, 0))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, synthImage(1), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	write("reencoded-B.jpg", buf.Bytes())
	write("broken.png", []byte("\x89PNG\r\n\x1a\nnot really"))
	write("notes.txt", []byte("not an image"))
	return dir
}

func TestOpenFormatsAgree(t *testing.T) {
	dir := corpusDir(t, 5)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 8 {
		t.Fatalf("%d items, want 8 (5 + copy + jpeg + broken)", len(c.Items))
	}
	want := map[string]Digest{}
	for _, it := range c.Items {
		b, err := it.Data()
		if err != nil {
			t.Fatal(err)
		}
		want[it.ID] = digestOf(b)
	}
	// The same files as a list, a zip and a tar.gz give the same IDs and
	// digests.
	var list strings.Builder
	list.WriteString("# corpus list\n\n")
	var zbuf, tbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	tw := tar.NewWriter(&tbuf)
	for _, it := range c.Items {
		b, _ := it.Data()
		list.WriteString(it.ID + "\n")
		w, _ := zw.Create(it.ID)
		w.Write(b)
		tw.WriteHeader(&tar.Header{Name: it.ID, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	zw.Close()
	tw.Close()
	listPath := filepath.Join(dir, "corpus.list")
	os.WriteFile(listPath, []byte(list.String()), 0o644)
	zipPath := filepath.Join(t.TempDir(), "c.zip")
	os.WriteFile(zipPath, zbuf.Bytes(), 0o644)
	tarPath := filepath.Join(t.TempDir(), "c.tar")
	os.WriteFile(tarPath, tbuf.Bytes(), 0o644)
	for _, p := range []string{listPath, zipPath, tarPath} {
		c2, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(c2.Items) != len(want) {
			t.Fatalf("%s: %d items", p, len(c2.Items))
		}
		for _, it := range c2.Items {
			b, err := it.Data()
			if err != nil {
				t.Fatal(err)
			}
			if digestOf(b) != want[it.ID] {
				t.Fatalf("%s: item %s differs", p, it.ID)
			}
		}
		c2.Close()
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing path accepted")
	}
	os.WriteFile(listPath, []byte("a.png\na.png\n"), 0o644)
	if _, err := Open(listPath); err == nil {
		t.Fatal("list with a repeated line accepted")
	}
}

func TestHashCorpusAndCache(t *testing.T) {
	hashers := phashtest.Hashers(t, "pdq", "phash8", "dhash8")
	dir := corpusDir(t, 6)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cachePath := filepath.Join(t.TempDir(), "hashes.cache")
	cache, err := OpenCache(cachePath, func(m string) { t.Fatalf("unexpected warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	hs, err := HashCorpus(context.Background(), c, hashers, HashOptions{Cache: cache, Progress: func(d, n int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(c.Items) {
		t.Errorf("progress called %d times for %d items", calls, len(c.Items))
	}
	if len(hs.Failed) != 1 || hs.Failed[0].ID != "broken.png" {
		t.Fatalf("failed items: %+v", hs.Failed)
	}
	// Every hash equals a direct computation through phash.Load.
	for i, id := range hs.IDs {
		if id == "broken.png" {
			continue
		}
		img, err := phash.Load(filepath.Join(dir, id), phash.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hashers {
			v, _ := h.Hash(img)
			if hs.Hashes[h.Name()][i] != v {
				t.Fatalf("%s %s: %v, direct %v", id, h.Name(), hs.Hashes[h.Name()][i], v)
			}
			if qh, ok := h.(phash.QualityHasher); ok {
				_, q, _ := qh.HashQuality(img)
				if hs.Quality[h.Name()][i] != q {
					t.Fatalf("%s %s: quality %d, direct %d", id, h.Name(), hs.Quality[h.Name()][i], q)
				}
			}
		}
	}
	// 8 readable items, 7 distinct contents (one exact copy, which may
	// hit the cache if its twin was hashed first).
	total := int64(3 * (len(c.Items) - 1))
	if hs.CacheHits+hs.Computed != total || hs.Computed < 3*7 {
		t.Fatalf("first run: %d hits, %d computed", hs.CacheHits, hs.Computed)
	}
	if err := cache.Save(); err != nil {
		t.Fatal(err)
	}
	// Second run: everything from the cache, identical hashes.
	cache2, err := OpenCache(cachePath, func(m string) { t.Fatalf("unexpected warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	hs2, err := HashCorpus(context.Background(), c, hashers, HashOptions{Cache: cache2, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if hs2.Computed != 0 || hs2.CacheHits != total {
		t.Fatalf("second run: %d hits, %d computed", hs2.CacheHits, hs2.Computed)
	}
	for _, a := range hs.Algorithms {
		for i := range hs.IDs {
			if hs.Hashes[a][i] != hs2.Hashes[a][i] {
				t.Fatalf("cached %s hash of %s differs", a, hs.IDs[i])
			}
		}
	}
	if len(hs2.Quality) != 1 || len(hs2.Quality["pdq"]) != len(hs.IDs) {
		t.Fatalf("second run: quality scores for %d algorithms", len(hs2.Quality))
	}
	for i := range hs.IDs {
		if hs.Quality["pdq"][i] != hs2.Quality["pdq"][i] {
			t.Fatalf("cached pdq quality of %s: %d, computed %d", hs.IDs[i], hs2.Quality["pdq"][i], hs.Quality["pdq"][i])
		}
	}
	// A corrupted cache is ignored with a warning and rebuilt.
	b, _ := os.ReadFile(cachePath)
	b[len(b)/2] ^= 1
	os.WriteFile(cachePath, b, 0o644)
	var warned string
	cache3, err := OpenCache(cachePath, func(m string) { warned = m })
	if err != nil || warned == "" || cache3.Len() != 0 {
		t.Fatalf("corrupt cache: err %v, warning %q, %d entries", err, warned, cache3.Len())
	}
	hs3, err := HashCorpus(context.Background(), c, hashers, HashOptions{Cache: cache3})
	if err != nil || hs3.Computed < 3*7 || hs3.CacheHits+hs3.Computed != total {
		t.Fatalf("rebuild: %v, %d computed", err, hs3.Computed)
	}
	if err := cache3.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCache(cachePath, func(m string) { t.Fatalf("rebuilt cache rejected: %s", m) }); err != nil {
		t.Fatal(err)
	}
}

// hashedCorpus builds corpusDir(t, n), hashes it with pdq and phash8 and
// deduplicates it with the default rule.
func hashedCorpus(t *testing.T, n int) ([]phash.Hasher, *Corpus, *HashSet, *DedupResult) {
	t.Helper()
	hashers := phashtest.Hashers(t, "pdq", "phash8")
	c, err := Open(corpusDir(t, n))
	if err != nil {
		t.Fatal(err)
	}
	hs, err := HashCorpus(context.Background(), c, hashers, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return hashers, c, hs, Dedup(hs, DefaultDedupRule)
}

func TestDedupOnCorpus(t *testing.T) {
	_, _, hs, dd := hashedCorpus(t, 6)
	if dd.Items != 8 || dd.ExactRemoved != 1 || dd.NearRemoved != 1 || dd.Distinct != 6 || len(dd.Applied) != 2 {
		t.Fatalf("dedup: %+v", dd)
	}
	groups := map[string]bool{}
	for _, g := range dd.Groups {
		groups[strings.Join(g, ",")] = true
	}
	if !groups["copy-of-A.png,suba/imgA.png"] || !groups["reencoded-B.jpg,subb/imgB.png"] {
		t.Fatalf("groups: %v", dd.Groups)
	}
	// Without reference hashes only exact duplicates go.
	dd2 := Dedup(hs, DedupRule{Refs: []NearRef{{Algorithm: "absent", MaxDistance: 3}}})
	if dd2.ExactRemoved != 1 || dd2.NearRemoved != 0 || len(dd2.Applied) != 0 {
		t.Fatalf("exact-only dedup: %+v", dd2)
	}
}

func TestDedupMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ bits, maxA, maxB int }{{64, 4, 20}, {256, 15, 5}, {256, 0, 0}} {
		n := 400
		hs := &HashSet{Hashes: map[string][]phash.Hash{}, Algorithms: []string{"a", "b"}}
		base := randomHashes(t, 60, tc.bits, uint64(tc.bits))
		baseB := randomHashes(t, 60, 64, uint64(tc.bits)+1)
		for i := 0; i < n; i++ {
			// Items are noisy copies of 60 bases, so near pairs exist.
			k := rng.IntN(60)
			flip := func(h phash.Hash, m int) phash.Hash {
				bs := make([]bool, h.Bits())
				for b := range bs {
					bs[b] = h.Bit(h.Bits() - 1 - b)
				}
				for f := 0; f < m; f++ {
					p := rng.IntN(len(bs))
					bs[p] = !bs[p]
				}
				out, _ := phash.FromBits(h.Kind(), bs)
				return out
			}
			hs.IDs = append(hs.IDs, string(rune(i)))
			var d Digest
			d[0], d[1] = byte(i), byte(i>>8)
			if i%50 == 7 {
				d = hs.Digests[i-1]
			}
			hs.Digests = append(hs.Digests, d)
			hs.Hashes["a"] = append(hs.Hashes["a"], flip(base[k], rng.IntN(tc.maxA+6)))
			hs.Hashes["b"] = append(hs.Hashes["b"], flip(baseB[k], rng.IntN(tc.maxB+3)))
		}
		rule := DedupRule{Refs: []NearRef{{"a", tc.maxA}, {"b", tc.maxB}}}
		got := Dedup(hs, rule)
		// Brute force: O(n^2) loop with phash.Distance.
		uf := make(unionFind, n)
		for i := range uf {
			uf[i] = int32(i)
		}
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				da, _ := phash.Distance(hs.Hashes["a"][i], hs.Hashes["a"][j])
				db, _ := phash.Distance(hs.Hashes["b"][i], hs.Hashes["b"][j])
				if hs.Digests[i] == hs.Digests[j] || (da <= tc.maxA && db <= tc.maxB) {
					uf.union(i, j)
				}
			}
		}
		var keep []int
		for i := 0; i < n; i++ {
			if uf.find(i) == i {
				keep = append(keep, i)
			}
		}
		if len(keep) == n || len(keep) < 60 {
			t.Fatalf("bits=%d: test data degenerate (%d kept)", tc.bits, len(keep))
		}
		if len(got.Keep) != len(keep) {
			t.Fatalf("bits=%d: kept %d, brute force %d", tc.bits, len(got.Keep), len(keep))
		}
		for i := range keep {
			if got.Keep[i] != keep[i] {
				t.Fatalf("bits=%d: kept sets differ", tc.bits)
			}
		}
	}
}

// addSynthetic appends item i, hash v, to a synthetic one-algorithm set:
// its ID and digest are derived from i, so every item is distinct.
func addSynthetic(hs *HashSet, alg string, i int, v phash.Hash) {
	hs.Hashes[alg] = append(hs.Hashes[alg], v)
	hs.IDs = append(hs.IDs, string(rune(i)))
	hs.Digests = append(hs.Digests, Digest{byte(i), byte(i >> 8)})
}

// collideAll deduplicates hs with the empty rule and counts alg's
// collisions over what is kept.
func collideAll(t *testing.T, hs *HashSet, alg string) (*DedupResult, *CollisionResult) {
	t.Helper()
	dd := Dedup(hs, DedupRule{})
	col, err := Collisions(context.Background(), hs, alg, dd, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return dd, col
}

func TestCollisionsMatchNaive(t *testing.T) {
	h := phashtest.Hashers(t, "dhash8")[0]
	n := 500
	raw := randomHashes(t, n, 64, 21)
	hs := &HashSet{Corpus: "synthetic", Algorithms: []string{h.Name()}, Hashes: map[string][]phash.Hash{}}
	for i, r := range raw {
		v, _ := phash.NewHash(h.Kind(), 64, r.Bytes())
		addSynthetic(hs, h.Name(), i, v)
	}
	_, col := collideAll(t, hs, h.Name())
	for th := 0; th <= 64; th++ {
		var k int64
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if d, _ := phash.Distance(hs.Hashes[h.Name()][i], hs.Hashes[h.Name()][j]); d <= th {
					k++
				}
			}
		}
		r := col.Rates[th]
		if r.Matches != k || r.Pairs != int64(n*(n-1)/2) || r.Rate != float64(k)/float64(r.Pairs) {
			t.Fatalf("threshold %d: %+v, naive %d matches", th, r, k)
		}
		if r.CI.Low > r.Rate || r.CI.High < r.Rate || (k == 0) != (r.RuleOfThree > 0) {
			t.Fatalf("threshold %d: interval %+v", th, r)
		}
	}
	if col.AtThreshold != col.Rates[h.Threshold().Distance] || col.Images != n {
		t.Fatal("AtThreshold or Images wrong")
	}
}

func TestRobustnessAndROC(t *testing.T) {
	hashers, c, hs, dd := hashedCorpus(t, 4)
	steps := []transformStep{{"jpeg", 95}, {"flip-h", 1}, {"rotate", 90}, {"crop", 0.05}}
	opt := RobustnessOptions{Steps: toSteps(steps), Seed: 3}
	rob, err := Robustness(context.Background(), c, hs, dd, opt)
	if err != nil {
		t.Fatal(err)
	}
	rob2, err := Robustness(context.Background(), c, hs, dd, RobustnessOptions{Steps: toSteps(steps), Seed: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hashers {
		r := rob[h.Name()]
		if len(r.Steps) != len(steps) {
			t.Fatalf("%s: %d steps", h.Name(), len(r.Steps))
		}
		for s, sr := range r.Steps {
			// Brute force: apply and hash each kept image directly.
			var matches, sum int
			for _, i := range dd.Keep {
				img, _ := phash.Load(filepath.Join(hs.Corpus, hs.IDs[i]), phash.LoadOptions{})
				e, err := sr.Step.Apply(img, imageSeed(3, hs.IDs[i]))
				if err != nil {
					t.Fatal(err)
				}
				v, _ := h.Hash(e)
				d, _ := phash.Distance(hs.Hashes[h.Name()][i], v)
				sum += d
				if d <= r.Threshold {
					matches++
				}
			}
			if sr.Images != dd.Distinct || sr.Matches != matches || sr.MeanDistance != float64(sum)/float64(sr.Images) {
				t.Fatalf("%s %v: %+v; brute force %d matches, mean %v", h.Name(), sr.Step, sr, matches, float64(sum)/float64(sr.Images))
			}
			if rob2[h.Name()].Steps[s].Matches != sr.Matches {
				t.Fatal("result depends on workers")
			}
		}
		// Flips are no-ops for recall only if the hash is flip-invariant;
		// JPEG 95 must keep every image for PDQ.
		if h.Name() == "pdq" && r.Steps[0].Recall != 1 {
			t.Errorf("pdq recall after jpeg=95 is %v", r.Steps[0].Recall)
		}
	}
	col, err := Collisions(context.Background(), hs, "pdq", dd, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	curves, err := ROC(col, rob["pdq"])
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != len(steps)+1 || curves[len(curves)-1].Step != "all" {
		t.Fatalf("%d curves", len(curves))
	}
	for _, cv := range curves {
		last := cv.Points[len(cv.Points)-1]
		if last.Recall != 1 || last.FalseMatchRate != 1 {
			t.Fatalf("%s: curve does not end at (1,1): %+v", cv.Step, last)
		}
		for k := 1; k < len(cv.Points); k++ {
			if cv.Points[k].Recall < cv.Points[k-1].Recall || cv.Points[k].FalseMatchRate < cv.Points[k-1].FalseMatchRate {
				t.Fatalf("%s: curve not monotone", cv.Step)
			}
		}
		if th := rob["pdq"].Threshold; cv.Step != "all" {
			for _, sr := range rob["pdq"].Steps {
				if sr.Step.String() == cv.Step && cv.Points[th].Recall != sr.Recall {
					t.Fatalf("%s: ROC recall at threshold %v, step recall %v", cv.Step, cv.Points[th].Recall, sr.Recall)
				}
			}
		}
	}
	for _, v := range []any{col, rob, curves, dd, hs} {
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("%T not JSON-serialisable: %v", v, err)
		}
	}
	if _, err := ROC(col, rob["phash8"]); err == nil {
		t.Fatal("ROC of mismatched algorithms accepted")
	}
}
