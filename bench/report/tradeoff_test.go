package report

import (
	"strings"
	"testing"
)

// TestTradeoffRendered: the cost plots carry FLPSI's published point in
// their legend and captions, and the feasibility section states the recall
// each design gives up, with the exact protocols' figure computed from the
// fixture's PDQ robustness counts (8 of 51 copies kept their hash, 31 of
// 51 stayed within 31 bits) and he-hamming-lsh's cited.
func TestTradeoffRendered(t *testing.T) {
	r := fixture(t)
	lsh := r.Feasibility.Protocols[1]
	if lsh.Protocol != "he-hamming" {
		t.Fatalf("fixture's second protocol is %q", lsh.Protocol)
	}
	lsh.Protocol = "he-hamming-lsh"
	r.Feasibility.Protocols = append(r.Feasibility.Protocols, lsh)
	files, err := r.Render("x")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cost-time.svg", "cost-bytes.svg"} {
		if _, text := svgText(t, files[f]); !strings.Contains(text, "\nFLPSI, published (1 million rows)\n") {
			t.Errorf("%s: no FLPSI legend entry in:%s", f, text)
		}
	}
	md := string(files[MarkdownFile])
	sec := md[strings.Index(md, "# Technical feasibility"):]
	sec = sec[:strings.Index(sec, "## Hashing the image on the device")]
	for _, want := range []string{
		"The ringed cross is FLPSI's published online time per query at 1 million entries (Uzun et al.",
		"The ringed cross is FLPSI's published online traffic per query at 1 million entries",
		"client learns the result and matching is a set threshold over subsampled hash components",
		"| he-exact | exact equality of hashes | 45.1 percentage points: every edited copy at distance >= 1 |",
		"| oprf-psi | exact equality of hashes | 45.1 percentage points",
		"| he-hamming | within the Hamming threshold (the encrypted verdict is the plaintext rule's) | none: 60.8% of copies match, the plaintext rule's figure |",
		"On this run's robustness suite (pdq, 51 edited copies, every edit at every strength), 15.7% of the copies kept exactly the original's hash and 60.8% stayed within the threshold.",
		"| he-hamming-lsh | within the threshold and sharing a bucket with the query (bit-sampling LSH) | 0 pp on the bundled photos (627 edited pairs) and 0.05 pp on Fashion-MNIST",
		"not measured by this run",
		"| FLPSI (published) | a set threshold over subsampled hash components (client learns) |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("feasibility section lacks %q", want)
		}
	}

	delete(r.Robustness, "pdq")
	rows, note := r.recallGivenUp()
	if rows[0][2] != "every edited copy at distance >= 1 (not measured in this run)" || !strings.Contains(note, "no robustness results for pdq") {
		t.Errorf("without robustness results, he-exact's row reads %q, the note %q", rows[0][2], note)
	}
	r.Feasibility.Protocols = r.Feasibility.Protocols[len(r.Feasibility.Protocols)-1:]
	if rows, note := r.recallGivenUp(); len(rows) != 2 || note != "" {
		t.Errorf("he-hamming-lsh alone: %d rows, note %q; want its row, FLPSI's and no note", len(rows), note)
	}
}
