package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/bench/benchtest"
	"github.com/privmatch/privmatch/bench/report"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// reportJSON is the part of results.json the tests read back.
type reportJSON struct {
	Environment struct {
		CPU       string `json:"cpu"`
		Cores     int    `json:"cores"`
		OS        string `json:"os"`
		GoVersion string `json:"go_version"`
		Commit    string `json:"commit"`
	} `json:"environment"`
	Corpus struct {
		Manifest []struct {
			ID     string `json:"id"`
			SHA256 string `json:"sha256"`
		} `json:"manifest"`
	} `json:"corpus"`
	Dedup struct {
		Groups [][]string `json:"groups"`
	} `json:"dedup"`
	Accuracy []struct {
		Algorithm string `json:"algorithm"`
		Collision struct {
			Threshold int `json:"threshold"`
			Pairs     struct {
				Exact  bool    `json:"exact"`
				Counts []int64 `json:"counts"`
			} `json:"pairs"`
			Rates []struct {
				Threshold int     `json:"threshold"`
				Matches   int64   `json:"matches"`
				Pairs     int64   `json:"pairs"`
				Rate      float64 `json:"rate"`
			} `json:"rates"`
			AtThreshold struct {
				Matches int64   `json:"matches"`
				Pairs   int64   `json:"pairs"`
				Rate    float64 `json:"rate"`
			} `json:"at_threshold"`
		} `json:"collision"`
	} `json:"accuracy"`
	Feasibility struct {
		Protocols []struct {
			Protocol string `json:"protocol"`
			Error    string `json:"error"`
			Points   []struct {
				DBSize  int `json:"db_size"`
				Correct int `json:"correct"`
				Queries int `json:"queries"`
			} `json:"points"`
		} `json:"protocols"`
	} `json:"feasibility"`
	Attack *struct {
		Source string `json:"source"`
		Images int    `json:"images"`
	} `json:"attack"`
	Plots map[string]string `json:"plots"`
}

func readReportJSON(t *testing.T, dir string) reportJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return r
}

// svgTexts parses an SVG document strictly and returns its root element's
// name and the text of every element.
func svgTexts(t *testing.T, path string) (string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return benchtest.SVGText(t, f)
}

func TestReportQuickEndToEnd(t *testing.T) {
	dir := t.TempDir()
	status, stdout, stderr := runCmd(t, "report", "--quick", "--out", dir, "--corpus", photos, "--progress", "never",
		"--protocols", strings.Join(fastProtocols(), ","))
	if status != 0 {
		t.Fatalf("status %d\nstderr: %s", status, stderr)
	}
	if !strings.Contains(stdout, "false matches pdq") || !strings.Contains(stdout, "protocol oprf-psi") {
		t.Fatalf("summary on stdout lacks headline lines:\n%s", stdout)
	}
	algs := strings.Split(defaultReportAlgos, ",")
	want := []string{"report.md", "report.html", "results.json", "roc.svg", "robustness.svg", "cost-time.svg", "cost-bytes.svg"}
	for _, a := range algs {
		want = append(want, "hist-"+a+".svg")
	}
	for _, f := range want {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	r := readReportJSON(t, dir)
	t.Run("integrity", func(t *testing.T) { checkIntegrity(t, dir) })

	t.Run("environment", func(t *testing.T) {
		e := r.Environment
		if e.CPU == "" || e.Cores < 1 || e.OS == "" || !strings.HasPrefix(e.GoVersion, "go") || e.Commit == "" {
			t.Fatalf("environment incomplete: %+v", e)
		}
	})

	t.Run("manifest", func(t *testing.T) {
		if len(r.Corpus.Manifest) == 0 {
			t.Fatal("empty manifest")
		}
		for _, m := range r.Corpus.Manifest {
			b, err := os.ReadFile(filepath.Join(photos, filepath.FromSlash(m.ID)))
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != m.SHA256 {
				t.Fatalf("%s: manifest digest %s, file digest %x", m.ID, m.SHA256, sum)
			}
		}
	})

	// The false-match numbers are recomputed by brute force: hash every
	// file again, drop the duplicates results.json names, compare every
	// pair.
	t.Run("false matches by brute force", func(t *testing.T) {
		dropped := map[string]bool{}
		for _, g := range r.Dedup.Groups {
			for _, id := range g[1:] {
				dropped[id] = true
			}
		}
		if len(r.Accuracy) != len(algs) {
			t.Fatalf("%d accuracy entries for %d algorithms", len(r.Accuracy), len(algs))
		}
		for _, a := range r.Accuracy {
			h, err := phash.ByName(a.Algorithm)
			if err != nil {
				t.Fatal(err)
			}
			var hs []phash.Hash
			for _, m := range r.Corpus.Manifest {
				if dropped[m.ID] {
					continue
				}
				img, err := phash.Load(filepath.Join(photos, filepath.FromSlash(m.ID)), phash.LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				x, err := h.Hash(img)
				if err != nil {
					t.Fatal(err)
				}
				hs = append(hs, x)
			}
			counts := make([]int64, h.Bits()+1)
			var pairs int64
			for i := range hs {
				for j := i + 1; j < len(hs); j++ {
					d, err := phash.Distance(hs[i], hs[j])
					if err != nil {
						t.Fatal(err)
					}
					counts[d]++
					pairs++
				}
			}
			c := a.Collision
			if !c.Pairs.Exact || len(c.Pairs.Counts) != len(counts) || len(c.Rates) != len(counts) {
				t.Fatalf("%s: exact=%v, %d counts, %d rates; want exact and %d", a.Algorithm, c.Pairs.Exact, len(c.Pairs.Counts), len(c.Rates), len(counts))
			}
			var cum int64
			for d := range counts {
				if counts[d] != c.Pairs.Counts[d] {
					t.Fatalf("%s: distance %d: brute force %d pairs, results.json %d", a.Algorithm, d, counts[d], c.Pairs.Counts[d])
				}
				cum += counts[d]
				rt := c.Rates[d]
				if rt.Threshold != d || rt.Matches != cum || rt.Pairs != pairs || rt.Rate != float64(cum)/float64(pairs) {
					t.Fatalf("%s: threshold %d: results.json %+v, brute force %d of %d", a.Algorithm, d, rt, cum, pairs)
				}
			}
			at := c.Rates[c.Threshold]
			if c.Threshold != h.Threshold().Distance || c.AtThreshold.Matches != at.Matches || c.AtThreshold.Rate != at.Rate {
				t.Fatalf("%s: at-threshold figures %+v disagree with threshold %d's %+v", a.Algorithm, c.AtThreshold, h.Threshold().Distance, at)
			}
		}
	})

	t.Run("protocols", func(t *testing.T) {
		got := map[string]bool{}
		for _, p := range r.Feasibility.Protocols {
			got[p.Protocol] = true
			if p.Error != "" || len(p.Points) == 0 {
				t.Errorf("%s: error %q, %d points", p.Protocol, p.Error, len(p.Points))
			}
			for _, pt := range p.Points {
				if pt.Correct != pt.Queries || pt.Queries == 0 {
					t.Errorf("%s at %d: %d of %d correct", p.Protocol, pt.DBSize, pt.Correct, pt.Queries)
				}
			}
		}
		for _, n := range fastProtocols() {
			if !got[n] {
				t.Errorf("requested protocol %s missing from the report", n)
			}
		}
		if len(got) != len(fastProtocols()) {
			t.Errorf("report ran %d protocols, %d requested", len(got), len(fastProtocols()))
		}
		if r.Attack == nil || r.Attack.Source != "run" || r.Attack.Images != 1 {
			t.Errorf("attack section %+v, want one image run here", r.Attack)
		}
	})

	t.Run("html self-contained", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		ext := regexp.MustCompile(`(?i)(src|href|xlink:href|action|poster)\s*=\s*["']?\s*(https?:|//|file:)|url\(\s*["']?\s*(https?:|//)|@import`)
		if m := ext.FindString(s); m != "" {
			t.Fatalf("report.html loads an external asset: %q", m)
		}
		if n := strings.Count(s, `src="data:image/svg+xml;base64,`); n != len(r.Plots) || n == 0 {
			t.Fatalf("%d embedded figures for %d plots", n, len(r.Plots))
		}
		if strings.Contains(s, "<script") {
			t.Fatal("report.html has a script")
		}
		md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
		for _, sec := range []string{"Technical feasibility", "Accuracy", "Resiliency", "Integrity", "20 million seconds"} {
			if !strings.Contains(s, sec) || !strings.Contains(string(md), sec) {
				t.Errorf("section %q missing from report.html or report.md", sec)
			}
		}
	})

	t.Run("plots", func(t *testing.T) {
		titles := map[string]string{"roc.svg": report.TitleROC, "robustness.svg": report.TitleRobustness,
			"cost-time.svg": report.TitleCostTime, "cost-bytes.svg": report.TitleCostBytes}
		for _, a := range algs {
			titles["hist-"+a+".svg"] = report.TitleHistogram + ": " + a
		}
		for f, title := range titles {
			root, texts := svgTexts(t, filepath.Join(dir, f))
			if root != "svg" {
				t.Errorf("%s: root element %q", f, root)
			}
			found := false
			for _, x := range texts {
				found = found || x == title
			}
			if !found {
				t.Errorf("%s: no text %q among %d texts", f, title, len(texts))
			}
		}
	})
}

func TestReportAttackResultsFile(t *testing.T) {
	dir := t.TempDir()
	ar := filepath.Join(dir, "attack.json")
	if err := os.WriteFile(ar, []byte(`{"kind":"collide","algorithm":"phash8","model":"black","psnr_min":40,"query_budget":100,
"results":[{"image":"a.png","success":true,"distance_before":30,"distance_after":8,"threshold":10,"psnr":41.5,"ssim":0.98,"queries":90,"seconds":1.5},
{"image":"b.png","error":"decode failed"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	status, _, stderr := runCmd(t, "report", "--quick", "--out", out, "--corpus", photos, "--progress", "never",
		"--algo", "pdq,phash8", "--db-size", "2^8", "--attack-results", ar, "--protocols", "plaintext-server")
	if status != 0 {
		t.Fatalf("status %d\nstderr: %s", status, stderr)
	}
	r := readReportJSON(t, out)
	if r.Attack == nil || r.Attack.Source != ar || r.Attack.Images != 1 {
		t.Fatalf("attack section %+v, want 1 image read from %s", r.Attack, ar)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(md), "1 of 1 images succeeded") {
		t.Fatal("report.md does not report the file's attack results")
	}
}

func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"results":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"extra args", []string{"extra"}, "unexpected arguments"},
		{"db size", []string{"--db-size", "2^40"}, "--db-size"},
		{"db size text", []string{"--db-size", "lots"}, "--db-size"},
		{"algo", []string{"--algo", "nope"}, "--algo"},
		{"fhe hash", []string{"--fhe", "--fhe-hash", "dhash8"}, "--fhe-hash"},
		{"protocols", []string{"--protocols", "nope"}, "--protocols"},
		{"protocols empty", []string{"--protocols", ","}, "--protocols"},
		{"image protocol", []string{"--protocols", "he-hash-match"}, "the --fhe section"},
		{"corpus", []string{"--corpus", filepath.Join(dir, "missing")}, "not found"},
		{"workers", []string{"--workers", "0"}, "--workers"},
		{"prevalence", []string{"--prevalence", "2"}, "--prevalence"},
		{"attack results", []string{"--attack-results", bad}, "missing kind"},
		{"attack results missing", []string{"--attack-results", filepath.Join(dir, "none.json")}, "--attack-results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"report", "--out", filepath.Join(dir, "o"), "--corpus", photos}, tc.args...)
			status, _, stderr := runCmd(t, args...)
			if status != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("status %d, stderr %q; want 2 and %q", status, stderr, tc.want)
			}
		})
	}
	status, _, stderr := runCmd(t, "report", "--help")
	if status != 0 || !strings.Contains(stderr, "Example:") {
		t.Fatalf("--help: status %d, stderr %q", status, stderr)
	}
}

func TestReportSizes(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, step int
		want         string
	}{
		{1 << 10, 1 << 16, 4, "[1024 4096 16384 65536]"},
		{1 << 10, 1 << 15, 4, "[1024 4096 16384 32768]"},
		{1 << 10, 100, 4, "[100]"},
		{1 << 8, 1 << 10, 4, "[256 1024]"},
		{1 << 12, 1 << 20, 16, "[4096 65536 1048576]"},
		{1 << 12, 1 << 18, 16, "[4096 65536 262144]"},
	} {
		if got := fmt.Sprint(reportSizes(tc.lo, tc.hi, tc.step)); got != tc.want {
			t.Errorf("reportSizes(%d, %d, %d) = %s, want %s", tc.lo, tc.hi, tc.step, got, tc.want)
		}
	}
	for s, want := range map[string]int{"2^16": 65536, "1000": 1000, " 2^0 ": 1} {
		if got, err := parseSize(s); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
}

// fastProtocols are the registered protocols the report's tests run: all
// but he-hamming, whose queries take seconds each at its only secure
// preset (its own end-to-end test is TestServeQueryHE in serve_he_test.go).
func fastProtocols() []string {
	var names []string
	for _, n := range psi.Names() {
		if n != "he-hamming" && n != "he-hamming-lsh" && n != "he-hash-match" {
			names = append(names, n)
		}
	}
	return names
}
