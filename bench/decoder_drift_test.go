package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
)

func TestMeasureDecoderDrift(t *testing.T) {
	c, err := bench.Open(filepath.Join("..", bench.DefaultCorpusPath))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hubble, err := os.ReadFile(filepath.Join("..", bench.DefaultCorpusPath, "hubble_deep_field.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	cut := hubble[:len(hubble)/2]
	c.Items = append(c.Items, bench.Item{ID: "cut.jpg", Data: func() ([]byte, error) { return cut, nil }})
	hashers := []phash.Hasher{phash.PDQ, phash.AHash8}
	res, err := bench.MeasureDecoderDrift(context.Background(), c, hashers)
	if err != nil {
		t.Fatal(err)
	}
	jpegs := 0
	for _, it := range c.Items[:len(c.Items)-1] {
		if e := filepath.Ext(it.ID); e == ".jpg" || e == ".jpeg" {
			jpegs++
		}
	}
	if jpegs == 0 || res.NotJPEG != len(c.Items)-1-jpegs {
		t.Fatalf("NotJPEG %d of %d items with %d JPEGs", res.NotJPEG, len(c.Items), jpegs)
	}
	if len(res.Failed) != 1 {
		t.Errorf("Failed %v, want the truncated item only", res.Failed)
	}
	// Recompute ahash8's largest drift directly over the JPEG files.
	want := 0
	for _, it := range c.Items[:len(c.Items)-1] {
		data, _ := it.Data()
		if data[0] != 0xff {
			continue
		}
		var hs [2]phash.Hash
		for i, d := range []phash.JPEGDecoder{phash.JPEGLibjpeg, phash.JPEGGo} {
			img, err := phash.DecodeBytes(data, phash.LoadOptions{Decoder: d})
			if err != nil {
				t.Fatal(err)
			}
			if hs[i], err = phash.AHash8.Hash(img); err != nil {
				t.Fatal(err)
			}
		}
		d, _ := phash.Distance(hs[0], hs[1])
		want = max(want, d)
	}
	a := res.Algorithms[1]
	if a.Algorithm != "ahash8" || a.JPEGs != jpegs || a.MaxBits != want || want == 0 {
		t.Errorf("ahash8 drift %+v, want %d JPEGs and max %d bits (> 0)", a, jpegs, want)
	}
	if a.Changed == 0 || a.MeanBits <= 0 || a.MeanBits > float64(a.MaxBits) {
		t.Errorf("ahash8 drift %+v inconsistent", a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := bench.MeasureDecoderDrift(ctx, c, hashers); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestMeasureFHE runs bench.MeasureFHE on the first bundled photo at
// hashmatch.Default with real bootstrapping (minutes of one core, about
// 10 GB), checks the verdict and the split, and writes the run as JSON to
// the file PRIVMATCH_FHE names (bench/report's fixture
// testdata/fhe-run.json was recorded this way). Opt in with
// PRIVMATCH_FHE=path; PRIVMATCH_FHE_HASH=pdq runs PDQ instead (tens of
// minutes).
func TestMeasureFHE(t *testing.T) {
	out, ok := os.LookupEnv("PRIVMATCH_FHE")
	if !ok || out == "" {
		t.Skip("set PRIVMATCH_FHE=out.json to run (hashmatch.Default with bootstrapping: minutes, about 10 GB)")
	}
	var run *bench.FHERun
	c, err := bench.Open(filepath.Join("..", bench.DefaultCorpusPath))
	if err == nil {
		defer c.Close()
		alg := imagehash.Alg(os.Getenv("PRIVMATCH_FHE_HASH"))
		if alg == "" {
			alg = imagehash.AlgPHash8
		}
		run, err = bench.MeasureFHEHash(c, 0, alg)
	}
	var b []byte
	if err == nil {
		b, err = json.MarshalIndent(run, "", "  ")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b)
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if !run.Correct || run.Bootstraps == 0 || run.HashS+run.MatchS+run.RevealS > run.ServerS*1.001 || run.BootstrapS > run.HashS+run.MatchS {
		t.Errorf("implausible run: %+v", run)
	}
}
