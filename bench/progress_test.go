package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	progress, finish := ProgressBar(&buf, 10, "hashing")
	for i := 1; i <= 10; i++ {
		progress(i, 10)
	}
	finish()
	if out := buf.String(); !strings.Contains(out, "hashing") || !strings.Contains(out, "/10,") {
		t.Fatalf("progress output %q lacks the description or the total", out)
	}
}
