package bench

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// clustered returns hashes in categories: each image is its category's
// centre with a few random bits flipped, so same-category images match.
func clustered(t *testing.T, cats, per int, seed uint64) ([]phash.Hash, []int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	var hs []phash.Hash
	var labels []int
	for c := 0; c < cats; c++ {
		centre := make([]byte, 32)
		for i := range centre {
			centre[i] = byte(rng.Uint32())
		}
		for j := 0; j < per; j++ {
			b := append([]byte(nil), centre...)
			for f := 0; f < 10; f++ {
				k := rng.IntN(256)
				b[k/8] ^= 1 << (k % 8)
			}
			h, err := phash.NewHash("pdq", 256, b)
			if err != nil {
				t.Fatal(err)
			}
			hs, labels = append(hs, h), append(labels, c)
		}
	}
	return hs, labels
}

func TestRepurposeSynthetic(t *testing.T) {
	hs, labels := clustered(t, 10, 300, 1)
	cfg := RepurposeConfig{Target: 0, Other: 1, Listed: 100, Added: 50, Population: 2000, Background: 5, Threshold: 31, Seed: 2}
	r, err := Repurpose(hs, labels, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.MatchedSingle <= r.MatchedBefore || r.MatchedOtherCategory != r.PopulationOther {
		t.Errorf("added category should match its whole population: %+v", *r)
	}
	if r.MatchedIntersection != r.MatchedBefore || r.IntersectionGrowth != 0 || r.IntersectionRootChanged {
		t.Errorf("intersection rule should block the additions: %+v", *r)
	}
	if !r.RootChanged || r.GrowthA != 50 || !r.ConsistencyOK || r.EntriesFailingTwoListPolicy != 50 {
		t.Errorf("audit signals: %+v", *r)
	}
	if _, err := Repurpose(hs, labels, RepurposeConfig{Target: 0, Other: 1, Listed: 1000}); err == nil {
		t.Error("too few target images accepted")
	}
}

// On Fashion-MNIST with PDQ: list = "ankle boot" (9) images; A later
// gains "bag" (8) images.
func TestRepurposeFashionMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 10,000 images")
	}
	if _, err := os.Stat(filepath.Join(FashionMNISTDir, "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Skip("Fashion-MNIST not installed (Debian package dataset-fashion-mnist)")
	}
	c, err := FashionMNIST(FashionMNISTDir)
	if err != nil {
		t.Fatal(err)
	}
	lx, err := readIDXFile(filepath.Join(FashionMNISTDir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	c.Items = c.Items[60000:] // the 10,000 test images, which lx labels
	if len(lx.Data) != len(c.Items) {
		t.Fatalf("%d labels for %d images", len(lx.Data), len(c.Items))
	}
	pdq, err := phash.ByName("pdq")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := HashCorpus(context.Background(), c, []phash.Hasher{pdq}, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(lx.Data))
	for i, l := range lx.Data {
		labels[i] = int(l)
	}
	r, err := Repurpose(hs.Hashes["pdq"], labels, RepurposeConfig{Target: 9, Other: 8, Listed: 300, Added: 300, Population: 8000, Background: 5, Threshold: 31, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fashion-mnist pdq t=31: %+v", *r)
	if r.MatchedIntersection != r.MatchedBefore {
		t.Errorf("intersection changed the matches: %+v", *r)
	}
}
