package report

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash/phashtest"
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

func TestBuildOptionErrors(t *testing.T) {
	c, err := bench.Open(corpusDir(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	good := Options{Corpus: c, Hashers: phashtest.Hashers(t, "pdq"), Device: bench.DefaultDeviceModel, ListSize: DefaultListSize, Prevalence: DefaultPrevalence}
	for name, mut := range map[string]func(o *Options){
		"no corpus":  func(o *Options) { o.Corpus = nil },
		"no hashers": func(o *Options) { o.Hashers = nil },
		"slowdown":   func(o *Options) { o.Device.PhoneSlowdown.Value = 0 },
		"no links":   func(o *Options) { o.Device.Links = nil },
		"bad link":   func(o *Options) { o.Device.Links = []bench.Link{{Name: "x"}} },
		"list size":  func(o *Options) { o.ListSize.Value = 0 },
		"prevalence": func(o *Options) { o.Prevalence.Value = 1 },
		"no sizes":   func(o *Options) { o.Feasibility.Sizes = nil },
		"bad attack": func(o *Options) {
			o.Feasibility.Sizes = []int{4}
			o.Attack = bench.AttackOptions{Results: []byte("{")}
		},
		"bad algoname": func(o *Options) {
			o.Feasibility.Sizes = []int{4}
			o.Attack = bench.AttackOptions{Images: 1, Algorithm: "nope"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			o := good
			o.Robustness = bench.RobustnessOptions{Steps: jpegStep(90)}
			mut(&o)
			if _, err := Build(context.Background(), o); err == nil {
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
		{fmtMS(0.0005), "0.5 µs"}, {fmtMS(1.299), "1.3 ms"}, {fmtMS(21900), "21.9 s"}, {fmtMS(3788), "3.8 s"},
		{fmtSeconds(20e6), "231.5 days"}, {fmtSeconds(0.05), "50 ms"},
		{fmtRate(0), "0"}, {fmtRate(8.28e-38), "8.28e-38"}, {fmtRate(0.0649), "0.0649"},
		{fmtLog10(bench.Log10(-400), 0), "10^-400.0"}, {fmtLog10(bench.Log10(math.Inf(-1)), 0), "0"},
		{sizeLabel(65536), "2^16 (65536)"}, {sizeLabel(100), "100"},
		{capitalise("white"), "White"}, {capitalise(""), ""}, {capitalise("élan"), "Élan"},
		{assumed("assumption: x"), "**assumption**: x"}, {assumed("Apple"), "**assumption**: Apple"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
