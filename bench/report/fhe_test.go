package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/bench"
)

// TestFHERenders adds each recorded --fhe run (testdata/fhe-run.json for
// phash8, testdata/fhe-run-pdq.json for PDQ, written by bench's
// TestMeasureFHE) to the stored quick results and checks the report: the
// section with the split and the calibration, the claim row with the
// ratio computed from the run's CPU time, the includes/excludes, the
// agreement cited for the run's hash, and the same report.md after a
// round trip through results.json (privmatch report --from).
func TestFHERenders(t *testing.T) {
	for _, tc := range []struct{ file, includes, agreement string }{
		{"fhe-run.json", "**Includes**: decoding the query, the whole phash8 hash (DCT, all 4,096 pairwise comparisons", fheAgreementCited},
		{"fhe-run-pdq.json", "**Includes**: decoding the query, the whole PDQ hash (DCT, all 65,536 pairwise comparisons", fheAgreementCitedPDQ},
	} {
		t.Run(tc.file, func(t *testing.T) { testFHERenders(t, tc.file, tc.includes, tc.agreement) })
	}
}

func testFHERenders(t *testing.T, file, includes, agreement string) {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var x bench.FHERun
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	r := fixture(t)
	r.FHE = &x
	files, err := r.Render("privmatch report --fhe")
	if err != nil {
		t.Fatal(err)
	}
	md := string(files[MarkdownFile])
	per := x.ServerCPUS + x.ClientQueryMS/1000
	ratio := fmt.Sprintf("%.3g (10^%.1f)", r.Claim.Claim.Value/per, math.Log10(r.Claim.Claim.Value/per))
	for _, want := range []string{
		"## The whole hash and the match under encryption",
		fmt.Sprintf("in %d bootstraps", x.Bootstraps),
		"one bootstrap on its own (calibration)",
		ratio,
		includes,
		"**Excludes**: image decoding",
		"Agreement with the plaintext hash, cited, not measured by this run: " + agreement,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Index(md, ratio) < strings.Index(md, "The claim: \"around 20 million seconds\"") {
		t.Error("the ratio is not in the claim section")
	}
	again, err := Read(files[JSONFile])
	if err != nil {
		t.Fatal(err)
	}
	files2, err := again.Render("privmatch report --fhe")
	if err != nil {
		t.Fatal(err)
	}
	if string(files2[MarkdownFile]) != md {
		t.Error("rendering the written results.json again gives a different report.md")
	}

	r.FHE, r.FHEError = nil, "bench: fhe: out of memory"
	files, err = r.Render("x")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files[MarkdownFile]), "Not measured: bench: fhe: out of memory.") {
		t.Error("a failed --fhe run is not reported")
	}
	bad := x
	bad.ServerS = -1
	if err := checkFHE(&bad); err == nil {
		t.Error("a negative server time was accepted")
	}
	bad = x
	bad.DBSize = 0
	if err := checkFHE(&bad); err == nil {
		t.Error("an empty list was accepted")
	}
}
