package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEndToEnd runs the pairs pipeline on Prism and the single-machine
// path over the bundled photos through the command, and compares the two
// results.json files with the compare subcommand.
func TestEndToEnd(t *testing.T) {
	photos, err := filepath.Abs("../../../testdata/photos")
	if err != nil {
		t.Fatal(err)
	}
	beamOut, singleOut := t.TempDir(), t.TempDir()
	var stderr bytes.Buffer
	if rc := run([]string{"pairs", "--corpus", photos, "--algo", "pdq,phash8", "--block", "4", "--out", beamOut}, &stderr); rc != 0 {
		t.Fatalf("beam run: exit %d: %s", rc, stderr.String())
	}
	if rc := run([]string{"pairs", "--single", "--corpus", photos, "--algo", "pdq,phash8", "--out", singleOut}, &stderr); rc != 0 {
		t.Fatalf("single run: exit %d: %s", rc, stderr.String())
	}
	a, b := filepath.Join(beamOut, "results.json"), filepath.Join(singleOut, "results.json")
	if rc := run([]string{"compare", a, b}, &stderr); rc != 0 {
		t.Fatalf("compare: exit %d: %s", rc, stderr.String())
	}
	// A changed number must be caught.
	data, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), `"matches": 0`, `"matches": 1`, 1)
	if changed == string(data) {
		t.Fatal("no matches field to change")
	}
	c := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(c, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if rc := run([]string{"compare", a, c}, &stderr); rc != 1 {
		t.Fatalf("compare of changed results: exit %d, want 1", rc)
	}
}

func TestErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope", "--corpus", "x", "--out", "y"},
		{"pairs", "--out", "y"},
		{"pairs", "--corpus", "x"},
		{"pairs", "--corpus", "x", "--out", "y", "--algo", "nope"},
		{"pairs", "--corpus", "x", "--out", "y", "--max-exact-pairs", "1.5"},
		{"pairs", "--corpus", "x", "--out", "y", "stray"},
		{"hash", "--single", "--corpus", "x", "--out", "y"},
		{"compare", "one"},
		{"compare", "/nonexistent/a.json", "/nonexistent/b.json"},
	} {
		var stderr bytes.Buffer
		if rc := run(args, &stderr); rc != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, rc, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: no message", args)
		}
	}
}
