package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDocumentRendering(t *testing.T) {
	d := &document{title: "T <&>"}
	d.h(1, "Sec `x`")
	d.p("a **b** `c<d>` e & f")
	d.list("one | two", "three")
	d.table([]string{"h|1", "h2"}, [][]string{{"a|b", "c\nd"}})
	d.code("x < y\n")
	d.fig(figure{file: "f.svg", svg: []byte("<svg/>"), caption: "cap <1>"})
	var md, ht bytes.Buffer
	if err := d.writeMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := d.writeHTML(&ht); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# T <&>\n", "## Sec `x`\n", "- one | two\n", "| h\\|1 | h2 |\n| --- | --- |\n| a\\|b | c d |\n",
		"```\nx < y\n```\n", "![cap <1>](f.svg)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	for _, want := range []string{"<title>T &lt;&amp;&gt;</title>", "<h2>Sec <code>x</code></h2>",
		"<p>a <strong>b</strong> <code>c&lt;d&gt;</code> e &amp; f</p>", "<pre>x &lt; y</pre>",
		`src="data:image/svg+xml;base64,PHN2Zy8+"`, "<figcaption>cap &lt;1&gt;</figcaption>", "<td>a|b</td>"} {
		if !strings.Contains(ht.String(), want) {
			t.Errorf("html lacks %q:\n%s", want, ht.String())
		}
	}
}

func TestParseAttackResults(t *testing.T) {
	ok := `{"kind":"evade","algorithm":"pdq","model":"white","psnr_min":40,"query_budget":40,"dihedral":true,
	"results":[{"image":"a","success":true,"psnr":null},{"image":"b","success":false,"psnr":35},{"image":"c","error":"x","success":true}]}`
	s, err := ParseAttackResults([]byte(ok), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Images != 2 || s.Successes != 1 || s.Source != "f.json" || !s.Dihedral || !math.IsInf(float64(s.Records[0].PSNR), 1) {
		t.Fatalf("section %+v", s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("an unchanged image's +Inf PSNR must encode: %v", err)
	}
	if !strings.Contains(string(b), `"psnr":null`) {
		t.Fatalf("+Inf PSNR not written as null: %s", b)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"kind":"evade"}`, `{"results":[]}`, `{"kind":"fly","results":[]}`,
		`{"kind":"evade","results":[{"psnr":"x"}]}`} {
		if _, err := ParseAttackResults([]byte(bad), "bad"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseAttackResults(f *testing.F) {
	f.Add([]byte(`{"kind":"evade","results":[{"image":"a","success":true}]}`))
	f.Add([]byte(`{"kind":"collide","results":[{"error":"e"},{"psnr":null,"ssim":1}]}`))
	f.Add([]byte(`{"kind":"evade","results":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseAttackResults(b, "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bench: attack results fuzz: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if s.Successes > s.Images || s.Images > len(s.Records) || (s.Kind != "evade" && s.Kind != "collide") {
			t.Fatalf("inconsistent section %+v", s)
		}
		// What parses must encode and parse back to the same tallies.
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var back AttackSection
		if err := json.Unmarshal(out, &back); err != nil || back.Images != s.Images || back.Successes != s.Successes {
			t.Fatalf("round trip: %v %+v", err, back)
		}
	})
}

func TestBuildReportOptionErrors(t *testing.T) {
	c, err := Open(corpusDir(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	good := ReportOptions{Corpus: c, Hashers: mustHashers(t, "pdq"), Device: DefaultDeviceModel, ListSize: DefaultListSize, Prevalence: DefaultPrevalence}
	for name, mut := range map[string]func(o *ReportOptions){
		"no corpus":  func(o *ReportOptions) { o.Corpus = nil },
		"no hashers": func(o *ReportOptions) { o.Hashers = nil },
		"slowdown":   func(o *ReportOptions) { o.Device.PhoneSlowdown.Value = 0 },
		"no links":   func(o *ReportOptions) { o.Device.Links = nil },
		"bad link":   func(o *ReportOptions) { o.Device.Links = []Link{{Name: "x"}} },
		"list size":  func(o *ReportOptions) { o.ListSize.Value = 0 },
		"prevalence": func(o *ReportOptions) { o.Prevalence.Value = 1 },
		"no sizes":   func(o *ReportOptions) { o.Feasibility.Sizes = nil },
		"bad attack": func(o *ReportOptions) { o.Feasibility.Sizes = []int{4}; o.Attack = AttackOptions{Results: []byte("{")} },
		"bad algoname": func(o *ReportOptions) {
			o.Feasibility.Sizes = []int{4}
			o.Attack = AttackOptions{Images: 1, Algorithm: "nope"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			o := good
			o.Robustness = RobustnessOptions{Steps: toSteps([]transformStep{{"jpeg", 90}})}
			mut(&o)
			if _, err := BuildReport(context.Background(), o); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestCurrentEnvironment(t *testing.T) {
	e := CurrentEnvironment()
	if e.CPU == "" || e.Cores < 1 || e.GOMAXPROCS < 1 || e.OS == "" || e.GoVersion == "" || e.Commit == "" || e.CommitSource == "" {
		t.Fatalf("environment %+v", e)
	}
	if e.Commit != "unknown" && len(e.Commit) < 40 {
		t.Fatalf("commit %q", e.Commit)
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtBytes(999), "999 B"}, {fmtBytes(42676), "42.7 kB"}, {fmtBytes(2.7e6), "2.7 MB"},
		{fmtMS(0.0005), "0.5 µs"}, {fmtMS(1.299), "1.3 ms"}, {fmtMS(21900), "21.9 s"},
		{fmtSeconds(20e6), "231.5 days"}, {fmtSeconds(0.05), "50 ms"},
		{fmtRate(0), "0"}, {fmtRate(8.28e-38), "8.28e-38"}, {fmtRate(0.0649), "0.0649"},
		{fmtLog10(Log10(-400), 0), "10^-400.0"}, {fmtLog10(Log10(math.Inf(-1)), 0), "0"},
		{sizeLabel(65536), "2^16 (65536)"}, {sizeLabel(100), "100"},
		{assumed("assumption: x"), "**assumption**: x"}, {assumed("Apple"), "**assumption**: Apple"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if got, want := perImage(1e-7, 1e6), -math.Expm1(-0.1-5e-9); math.Abs(got-want) > 1e-13 { // n*log1p(-r) = -0.1 - 5e-9 - O(1e-15)
		t.Errorf("perImage = %v", got)
	}
	if perImage(1, 5) != 1 || perImage(0, 1e6) != 0 {
		t.Error("perImage edge cases")
	}
}
