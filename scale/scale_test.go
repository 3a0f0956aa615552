package scale

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/privmatch/privmatch/bench"
	benchreport "github.com/privmatch/privmatch/bench/report"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/transform"
)

func TestMain(m *testing.M) {
	ptest.MainWithDefault(m, "prism")
}

// photos is the bundled corpus, as an absolute path.
func photos(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../testdata/photos")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sameJSON fails unless a and b encode to the same JSON (sameJSONBytes,
// the check SameNumbers makes).
func sameJSON(t *testing.T, what string, a, b any) {
	t.Helper()
	same, err := sameJSONBytes(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !same {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		t.Fatalf("%s differs:\nbeam:   %.600s\nsingle: %.600s", what, ja, jb)
	}
}

// readResults decodes a pipeline's results.json with bench's own types.
func readResults(t *testing.T, dir string) *benchreport.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r benchreport.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("results.json does not decode as benchreport.Report: %v", err)
	}
	return &r
}

// oneStepPerTransform is every transform at its first suite strength: the
// whole edit code path at a test's size.
func oneStepPerTransform() []transform.Step {
	seen := map[string]bool{}
	var out []transform.Step
	for _, s := range transform.Suite() {
		if !seen[s.Transform] {
			seen[s.Transform] = true
			out = append(out, s)
		}
	}
	return out
}

// TestPhotosMatchSingleMachine runs the pairs and robustness measurements
// on Prism over the bundled photos, with blocks small enough that the pair
// matrix is cut into many units, and compares every number with bench's
// single-machine path.
func TestPhotosMatchSingleMachine(t *testing.T) {
	dir := photos(t)
	algs := []string{"pdq", "phash8", "dhash8"}
	o := Options{Sources: []string{dir}, Algorithms: algs, BlockSize: 3, Out: t.TempDir()}
	o.Robustness = bench.RobustnessOptions{Steps: oneStepPerTransform(), Seed: 7, MaxImages: 4}
	p, s := beam.NewPipelineWithRoot()
	if err := ResultsPipeline(s, o, Measure{Pairs: true, Robustness: true}); err != nil {
		t.Fatal(err)
	}
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	got := readResults(t, o.Out)

	ctx := context.Background()
	c, err := bench.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	hashers, err := hashersOf(algs)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := bench.HashCorpus(ctx, c, hashers, bench.HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dd := bench.Dedup(hs, bench.DefaultDedupRule)
	sameJSON(t, "dedup", got.Dedup, dd)
	if got.Corpus.Items != len(c.Items) || len(got.Corpus.Manifest) != len(c.Items) || got.Corpus.Manifest[0].ID != c.Items[0].ID {
		t.Fatalf("corpus info: %d items, manifest of %d", got.Corpus.Items, len(got.Corpus.Manifest))
	}
	rob, err := bench.Robustness(ctx, c, hs, dd, o.Robustness)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "robustness", got.Robustness, rob)
	if len(got.Accuracy) != len(algs) {
		t.Fatalf("%d accuracy entries, want %d", len(got.Accuracy), len(algs))
	}
	for k, a := range algs {
		col, err := bench.Collisions(ctx, hs, a, dd, o.Pairs)
		if err != nil {
			t.Fatal(err)
		}
		if !col.Pairs.Exact || col.Pairs.Compared == 0 {
			t.Fatalf("%s: single-machine histogram not exact", a)
		}
		sameJSON(t, a+" collisions", got.Accuracy[k].Collision, col)
		acc, curve, err := bench.AccuracyOf(col, rob[a], benchreport.DefaultListSize, benchreport.DefaultPrevalence)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, a+" accuracy", got.Accuracy[k], acc)
		sameJSON(t, a+" roc", got.ROC[a], curve)
	}
}

// synthRecord returns record i of the synthetic hash set with seed: PDQ
// and pHash hashes with biased bits (so distances spread), every 97th item
// a near copy of the one before (one PDQ bit flipped), every 89th an exact
// copy (same digest), and item 5 failed. It depends only on (seed, i), so
// a pipeline can generate the set in parallel.
func synthRecord(seed uint64, i int) ItemHashes {
	pdq, p8, id := synthBits(seed, i)
	pdqH, _ := phash.ByName("pdq")
	p8H, _ := phash.ByName("phash8")
	hp, err1 := phash.FromBits(pdqH.Kind(), pdq)
	h8, err2 := phash.FromBits(p8H.Kind(), p8)
	if err1 != nil || err2 != nil {
		panic("synthetic hash: bad length") // programmer error
	}
	digest := make([]byte, 32)
	copy(digest, strconv.Itoa(id))
	rng := rand.New(rand.NewPCG(seed, uint64(i)<<1|1))
	r := ItemHashes{Ref: ItemRef{Index: i, Order: int64(i), ID: fmt.Sprintf("img/%07d", i)}, Digest: digest,
		Hashes: []string{hp.String(), h8.String()}, Quality: []int{rng.IntN(100), -1}}
	if i == 5 {
		r.Err, r.Hashes, r.Quality = "decode: synthetic failure", nil, nil
	}
	return r
}

// synthBits returns item i's hash bits and the item whose bytes it has.
func synthBits(seed uint64, i int) (pdq, p8 []bool, id int) {
	if i > 10 && (i%97 == 0 || i%89 == 0) {
		pdq, p8, id = synthBits(seed, i-1)
		pdq = append([]bool(nil), pdq...)
		if i%97 == 0 {
			pdq[3] = !pdq[3]
			id = i
		}
		return pdq, p8, id
	}
	rng := rand.New(rand.NewPCG(seed, uint64(i)<<1))
	random := func(nbits int) []bool {
		b := make([]bool, nbits)
		for k := range b {
			b[k] = rng.Float64() < 0.2+0.6*float64(k%7)/6
		}
		return b
	}
	return random(256), random(64), i
}

func init() {
	beam.RegisterType(reflect.TypeOf((*synthRange)(nil)).Elem())
	register.DoFn2x0[synthRange, func(ItemHashes)](&synthFn{})
}

// synthRange is a range [Lo, Hi) of synthetic record indexes.
type synthRange struct {
	Lo, Hi int
}

// synthFn generates the synthetic records [r[0], r[1]) inside a pipeline.
type synthFn struct {
	Seed uint64
}

func (f *synthFn) ProcessElement(r synthRange, emit func(ItemHashes)) {
	for i := r.Lo; i < r.Hi; i++ {
		emit(synthRecord(f.Seed, i))
	}
}

// syntheticN is the synthetic set's size: 3,000 (600 under -short), or
// PRIVMATCH_SCALE_SYNTHETIC_N for the README's large run (which then
// measures only the sampled case with bench's default options).
func syntheticN(t *testing.T) (n int, large bool) {
	if v := os.Getenv("PRIVMATCH_SCALE_SYNTHETIC_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			t.Fatalf("PRIVMATCH_SCALE_SYNTHETIC_N=%q: want a number >= 100", v)
		}
		return n, true
	}
	if testing.Short() {
		return 600, false
	}
	return 3000, false
}

// TestSyntheticMatchesSingleMachine counts a synthetic hash set exactly
// (many blocks) and by sampling (every sampler stream a unit) on Prism and
// compares with bench.Collisions over the same hashes.
func TestSyntheticMatchesSingleMachine(t *testing.T) {
	const seed = 11
	n, large := syntheticN(t)
	t.Logf("synthetic hash set: n=%d seed=%d", n, seed)
	algs := []string{"pdq", "phash8"}
	cases := []struct {
		name string
		opt  bench.PairOptions
	}{
		{"exact", bench.PairOptions{}},
		{"sampled", bench.PairOptions{MaxExactPairs: 1000, Samples: 300_001, Seed: 3}},
	}
	if large {
		cases = []struct {
			name string
			opt  bench.PairOptions
		}{{"sampled", bench.PairOptions{Seed: 1}}}
	}
	// The single-machine reference: a HashSet built directly.
	p8, _ := phash.ByName("phash8")
	hs := &bench.HashSet{Corpus: "synthetic", Algorithms: algs, Hashes: map[string][]phash.Hash{"pdq": make([]phash.Hash, n), "phash8": make([]phash.Hash, n)},
		Quality: map[string][]int{"pdq": make([]int, n)}}
	for i := 0; i < n; i++ {
		r := synthRecord(seed, i)
		hs.IDs = append(hs.IDs, r.Ref.ID)
		var d bench.Digest
		copy(d[:], r.Digest)
		hs.Digests = append(hs.Digests, d)
		if r.Err != "" {
			hs.Quality["pdq"][i] = -1
			hs.Failed = append(hs.Failed, bench.ItemError{Index: i, ID: r.Ref.ID, Err: r.Err})
			continue
		}
		hs.Hashes["pdq"][i], _ = phash.ParseHash(phash.PDQKind, 256, r.Hashes[0])
		hs.Hashes["phash8"][i], _ = phash.ParseHash(p8.Kind(), 64, r.Hashes[1])
		hs.Quality["pdq"][i] = r.Quality[0]
	}
	dd := bench.Dedup(hs, bench.DefaultDedupRule)
	if dd.ExactRemoved == 0 || dd.NearRemoved == 0 {
		t.Fatalf("synthetic set has %d exact and %d near duplicates; want some of each", dd.ExactRemoved, dd.NearRemoved)
	}
	var ranges []synthRange
	for i := 0; i < n; i += 10000 {
		ranges = append(ranges, synthRange{i, min(i+10000, n)})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Sources: []string{"synthetic"}, Algorithms: algs, BlockSize: 256, Pairs: tc.opt, Out: t.TempDir()}
			if large {
				o.BlockSize = DefaultBlockSize
			}
			if err := o.check(); err != nil {
				t.Fatal(err)
			}
			p, s := beam.NewPipelineWithRoot()
			recs := beam.ParDo(s, &synthFn{Seed: seed}, beam.Reshuffle(s, beam.CreateList(s, ranges)))
			resultsFromRecords(s, &o, Measure{Pairs: true}, recs)
			t0 := time.Now()
			if err := ptest.Run(p); err != nil {
				t.Fatal(err)
			}
			t.Logf("beam on prism: %.1f s", time.Since(t0).Seconds())
			got := readResults(t, o.Out)
			sameJSON(t, "dedup", got.Dedup, dd)
			if got.Corpus.Items != n || len(got.Corpus.Failed) != 1 {
				t.Fatalf("corpus: %d items, %d failed; want %d and 1", got.Corpus.Items, len(got.Corpus.Failed), n)
			}
			t0 = time.Now()
			for k, a := range algs {
				col, err := bench.Collisions(context.Background(), hs, a, dd, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				if col.Pairs.Exact != (tc.name == "exact") {
					t.Fatalf("%s: exact=%v", a, col.Pairs.Exact)
				}
				sameJSON(t, a+" collisions", got.Accuracy[k].Collision, col)
				at := col.AtThreshold
				t.Logf("%s: %d of %d pairs at distance <= %d: rate %.3g [%.3g, %.3g]", a, at.Matches, at.Pairs, at.Threshold, at.Rate, at.CI.Low, at.CI.High)
			}
			t.Logf("single machine (false matches only): %.1f s", time.Since(t0).Seconds())
		})
	}
}

// TestHashPipeline hashes ImageNet-style class folders, a WebDataset tar
// shard (by glob) and a broken file, and checks the sharded rows against
// bench.HashCorpus and that the failure is a counted record.
func TestHashPipeline(t *testing.T) {
	src := photos(t)
	root := t.TempDir()
	names := []string{"camera.png", "coffee.png", "page.png"}
	for k, n := range names {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		cls := filepath.Join(root, "folders", fmt.Sprintf("n0%d", k%2))
		if err := os.MkdirAll(cls, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cls, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("%06d.png", k), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
		tw.Close()
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("shard-%d.tar", k)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "folders", "n00", "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A shard that is not a tar: one failure record, not a failed job.
	if err := os.WriteFile(filepath.Join(root, "shard-9.tar"), bytes.Repeat([]byte("x"), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	sources, err := ExpandSources([]string{filepath.Join(root, "folders"), filepath.Join(root, "shard-*.tar")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sources) != 5 {
		t.Fatalf("sources %v", sources)
	}
	out := t.TempDir()
	o := Options{Sources: sources, Algorithms: []string{"pdq", "phash8"}, Shards: 3, Out: out}
	p, s := beam.NewPipelineWithRoot()
	if err := HashPipeline(s, o); err != nil {
		t.Fatal(err)
	}
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	var sum HashSummary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Items != 8 || sum.Failed != 2 || len(sum.First) != 2 || !strings.Contains(strings.Join(sum.First, "\n"), "broken.png") || !strings.Contains(strings.Join(sum.First, "\n"), "shard-9.tar") {
		t.Fatalf("summary %+v, want 8 items, broken.png and shard-9.tar failed", sum)
	}
	rows := map[string][]string{}
	files, _ := filepath.Glob(filepath.Join(out, "hashes-*-of-00003.csv"))
	if len(files) != 3 {
		t.Fatalf("%d shards, want 3", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") {
			t.Fatalf("header %v", recs[0])
		}
		for _, r := range recs[1:] {
			rows[r[0]+"|"+r[1]] = r
		}
	}
	// Every row against the single-machine hashes of the same sources.
	hashers, _ := hashersOf(o.Algorithms)
	checked := 0
	for k, src := range sources {
		c, err := bench.Open(src)
		if err != nil {
			if r := rows[src+"|"]; r == nil || !strings.Contains(r[6], "tar") {
				t.Fatalf("unreadable shard %s: row %v, want its error", src, r)
			}
			checked++
			continue
		}
		hs, err := bench.HashCorpus(context.Background(), c, hashers, bench.HashOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range hs.IDs {
			path := itemID(sources, k, id)
			if !hs.OK(i) {
				if r := rows[path+"|"]; r == nil || r[6] == "" {
					t.Fatalf("failed item %s has no error row", path)
				}
				checked++
				continue
			}
			for _, h := range hashers {
				r := rows[path+"|"+h.Name()]
				if r == nil || r[2] != hs.Hashes[h.Name()][i].String() {
					t.Fatalf("%s %s: row %v, want hash %s", path, h.Name(), r, hs.Hashes[h.Name()][i])
				}
				if q := hs.Quality[h.Name()]; q != nil && r[3] != strconv.Itoa(q[i]) {
					t.Fatalf("%s %s: quality %s, want %d", path, h.Name(), r[3], q[i])
				}
				checked++
			}
		}
	}
	if checked != 14 || len(rows) != 14 {
		t.Fatalf("checked %d rows of %d, want 14", checked, len(rows))
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{Algorithms: []string{"pdq"}, Out: "x"},
		{Sources: []string{"a"}, Out: "x"},
		{Sources: []string{"a"}, Algorithms: []string{"nope"}, Out: "x"},
		{Sources: []string{"a"}, Algorithms: []string{"pdq"}},
		{Sources: []string{"a"}, Algorithms: []string{"pdq"}, Out: "x", BlockSize: -1},
		{Sources: []string{"a"}, Algorithms: []string{"pdq"}, Out: "x", Format: "xml"},
	} {
		if err := o.check(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := ExpandSources([]string{filepath.Join(t.TempDir(), "*.tar")}); err == nil {
		t.Error("empty glob accepted")
	}
}
