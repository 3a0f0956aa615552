package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/bench/benchtest"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/phashtest"
	"github.com/privmatch/privmatch/phash/transform"
)

// svgText parses b strictly as XML and returns the root element's name and
// all character data joined by newlines.
func svgText(t *testing.T, b []byte) (string, string) {
	t.Helper()
	root, texts := benchtest.SVGText(t, bytes.NewReader(b))
	return root, "\n" + strings.Join(texts, "\n") + "\n"
}

func testCollision(t *testing.T, counts []int64) *bench.CollisionResult {
	t.Helper()
	pc := bench.PairCounts{Bits: len(counts) - 1, Images: 10, Population: 45, Exact: true, Compared: 45, Counts: counts}
	rates, err := bench.RatesFromCounts(pc)
	if err != nil {
		t.Fatal(err)
	}
	return &bench.CollisionResult{Algorithm: "toy", Bits: pc.Bits, Threshold: 2, Pairs: pc, Rates: rates, AtThreshold: rates[2]}
}

func TestPlots(t *testing.T) {
	counts := make([]int64, 9)
	counts[1], counts[4], counts[5], counts[8] = 1, 20, 20, 4
	col := testCollision(t, counts)

	rob := &bench.RobustnessResult{Algorithm: "toy", Bits: 8, Threshold: 2, Steps: []bench.StepResult{
		{Step: transform.Step{Transform: "jpeg", Strength: 90}, Images: 2, Matches: 2, Recall: 1, Counts: []int64{2, 0, 0, 0, 0, 0, 0, 0, 0}},
		{Step: transform.Step{Transform: "jpeg", Strength: 50}, Images: 2, Matches: 1, Recall: 0.5, Counts: []int64{0, 1, 0, 1, 0, 0, 0, 0, 0}},
		{Step: transform.Step{Transform: "crop", Strength: 0.1}, Images: 2, Matches: 0, Recall: 0, Counts: []int64{0, 0, 0, 0, 2, 0, 0, 0, 0}},
	}}
	curves, err := bench.ROC(col, rob)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := bench.Feasibility(context.Background(), testProtocols(), bench.FeasibilityOptions{Sizes: []int{8, 32}, Queries: 2})
	if err != nil {
		t.Fatal(err)
	}
	one, err := bench.Feasibility(context.Background(), testProtocols(), bench.FeasibilityOptions{Sizes: []int{8}, Queries: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		plot  func() ([]byte, error)
		texts []string
	}{
		{"histogram", func() ([]byte, error) { return PlotHistogram(col) }, []string{TitleHistogram + ": toy", "match threshold (2 bits):", "ideal 8-bit hash"}},
		{"roc", func() ([]byte, error) {
			return PlotROC(map[string]bench.ROCCurve{"toy": curves[len(curves)-1]}, map[string]int{"toy": 3})
		}, []string{TitleROC, "toy", "toy at its threshold 3", "0"}},
		{"roc all zero", func() ([]byte, error) {
			return PlotROC(map[string]bench.ROCCurve{"z": {Step: "all", Points: []bench.ROCPoint{{Threshold: 0, Recall: 0.5}, {Threshold: 1, Recall: 1}}}}, nil)
		}, []string{TitleROC, "z", "0"}},
		{"robustness", func() ([]byte, error) { return PlotRobustness(map[string]*bench.RobustnessResult{"toy": rob}) }, []string{TitleRobustness, "jpeg", "crop", "toy"}},
		{"cost time", func() ([]byte, error) { return PlotCostTime(fr) }, []string{TitleCostTime, "oprf-psi client", "oprf-psi server", "16M", "dotted: extrapolated, not measured"}},
		{"cost bytes", func() ([]byte, error) { return PlotCostBytes(fr) }, []string{TitleCostBytes, "on-device-list setup (once)"}},
		{"cost one size", func() ([]byte, error) { return PlotCostBytes(one) }, []string{TitleCostBytes}},
		{"cost empty", func() ([]byte, error) { return PlotCostTime(&bench.FeasibilityResult{}) }, []string{TitleCostTime}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.plot()
			if err != nil {
				t.Fatal(err)
			}
			root, text := svgText(t, b)
			if root != "svg" {
				t.Fatalf("root element %q", root)
			}
			for _, want := range tc.texts {
				if !strings.Contains(text, "\n"+want) {
					t.Errorf("no text starting %q in:%s", want, text)
				}
			}
		})
	}
	if _, err := PlotRobustness(nil); err == nil {
		t.Fatal("empty robustness plotted")
	}
}

func TestPlotHistogramRealHashes(t *testing.T) {
	h := phashtest.Hashers(t, "phash8")[0]
	var hs []phash.Hash
	for s := uint64(0); s < 6; s++ {
		x, err := h.Hash(synthImage(s))
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, x)
	}
	pc, err := bench.PairHistogram(context.Background(), hs, bench.PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rates, err := bench.RatesFromCounts(pc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := PlotHistogram(&bench.CollisionResult{Algorithm: "phash8", Bits: 64, Threshold: 10, Pairs: pc, Rates: rates})
	if err != nil {
		t.Fatal(err)
	}
	if _, text := svgText(t, b); !strings.Contains(text, "measured (6 images, 15 pairs)") {
		t.Fatalf("legend lacks the pair count:%s", text)
	}
}

// TestPlotROCTinyRate is a fuzz finding: a false-match rate near the
// smallest float made the tick loop start at -Inf and never end.
func TestPlotROCTinyRate(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		_, err := PlotROC(map[string]bench.ROCCurve{"z": {Step: "all", Points: []bench.ROCPoint{
			{Threshold: 0, FalseMatchRate: 5e-324, Recall: 0.5}, {Threshold: 1, FalseMatchRate: 1, Recall: 1}}}}, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("PlotROC did not return")
	}
}
