package report

import (
	"html"
	"strings"
	"testing"
)

// TestDeviceCheckRenders checks that the integrity section says, in both
// report.md and report.html, what the device's list check prevents and
// what it does not, every item of both lists, and that the summary's
// integrity answer carries the main limit.
func TestDeviceCheckRenders(t *testing.T) {
	files, err := fixture(t).Render("x")
	if err != nil {
		t.Fatal(err)
	}
	md, ht := string(files[MarkdownFile]), string(files[HTMLFile])
	start, end := strings.Index(md, "# Integrity: what each party learns"), strings.Index(md, "# The claim")
	if start < 0 || end < start {
		t.Fatalf("integrity section not found (%d, %d)", start, end)
	}
	sec := md[start:end]
	for _, want := range []string{"## What a device's list check prevents, and what it does not", "**It prevents:**", "**It does not prevent:**"} {
		if !strings.Contains(sec, want) {
			t.Errorf("integrity section lacks %q", want)
		}
	}
	if len(deviceCheckPrevents) == 0 || len(deviceCheckDoesNotPrevent) == 0 {
		t.Fatal("empty lists")
	}
	for _, item := range append(append([]string(nil), deviceCheckPrevents...), deviceCheckDoesNotPrevent...) {
		if !strings.Contains(sec, "- "+item+"\n") {
			t.Errorf("report.md's integrity section lacks the item %q", item[:40])
		}
		// In HTML the bold lead renders as <strong>; check the plain rest.
		rest := item[strings.Index(item[2:], "**")+4:]
		if !strings.Contains(ht, html.EscapeString(rest)) {
			t.Errorf("report.html lacks %q", rest[:40])
		}
	}
	sum := md[strings.Index(md, "## Summary"):strings.Index(md, "## Technical feasibility")]
	if !strings.Contains(sum, "not that the list holds only what it should") {
		t.Error("the summary's integrity answer does not say what the check leaves open")
	}
}
