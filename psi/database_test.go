package psi_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestDatabaseRoundTrip(t *testing.T) {
	db, again := psitest.Database(t, 50, 42), psitest.Database(t, 50, 42)
	for i := range db.Hashes {
		if db.Hashes[i] != again.Hashes[i] {
			t.Fatal("Synth is not deterministic")
		}
	}
	var buf bytes.Buffer
	if _, err := db.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := psi.ReadDatabase(&buf, psitest.Kind, 256)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Hashes) != 50 {
		t.Fatalf("read %d hashes, want 50", len(back.Hashes))
	}
	for i := range db.Hashes {
		if back.Hashes[i] != db.Hashes[i] {
			t.Fatalf("entry %d changed", i)
		}
	}
	odd, err := psi.Synth("x", 63, 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range odd.Hashes {
		if h.Bits() != 63 {
			t.Fatal("wrong length")
		}
	}
}

func TestReadDatabaseErrors(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, text string
		line       string // substring the error must contain; "" means success
		n          int
	}{
		{"comments-blank", "# header\n\n  " + good + "  \n#x\n" + good + "\n", "", 2},
		{"bad-hex", good + "\n\nzz" + good[2:] + "\n", "line 3", 0},
		{"short", "# c\n" + good[:10] + "\n", "line 2", 0},
		{"long-line", good + "\n" + strings.Repeat("a", 10000) + "\n", "line 2", 0},
		{"empty", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := psi.ReadDatabase(strings.NewReader(tc.text), "pdq", 256)
			if tc.line == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(db.Hashes) != tc.n {
					t.Errorf("got %d hashes, want %d", len(db.Hashes), tc.n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.line) {
				t.Errorf("error %v, want one naming %q", err, tc.line)
			}
		})
	}
}
