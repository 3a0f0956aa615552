package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/attack"
)

// smallPhotos writes n small deterministic test images to a folder.
func smallPhotos(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for k := 0; k < n; k++ {
		m := image.NewNRGBA(image.Rect(0, 0, 72, 64))
		for y := 0; y < 64; y++ {
			for x := 0; x < 72; x++ {
				v := 128 + 60*math.Sin(float64(x*(k+1))/9+float64(y)/(5+float64(k)))
				o := m.PixOffset(x, y)
				m.Pix[o], m.Pix[o+1], m.Pix[o+2], m.Pix[o+3] = uint8(v), uint8(255-v), uint8(v/2+40), 255
			}
		}
		f, err := os.Create(filepath.Join(dir, string(rune('a'+k))+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, m); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

// attackRun runs `privmatch attack --out out args...`, fails the test
// unless it exits 0, and returns its results.json and stdout.
func attackRun(t *testing.T, out string, args ...string) (attackSummary, string) {
	t.Helper()
	status, stdout, stderr := runCmd(t, append([]string{"attack", "--out", out}, args...)...)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	return readAttackResults(t, out), stdout
}

func readAttackResults(t *testing.T, dir string) attackSummary {
	t.Helper()
	var s attackSummary
	readResults(t, dir, &s)
	return s
}

// readResults decodes dir/results.json into v.
func readResults(t *testing.T, dir string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("results.json: %v", err)
	}
}

// verifyRecord recomputes a record's claims from the saved PNG with the
// real hasher.
func verifyRecord(t *testing.T, r attackRecord, psnrMin float64) {
	t.Helper()
	h, err := phash.ByName(r.Algorithm)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := phash.Load(r.Image, phash.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pert, err := phash.Load(r.Perturbed, phash.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hp, _ := h.Hash(pert)
	ref, _ := h.Hash(orig)
	if r.Kind == "collide" {
		if ref, err = phash.ParseHash(h.Kind(), h.Bits(), r.Target); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := phash.Distance(hp, ref)
	q, err := attack.Measure(orig, pert)
	if err != nil {
		t.Fatal(err)
	}
	if d != r.DistanceAfter || math.Abs(q.PSNR-r.PSNR) > 1e-9 || math.Abs(q.SSIM-r.SSIM) > 1e-12 {
		t.Fatalf("%s: recomputed distance %d PSNR %v SSIM %v, reported %d %v %v", r.Image, d, q.PSNR, q.SSIM, r.DistanceAfter, r.PSNR, r.SSIM)
	}
	ok := q.PSNR >= psnrMin && (r.Kind == "evade" && d > r.Threshold || r.Kind == "collide" && d <= r.Threshold)
	if ok != r.Success {
		t.Fatalf("%s: reported success %v, real hasher says %v (distance %d, threshold %d)", r.Image, r.Success, ok, d, r.Threshold)
	}
}

func TestAttackEvadeWhite(t *testing.T) {
	in, out := smallPhotos(t, 2), t.TempDir()
	s, stdout := attackRun(t, out, "--kind", "evade", "--algo", "pdq", "--model", "white", "--second", "phash8",
		"--seed", "4", in)
	if len(s.Results) != 2 || s.Images != 2 || stdout == "" || !s.Dihedral {
		t.Fatalf("summary %+v, stdout %q", s, stdout)
	}
	for _, r := range s.Results {
		verifyRecord(t, r, 40)
		if !r.Success || r.Dihedral == nil || *r.Dihedral <= 31 || r.Seed < 4 || r.SecondMatches == nil {
			t.Fatalf("record %+v", r)
		}
		if _, err := os.Stat(r.Strip); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAttackCollideDefaultTarget(t *testing.T) {
	in, out := smallPhotos(t, 3), t.TempDir()
	s, _ := attackRun(t, out, "--kind", "collide", "--algo", "dhash8", "--model", "white", "--psnr-min", "25",
		"--strips", "0", in)
	for i, r := range s.Results {
		want := s.Results[(i+1)%3].Image
		if r.TargetImage != want || r.Strip != "" {
			t.Fatalf("record %d: target image %q, want %q; strip %q", i, r.TargetImage, want, r.Strip)
		}
		verifyRecord(t, r, 25)
	}
	if s.Successes == 0 {
		t.Fatalf("no collision at 25 dB: %+v", s.Results)
	}
}

func TestAttackPSNRSweep(t *testing.T) {
	in, out := smallPhotos(t, 2), t.TempDir()
	status, stdout, stderr := runCmd(t, "attack", "--kind", "evade", "--algo", "dhash8", "--psnr-sweep", "30,50",
		"--queries", "8", "--strips", "0", "--out", out, in)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if strings.Count(stdout, "succeeded") != 2 {
		t.Fatalf("want one summary line per budget, got %q", stdout)
	}
	for _, p := range []float64{30, 50} {
		s := readAttackResults(t, filepath.Join(out, fmt.Sprintf("psnr-%g", p)))
		if s.PSNRMin != p || len(s.Results) != 2 {
			t.Fatalf("budget %g: summary %+v", p, s)
		}
		for _, r := range s.Results {
			verifyRecord(t, r, p)
			if r.ModelPSNR == 0 {
				t.Fatalf("white-box record without the model's optimum: %+v", r)
			}
		}
	}
	if status, _, _ := runCmd(t, "attack", "--psnr-sweep", "30,x", "--out", out, in); status != 2 {
		t.Fatalf("bad --psnr-sweep: status %d", status)
	}
}

func TestAttackUsageErrors(t *testing.T) {
	in, out := smallPhotos(t, 1), t.TempDir()
	for name, args := range map[string][]string{
		"no out":        {"attack", in},
		"bad kind":      {"attack", "--kind", "steal", "--out", out, in},
		"bad model":     {"attack", "--model", "grey", "--out", out, in},
		"bad algo":      {"attack", "--algo", "md5", "--out", out, in},
		"bad target":    {"attack", "--kind", "collide", "--target", "zz", "--out", out, in},
		"target evade":  {"attack", "--target", "00", "--algo", "ahash8", "--out", out, in},
		"one collide":   {"attack", "--kind", "collide", "--out", out, in},
		"no paths":      {"attack", "--out", out},
		"bad psnr":      {"attack", "--psnr-min", "0", "--out", out, in},
		"white colour":  {"attack", "--algo", "colorhash", "--out", out, in},
		"missing input": {"attack", "--out", out, filepath.Join(in, "nope.png")},
	} {
		status, _, stderr := runCmd(t, args...)
		if status == 0 || stderr == "" {
			t.Errorf("%s: status %d, stderr %q", name, status, stderr)
		}
	}
	if status, _, _ := runCmd(t, "attack", "--help"); status != 0 {
		t.Errorf("--help: status %d", status)
	}
}
