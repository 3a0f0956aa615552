package report

import (
	"bytes"
	"context"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
	"github.com/privmatch/privmatch/psi"
)

// mixedCorpus writes jpegs JPEG files and pngs PNG files of distinct
// synthetic photos and returns the folder.
func mixedCorpus(t *testing.T, jpegs, pngs int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range jpegs + pngs {
		var buf bytes.Buffer
		name := filepath.Join(dir, "img"+string(rune('A'+i)))
		var err error
		if i < jpegs {
			name += ".jpg"
			err = jpeg.Encode(&buf, synthImage(uint64(100+i)), &jpeg.Options{Quality: 80})
		} else {
			name += ".png"
			err = png.Encode(&buf, synthImage(uint64(100+i)))
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBuildMeasuresDecoderDrift runs a small report end to end and checks
// that the decoder-only row counts the corpus's JPEG files and skips the
// others, that its figures match bench.MeasureDecoderDrift run directly,
// and that results.json carries it back through Read to the same report.
func TestBuildMeasuresDecoderDrift(t *testing.T) {
	c, err := bench.Open(mixedCorpus(t, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	p, err := psi.ByName("oprf-psi")
	if err != nil {
		t.Fatal(err)
	}
	hs := phashtest.Hashers(t, "pdq", "phash8")
	o := Options{Corpus: c, CorpusPath: "mixed", Hashers: hs, Protocols: []psi.Protocol{p}, Device: bench.DefaultDeviceModel,
		ListSize: DefaultListSize, Prevalence: DefaultPrevalence, SkipEncryptedHash: true, Integrity: IntegrityOptions{Skip: true},
		Robustness: bench.RobustnessOptions{Steps: jpegStep(90)}, Feasibility: bench.FeasibilityOptions{Sizes: []int{16}, Queries: 2, Seed: 1},
		HashTimingImages: 1, Workers: 1}
	r, err := Build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	x := r.DecoderDrift
	if x == nil {
		t.Fatalf("no decoder drift measured: %s", r.DecoderDriftError)
	}
	if x.NotJPEG != 2 || len(x.Failed) != 0 || len(x.Algorithms) != len(hs) {
		t.Fatalf("drift over %d non-JPEG items, failed %v, %d algorithms; want 2, none, %d", x.NotJPEG, x.Failed, len(x.Algorithms), len(hs))
	}
	for i, a := range x.Algorithms {
		if a.Algorithm != hs[i].Name() || a.JPEGs != 3 {
			t.Errorf("row %d: %s over %d JPEGs, want %s over 3", i, a.Algorithm, a.JPEGs, hs[i].Name())
		}
	}
	// Measured directly on one goroutine: the same figures, whatever the
	// number of workers.
	procs := runtime.GOMAXPROCS(1)
	direct, err := bench.MeasureDecoderDrift(context.Background(), c, hs)
	runtime.GOMAXPROCS(procs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(direct, x) {
		t.Errorf("report's drift %+v differs from a direct measurement %+v", x, direct)
	}
	files, err := r.Render("privmatch report")
	if err != nil {
		t.Fatal(err)
	}
	md := string(files[MarkdownFile])
	if !strings.Contains(md, "## Decoder only") || !strings.Contains(md, "3 of the distinct images are JPEG files; 2 are not") {
		t.Errorf("report.md lacks the decoder-only row or its JPEG count:\n%s", md)
	}
	back, err := Read(files[JSONFile])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.DecoderDrift, x) {
		t.Errorf("results.json read back gives drift %+v, want %+v", back.DecoderDrift, x)
	}
	sameRender(t, back, "privmatch report", files)
}

// TestDecoderDriftRenders renders the stored report with drift figures of
// each kind and checks the table, the sentence that says what they mean,
// and that the summary's resiliency line mentions the decoder only when
// drift spends a noticeable share of a threshold.
func TestDecoderDriftRenders(t *testing.T) {
	pdqT := phash.PDQ.Threshold().Distance
	for _, tc := range []struct {
		name      string
		drift     *bench.DecoderDriftResult
		means     string
		inSummary bool
	}{
		{"broken match", &bench.DecoderDriftResult{NotJPEG: 8, Algorithms: []bench.DecoderDrift{
			{Algorithm: "pdq", JPEGs: 3, Changed: 2, MeanBits: 14, MaxBits: 40, Threshold: pdqT, OverThreshold: 1}}},
			"the decoder alone broke matches: 1 of 3 JPEG files", true},
		{"budget", &bench.DecoderDriftResult{NotJPEG: 8, Algorithms: []bench.DecoderDrift{
			{Algorithm: "pdq", JPEGs: 3, Changed: 2, MeanBits: 8, MaxBits: 22, Threshold: pdqT}}},
			"the decoder alone used up to 22 of pdq's 31-bit match budget", true},
		{"small", &bench.DecoderDriftResult{NotJPEG: 8, Algorithms: []bench.DecoderDrift{
			{Algorithm: "pdq", JPEGs: 3, Changed: 1, MeanBits: 0.67, MaxBits: 2, Threshold: pdqT}}},
			"the decoder's largest move, relative to the algorithm's threshold, was 2 bits of pdq's 31", false},
		{"no jpeg", &bench.DecoderDriftResult{NotJPEG: 11, Algorithms: []bench.DecoderDrift{{Algorithm: "pdq", Threshold: pdqT}}},
			"this corpus has no JPEG files", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fixture(t)
			r.DecoderDrift = tc.drift
			files, err := r.Render("x")
			if err != nil {
				t.Fatal(err)
			}
			md := string(files[MarkdownFile])
			if !strings.Contains(md, tc.means) {
				t.Errorf("report.md lacks %q", tc.means)
			}
			if n := driftJPEGs(tc.drift); n > 0 && !strings.Contains(md, "| algorithm | files whose hash changed | mean bits moved | most bits moved | threshold (bits) | files beyond the threshold |") {
				t.Error("report.md lacks the drift table")
			}
			sum, feas := strings.Index(md, "## Summary"), strings.Index(md, "## Technical feasibility")
			if got := strings.Contains(md[sum:feas], "Changing only the JPEG decoder"); got != tc.inSummary {
				t.Errorf("summary mentions the decoder: %v, want %v", got, tc.inSummary)
			}
			if !strings.Contains(string(files[HTMLFile]), "Decoder only: Go&#39;s image/jpeg against libjpeg-turbo") &&
				!strings.Contains(string(files[HTMLFile]), "Decoder only: Go's image/jpeg against libjpeg-turbo") {
				t.Error("report.html lacks the decoder-only heading")
			}
		})
	}
}
