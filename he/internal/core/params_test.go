package core

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testLiteral = Literal{Name: "T12", LogN: 12, LogQ: []int{36, 34, 34, 34, 52, 34, 34, 34, 34}, LogP: []int{40}, T: 65537, Insecure: true}

// TestInsecureDoor: a literal marked insecure is refused while the door is
// shut and accepted once it is open; a literal above the bound that is not
// marked is refused either way; ErrInsecure is the one sentinel.
func TestInsecureDoor(t *testing.T) {
	if _, err := newParams(testLiteral, false); !errors.Is(err, ErrInsecure) {
		t.Fatalf("insecure literal with the door shut: %v, want ErrInsecure", err)
	}
	p, err := newParams(testLiteral, true)
	if err != nil {
		t.Fatalf("insecure literal with the door open: %v", err)
	}
	if p.SecurityBits() != 0 || !p.Insecure() {
		t.Fatalf("insecure literal reports %d bits", p.SecurityBits())
	}
	unmarked := testLiteral
	unmarked.Insecure = false
	for _, open := range []bool{false, true} {
		if _, err := newParams(unmarked, open); !errors.Is(err, ErrInsecure) {
			t.Fatalf("unmarked literal above the bound (door open %v): %v, want ErrInsecure", open, err)
		}
	}
}

// TestSecurityTable: every entry of the one table holds, and parameters
// just inside the N = 2^14 bound are 128-bit.
func TestSecurityTable(t *testing.T) {
	want := map[int]float64{10: 27, 11: 54, 12: 109, 13: 218, 14: 438, 15: 881}
	for logN, b := range want {
		if got, ok := MaxLogQP(logN); !ok || got != b {
			t.Fatalf("MaxLogQP(%d) = %v, %v; want %v", logN, got, ok, b)
		}
	}
	if _, ok := MaxLogQP(16); ok {
		t.Fatal("MaxLogQP(16) present")
	}
	p, err := newParams(Literal{Name: "ok", LogN: 14, LogQ: []int{55, 33, 33, 33, 33, 33, 33, 33, 33, 52}, LogP: []int{33, 33}, T: 65537}, false)
	if err != nil || p.SecurityBits() != 128 || p.LogQP() > 438 {
		t.Fatalf("log2(QP)=437 preset: %v, %d bits, logQP %.2f", err, p.SecurityBits(), p.LogQP())
	}
	for _, bad := range []Literal{
		{Name: "both", LogN: 13, LogQ: []int{50, 40}, LogP: []int{52}, T: 65537, LogScale: 40},
		{Name: "neither", LogN: 13, LogQ: []int{50, 40}, LogP: []int{52}},
		{Name: "", LogN: 13, LogQ: []int{50, 40}, LogP: []int{52}, LogScale: 40},
		{Name: "logn", LogN: 16, LogQ: []int{50, 40}, LogP: []int{52}, LogScale: 40},
		{Name: "prime", LogN: 13, LogQ: []int{50, 61}, LogP: []int{52}, LogScale: 40},
		{Name: "t", LogN: 13, LogQ: []int{50, 40}, LogP: []int{52}, T: 65539},
	} {
		if _, err := newParams(bad, true); err == nil {
			t.Fatalf("literal %q accepted", bad.Name)
		}
	}
}

// TestNoProductionDoor: no non-test Go file of the module opens the test
// door except he/hetest (whose only callers are tests) and this package.
func TestNoProductionDoor(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	var files int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(b)
		dir := filepath.ToSlash(filepath.Dir(path))
		switch {
		case strings.HasSuffix(dir, "he/hetest"), strings.HasSuffix(dir, "he/internal/core"):
		case strings.Contains(s, "OpenInsecureDoor"):
			t.Errorf("%s opens the insecure test door", path)
		case strings.Contains(s, `"github.com/privmatch/privmatch/he/hetest"`):
			t.Errorf("%s imports he/hetest from non-test code", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("walked only %d Go files: wrong root?", files)
	}
}
