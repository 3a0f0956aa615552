package main

import (
	"strings"
	"testing"
)

// TestDecoderFlag checks that --decoder selects the JPEG decoder: on the
// Hubble photo ahash8 differs between libjpeg's pixels and image/jpeg's,
// and the default is libjpeg.
func TestDecoderFlag(t *testing.T) {
	const img = photos + "/hubble_deep_field.jpg"
	hash := func(args ...string) string {
		t.Helper()
		status, out, stderr := runCmd(t, append([]string{"hash", "--algo", "ahash8"}, append(args, img)...)...)
		if status != 0 {
			t.Fatalf("%v: status %d, stderr %s", args, status, stderr)
		}
		return out
	}
	def, lib, std := hash(), hash("--decoder", "libjpeg"), hash("--decoder", "go")
	if def != lib {
		t.Errorf("default output differs from --decoder libjpeg:\n%s\n%s", def, lib)
	}
	if lib == std {
		t.Errorf("--decoder go gives libjpeg's hash:\n%s", std)
	}
	status, _, stderr := runCmd(t, "hash", "--decoder", "cimg", img)
	if status != 2 || !strings.Contains(stderr, `unknown JPEG decoder "cimg"`) {
		t.Errorf("bad --decoder: status %d, stderr %q", status, stderr)
	}
	for _, cmd := range []string{"compare", "db", "query", "attack"} {
		args := []string{cmd, "--help"}
		if cmd == "db" {
			args = []string{"db", "build", "--help"}
		}
		_, _, stderr := runCmd(t, args...)
		if !strings.Contains(stderr, "-decoder") {
			t.Errorf("%s has no --decoder flag", cmd)
		}
	}
}
