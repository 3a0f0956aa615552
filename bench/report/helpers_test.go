package report

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash/phashtest"
	"github.com/privmatch/privmatch/phash/transform"
	"github.com/privmatch/privmatch/psi"
)

// synthImage is a synthetic photo; different seeds give different pictures.
func synthImage(seed uint64) image.Image {
	return phashtest.Photo(seed, image.Point{}, 96, 80)
}

// corpusDir writes n synthetic PNGs and returns the folder.
func corpusDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		var buf bytes.Buffer
		if err := png.Encode(&buf, synthImage(uint64(i))); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "img"+string(rune('A'+i))+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// testProtocols returns the registered protocols less he-hamming, whose
// queries cost seconds (its cost is measured by the report itself).
func testProtocols() []psi.Protocol {
	var ps []psi.Protocol
	for _, p := range psi.All() {
		if _, img := p.(psi.ImageProtocol); p.Name() != "he-hamming" && p.Name() != "he-hamming-lsh" && !img {
			ps = append(ps, p)
		}
	}
	return ps
}

func jpegStep(q float64) []transform.Step {
	return []transform.Step{{Transform: "jpeg", Strength: q}}
}

// sameRender fails unless rendering back, a report read back from the
// results.json in files, under command gives the same report.md as files.
func sameRender(t *testing.T, back *Report, command string, files map[string][]byte) {
	t.Helper()
	again, err := back.Render(command)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again[MarkdownFile], files[MarkdownFile]) {
		t.Error("rendering the written results.json again gives a different report.md")
	}
}
