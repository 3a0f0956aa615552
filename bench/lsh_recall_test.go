package bench_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash/transform"
	"github.com/stretchr/testify/require"
)

// TestLSHRecall checks the counting on two photos: every row adds up to
// the total, the bucket rule never keeps more pairs than exact matching,
// and at a size that fits the capacity (no key bits) it keeps all of them.
func TestLSHRecall(t *testing.T) {
	c := openLSHCorpus(t, filepath.Join("..", bench.DefaultCorpusPath))
	steps := []transform.Step{{Transform: "jpeg", Strength: 50}, {Transform: "crop", Strength: 0.05}, {Transform: "rotate", Strength: 4}, {Transform: "flip-h", Strength: 1}}
	r, err := bench.LSHRecall(context.Background(), c, bench.LSHRecallOptions{Steps: steps, MaxImages: 2, FalseImages: 4, List: 11, Sizes: []int{1 << 10, 1 << 20, 1 << 24}})
	require.NoError(t, err)
	require.Equal(t, []int{0, 14, 18}, r.KeyBits)
	var pairs, exact int
	for _, row := range r.Steps {
		pairs += row.Pairs
		exact += row.Exact
		require.Equal(t, row.Exact, row.LSH[0], "%v: no key bits must keep every match", row.Step)
		for s := range r.Sizes {
			require.LessOrEqual(t, row.LSH[s], row.Exact, "%v", row.Step)
		}
	}
	require.Equal(t, 8, pairs)
	require.Equal(t, pairs, r.Total.Pairs)
	require.Equal(t, exact, r.Total.Exact)
	require.Positive(t, r.Total.Exact, "jpeg 50 of a photo is within PDQ's threshold")
	require.Equal(t, int64(6), r.UnrelatedPairs)
	require.InDelta(t, 0, r.LossPP[0], 1e-12)
	require.Equal(t, 11, r.ListSize)
	require.Equal(t, 0, r.ListKeyBits, "11 images fit the capacity: no buckets")
	require.Equal(t, r.Total.Exact, r.Total.InList, "without buckets every match stays a candidate")
	require.Len(t, r.BucketSkew, len(r.Sizes))
	require.Equal(t, 1.0, r.BucketSkew[0], "no key bits: every pair shares every table")
	for s := range r.Sizes {
		require.LessOrEqual(t, r.FalseLSH[s], r.FalseExact)
	}
}

var lshCorpus = flag.String("lsh-corpus", "", `corpus for TestLSHRecallReport (a path, or "fashion-mnist"); empty skips it`)
var lshImages = flag.Int("lsh-images", 200, "images TestLSHRecallReport edits (0: all)")
var lshFalse = flag.Int("lsh-false-images", 2000, "images TestLSHRecallReport compares pairwise for false matches")
var lshList = flag.Int("lsh-list", 0, "images TestLSHRecallReport indexes as a real list (0: none)")

// TestLSHRecallReport prints the README's recall table:
//
//	go test ./bench -run TestLSHRecallReport -lsh-corpus ../testdata/photos -v
//	go test ./bench -run TestLSHRecallReport -lsh-corpus fashion-mnist -v
func TestLSHRecallReport(t *testing.T) {
	if *lshCorpus == "" {
		t.Skip("no -lsh-corpus")
	}
	c := openLSHCorpus(t, *lshCorpus)
	r, err := bench.LSHRecall(context.Background(), c, bench.LSHRecallOptions{MaxImages: *lshImages, FalseImages: *lshFalse, List: *lshList})
	require.NoError(t, err)
	for _, row := range r.Steps {
		t.Logf("%-10s %6g  pairs %5d  exact %5d  lsh %v", row.Step.Transform, row.Step.Strength, row.Pairs, row.Exact, row.LSH)
	}
	t.Logf("sizes %v key bits %v", r.Sizes, r.KeyBits)
	t.Logf("total: pairs %d exact %d (recall %.4f) lsh %v recall %v loss-pp %v", r.Total.Pairs, r.Total.Exact, r.RecallExact, r.Total.LSH, r.RecallLSH, r.LossPP)
	t.Logf("real list of %d: key bits %d, cut share %.4f, kept %d of %d exact, loss %.3f pp", r.ListSize, r.ListKeyBits, r.ListCutShare, r.Total.InList, r.Total.Exact, r.ListLossPP)
	t.Logf("unrelated pairs %d: false exact %d, false lsh %v; bucket skew %v", r.UnrelatedPairs, r.FalseExact, r.FalseLSH, r.BucketSkew)
	if out := os.Getenv("LSH_RECALL_JSON"); out != "" {
		b, err := json.MarshalIndent(r, "", " ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(out, b, 0o644))
	}
}

// openLSHCorpus opens a corpus by path, or Fashion-MNIST by its name.
func openLSHCorpus(t *testing.T, name string) *bench.Corpus {
	t.Helper()
	open := bench.Open
	if name == "fashion-mnist" {
		name, open = bench.FashionMNISTDir, bench.FashionMNIST
	}
	c, err := open(name)
	require.NoError(t, err)
	return c
}
