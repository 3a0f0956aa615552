package report

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
)

func readGz(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// TestReadRenders renders the stored results and checks the report's
// shape: the summary first with its four answers, a "what this means"
// closing each question's section, folded tables, and a results.json that
// reads back to the same report.
func TestReadRenders(t *testing.T) {
	r := fixture(t)
	files, err := r.Render("privmatch report --from x")
	if err != nil {
		t.Fatal(err)
	}
	md := string(files[MarkdownFile])
	ht := string(files[HTMLFile])
	sum := strings.Index(md, "## Summary")
	feas := strings.Index(md, "## Technical feasibility")
	if sum < 0 || feas < sum {
		t.Fatalf("summary is not first: summary at %d, feasibility at %d", sum, feas)
	}
	for _, q := range []string{"Feasible at scale?", "On a low-end phone", "Accuracy and false flags?", "Resilient to edits", "Integrity of the list", "What this run can and cannot tell you"} {
		if i := strings.Index(md, q); i < sum || i > feas {
			t.Errorf("summary lacks %q", q)
		}
	}
	if n := strings.Count(md, "**What this means.**"); n < 5 {
		t.Errorf("%d sections end with what they mean, want 5", n)
	}
	if n := strings.Count(ht, "<details>"); n < 4 || n != strings.Count(ht, "</details>") {
		t.Errorf("%d folded parts, unbalanced or too few", n)
	}
	// 11 photos cannot bound a false-flag rate: the report must say so
	// rather than print an upper bound as a finding.
	if !strings.Contains(md, "cannot bound the false-flag rate") || strings.Contains(md, "1e+09") {
		t.Error("small corpus: the accuracy section does not say it cannot bound the rate")
	}
	if r.Attack != nil && r.Attack.Kind != "collide" && strings.Contains(md, "forced collisions") && !strings.Contains(md, "Forced collisions (making") {
		t.Error("forced collisions appear as a heading though none was run")
	}
	var back Report
	if err := json.Unmarshal(files[JSONFile], &back); err != nil {
		t.Fatal(err)
	}
	sameRender(t, &back, "privmatch report --from x", files)
}

func TestReadErrors(t *testing.T) {
	good, err := readGz("testdata/quick-results.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]string{
		"empty":         ``,
		"not json":      `{"generated":`,
		"no dedup":      `{"accuracy":[]}`,
		"no collision":  `{"dedup":{},"accuracy":[{"algorithm":"pdq"}]}`,
		"no robustness": `{"dedup":{},"options":{"algorithms":["pdq"]}}`,
		"bad point":     `{"dedup":{},"feasibility":{"protocols":[{"protocol":"x","points":[{"db_size":0}]}]}}`,
		"bad drift":     `{"dedup":{},"decoder_drift":{"algorithms":[{"algorithm":"pdq","jpegs":1,"changed":2}]}}`,
	} {
		if _, err := Read([]byte(b)); err == nil {
			t.Errorf("%s: read without error", name)
		} else if !strings.HasPrefix(err.Error(), "report: read results: ") {
			t.Errorf("%s: error %q lacks the prefix", name, err)
		}
	}
	if _, err := Read(good); err != nil {
		t.Fatal(err)
	}
}

// FuzzRead checks that any bytes either fail to read with an error or
// render without panicking.
func FuzzRead(f *testing.F) {
	good, err := readGz("testdata/quick-results.json.gz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"dedup":{"distinct":2},"options":{"algorithms":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Read(b)
		if err != nil {
			return
		}
		if _, err := r.Render("fuzz"); err != nil && !strings.HasPrefix(err.Error(), "report: ") {
			t.Fatalf("render error without prefix: %v", err)
		}
	})
}
