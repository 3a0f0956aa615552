package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of a Chromium or Chrome binary. When there is
// none the test skips, unless CI is set: CI installs Debian's chromium, so
// there a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but no chromium is installed (.ci/run installs Debian's chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); the browser test skips outside CI")
	return ""
}

// browserOut is where the browser test leaves the report and its
// screenshots for a human to look at: $PRIVMATCH_BROWSER_OUT, or a fixed
// folder under the temporary directory, replaced on each run.
func browserOut(t *testing.T) string {
	dir := os.Getenv("PRIVMATCH_BROWSER_OUT")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "privmatch-report-browser")
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReportInBrowser renders the report of a stored --quick run (or of
// the results.json named by $PRIVMATCH_BROWSER_RESULTS) and
// checks it in headless Chromium: no horizontal overflow at 1280 px and
// at 390 px (a phone), every plot loads, the summary's four answers are on
// the first screen at 1280x800, and in every plot the legend box lies
// outside the data area and no text is drawn inside it.
func TestReportInBrowser(t *testing.T) {
	exe := chromium(t)
	r := fixture(t)
	if p := os.Getenv("PRIVMATCH_BROWSER_RESULTS"); p != "" {
		// Check a real run's report instead of the stored quick one.
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = Read(b); err != nil {
			t.Fatal(err)
		}
	}
	dir := browserOut(t)
	if _, err := r.WriteFiles(dir, "privmatch report --from quick-results.json"); err != nil {
		t.Fatal(err)
	}
	t.Logf("report and screenshots in %s", dir)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	eval := func(expr string) bool { t.Helper(); return evaluate[bool](t, ctx, expr) }
	num := func(expr string) float64 { t.Helper(); return evaluate[float64](t, ctx, expr) }
	page := "file://" + filepath.Join(dir, HTMLFile)

	for _, vp := range []struct {
		name   string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		var eo []chromedp.EmulateViewportOption
		if vp.mobile {
			eo = append(eo, chromedp.EmulateMobile)
		}
		if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(vp.w, vp.h, eo...)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Navigate(page)); err != nil {
			t.Fatal(err)
		}
		// Open every folded part, so that wide tables count too.
		eval(`document.querySelectorAll("details").forEach(d => d.open = true), true`)
		if sw, iw := num(`document.documentElement.scrollWidth`), num(`window.innerWidth`); sw > iw {
			t.Errorf("%s: page is %v px wide in a %v px window (horizontal overflow)", vp.name, sw, iw)
		}
		imgs := num(`document.images.length`)
		if imgs < 5 {
			t.Errorf("%s: %v images, want the plots (at least 5)", vp.name, imgs)
		}
		if !eval(`Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)`) {
			t.Errorf("%s: a plot did not load", vp.name)
		}
		eval(`document.querySelectorAll("details").forEach(d => d.open = false), window.scrollTo(0, 0), true`)
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "screenshot-"+vp.name+".png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
		if vp.mobile {
			continue
		}
		for _, q := range []string{"Feasible at scale?", "On a low-end phone", "Accuracy and false flags?", "Resilient to edits", "Integrity of the list"} {
			expr := fmt.Sprintf(`(() => { const li = Array.from(document.querySelectorAll("li")).find(l => l.textContent.includes(%q));
				return !!li && li.getBoundingClientRect().bottom <= window.innerHeight })()`, q)
			if !eval(expr) {
				t.Errorf("summary answer %q is not on the first screen (%dx%d)", q, vp.w, vp.h)
			}
		}
	}

	svgs, err := filepath.Glob(filepath.Join(dir, "*.svg"))
	if err != nil || len(svgs) < 5 {
		t.Fatalf("plots %v, %v", svgs, err)
	}
	for _, f := range svgs {
		if _, err := chromedp.Run(ctx, chromedp.Navigate("file://"+f)); err != nil {
			t.Fatal(err)
		}
		// Geometry in page pixels: the data areas, the legend box and every
		// text element.
		res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const r = e => e.getBoundingClientRect();
			const over = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
			const areas = Array.from(document.querySelectorAll("#data-area, .data-area")).map(r);
			const leg = document.getElementById("legend-box");
			if (areas.length === 0) return "no data area marked";
			if (!leg) return "no legend box marked";
			const lb = r(leg);
			if (areas.some(a => over(a, lb))) return "legend box overlaps a data area";
			const texts = Array.from(document.querySelectorAll("text"));
			if (!texts.some(t => over(r(t), lb))) return "legend box holds no text";
			for (const t of texts) {
				if (areas.some(a => over(a, r(t)))) return "text inside a data area: " + t.textContent;
			}
			return "";
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if res != "" {
			t.Errorf("%s: %s", filepath.Base(f), res)
		}
	}
}

// fixture reads the stored --quick results.
func fixture(t testing.TB) *Report {
	t.Helper()
	b, err := readGz(filepath.Join("testdata", "quick-results.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// evaluate runs the JavaScript expression expr in the page and returns its
// value, failing the test on an error.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
