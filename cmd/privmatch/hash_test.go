package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// runCmd runs the command in process and returns its exit status and output.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	status := run(args, &out, &errb)
	return status, out.String(), errb.String()
}

const photos = "../../testdata/photos"

func TestHashCSV(t *testing.T) {
	status, out, stderr := runCmd(t, "hash", "--algo", "goimagehash-ahash,goimagehash-dhash", photos)
	if status != 0 {
		t.Fatalf("status %d, stderr %s", status, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "path,algorithm,hash,quality" {
		t.Fatalf("header %v", recs[0])
	}
	files, _ := filepath.Glob(filepath.Join(photos, "*"))
	var images int
	for _, f := range files {
		if imageExts[strings.ToLower(filepath.Ext(f))] {
			images++
		}
	}
	if got := len(recs) - 1; got != 2*images {
		t.Fatalf("%d rows for %d images and 2 algorithms", got, images)
	}
	// Every row's hash is what the library computes for that file.
	for _, r := range recs[1:] {
		h, err := phash.ByName(r[1])
		if err != nil {
			t.Fatal(err)
		}
		img, err := phash.Load(r[0], phash.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := h.Hash(img)
		if r[2] != want.String() || r[3] != "" {
			t.Fatalf("row %v, want hash %s and empty quality", r, want)
		}
	}
}

func TestHashJSONLAndFailures(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.jpg")
	if err := os.WriteFile(bad, []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(photos, "rocket.jpg")
	status, out, stderr := runCmd(t, "hash", "--format", "jsonl", "--algo", "goimagehash-phash", bad, good, filepath.Join(dir, "missing.png"))
	if status != 1 {
		t.Fatalf("status %d with a broken file, want 1", status)
	}
	if !strings.Contains(stderr, "broken.jpg") || !strings.Contains(stderr, "missing.png") {
		t.Fatalf("stderr does not name the bad files: %s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one JSON line for the good file, got %q", out)
	}
	var row hashRow
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil {
		t.Fatal(err)
	}
	if row.Path != good || row.Algorithm != "goimagehash-phash" || len(row.Hash) != 16 || row.Quality != nil {
		t.Fatalf("row %+v", row)
	}
}

func TestHashUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"hash"},
		{"hash", "--algo", "nope", photos},
		{"hash", "--format", "xml", photos},
		{"hash", "--workers", "0", photos},
		{"compare", photos + "/rocket.jpg"},
		{"nosuchcommand"},
	} {
		if status, _, stderr := runCmd(t, args...); status != 2 || stderr == "" {
			t.Errorf("%v: status %d, stderr %q; want 2 and a message", args, status, stderr)
		}
	}
	if status, _, stderr := runCmd(t, "hash", "--help"); status != 0 || !strings.Contains(stderr, "Example") {
		t.Errorf("--help: status %d, stderr %q", status, stderr)
	}
}

func TestCompare(t *testing.T) {
	a := filepath.Join(photos, "chelsea.png")
	status, out, stderr := runCmd(t, "compare", "--format", "jsonl", "--algo", "goimagehash-ahash", a, a)
	if status != 0 {
		t.Fatal(stderr)
	}
	var c comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if c.Distance != 0 || !c.Match || c.HashA != c.HashB {
		t.Fatalf("self-comparison %+v", c)
	}
	status, out, _ = runCmd(t, "compare", "--algo", "goimagehash-ahash", a, filepath.Join(photos, "rocket.jpg"))
	if status != 0 || !strings.Contains(out, "goimagehash-ahash") || !strings.Contains(out, "threshold") {
		t.Fatalf("table output %q", out)
	}
}
