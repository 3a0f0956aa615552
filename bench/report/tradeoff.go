package report

import (
	"fmt"
	"image/color"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Published is a cost another design's authors report: a point to place
// beside the measured lines, never a measurement of this project.
type Published struct {
	// Name labels the point; Source cites where it was published.
	Name, Source string
	// Entries is the database size; OnlineMS the online time per query
	// and Bytes the online traffic per query.
	Entries  float64
	OnlineMS float64
	Bytes    float64
}

// FLPSI is FLPSI's published one-million-row point (Uzun et al., USENIX
// Security 2021): the client learns the result, and matching is a
// set threshold over subsampled hash components, run on the authors' LAN
// and hardware.
var FLPSI = Published{
	Name:     "FLPSI",
	Source:   "Uzun et al., USENIX Security 2021",
	Entries:  1e6,
	OnlineMS: 1500,
	Bytes:    40.8e6,
}

// addPublished marks pb at (pb.Entries, y) with a large black ring and
// cross, a shape no measured series uses, and labels it in the legend.
func addPublished(p *plot.Plot, pb Published, y float64) error {
	xy := plotter.XYs{{X: pb.Entries, Y: y}}
	var thumbs []plot.Thumbnailer
	for _, g := range []draw.GlyphDrawer{draw.RingGlyph{}, draw.CrossGlyph{}} {
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Shape: g, Radius: vg.Points(5.5)}
		p.Add(s)
		thumbs = append(thumbs, s)
	}
	p.Legend.Add(fmt.Sprintf("%s, published (%s rows)", pb.Name, millions(pb.Entries)), thumbs...)
	return nil
}

// lshRecallCited is he-hamming-lsh's recall loss as measured by
// bench.LSHRecall and recorded in the README; the report's default run
// does not recompute it, so it is cited with its command and date.
const lshRecallCited = "0 pp on the bundled photos (627 edited pairs) and 0.05 pp on Fashion-MNIST (11,400 pairs) at 2^20 entries, " +
	"0.32 and 0.39 pp at 2^24, against exact threshold matching, every edit of the robustness suite; " +
	"cited from the README section \"Sublinear similarity: he-hamming-lsh\" (`go test ./bench -run TestLSHRecallReport`, 2026-12-05), not measured by this run. " +
	"The per-table cut of an over-full bucket is not in these figures"

// pooledRecall returns, over every edit and strength of rob, the share of
// edited copies whose hash equals the original's and the share within the
// threshold, and the number of copies (0 when rob is nil or empty).
func pooledRecall(rob *bench.RobustnessResult) (equal, within float64, n int) {
	if rob == nil {
		return 0, 0, 0
	}
	var eq, in int64
	for _, s := range rob.Steps {
		n += s.Images
		in += int64(s.Matches)
		if len(s.Counts) > 0 {
			eq += s.Counts[0]
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return float64(eq) / float64(n), float64(in) / float64(n), n
}

// recallGivenUp returns one row per measured protocol (protocol, matching
// rule, recall given up against the plaintext threshold rule), then
// FLPSI's, and a note with the figures behind the rows (empty when no row
// uses them). Exact protocols lose every edited copy whose hash moved; the
// figure is this run's robustness suite for the hash the sweep used.
func (r *Report) recallGivenUp() (rows [][]string, note string) {
	alg := phash.PDQ.Name()
	eq, in, n := pooledRecall(r.Robustness[alg])
	exact, thresh := "every edited copy at distance >= 1 (not measured in this run)", "none"
	note = "This run has no robustness results for " + alg + ", so the exact protocols' loss is not measured here."
	if n > 0 {
		exact = fmt.Sprintf("%.1f percentage points: every edited copy at distance >= 1", 100*(in-eq))
		thresh = "none: " + fmtPct(in) + " of copies match, the plaintext rule's figure"
		note = fmt.Sprintf("On this run's robustness suite (%s, %s edited copies, every edit at every strength), %s of the copies kept exactly the original's hash "+
			"and %s stayed within the threshold.", alg, fmtInt(float64(n)), fmtPct(eq), fmtPct(in))
	}
	used := false
	for _, pf := range r.Feasibility.Protocols {
		th := 0
		for _, pt := range pf.Points {
			th = max(th, pt.Threshold)
		}
		switch {
		case pf.Protocol == "he-hamming-lsh":
			rows = append(rows, []string{pf.Protocol, "within the threshold and sharing a bucket with the query (bit-sampling LSH)", lshRecallCited})
		case th > 0 || pf.Protocol == "he-hamming":
			rows = append(rows, []string{pf.Protocol, "within the Hamming threshold (the encrypted verdict is the plaintext rule's)", thresh})
			used = true
		default:
			rows = append(rows, []string{pf.Protocol, "exact equality of hashes", exact})
			used = true
		}
	}
	if !used {
		note = ""
	}
	rows = append(rows, []string{FLPSI.Name + " (published)", "a set threshold over subsampled hash components (client learns)",
		"a different rule; its recall on this suite is not measured here"})
	return rows, note
}

// flpsiCaption is the sentence a cost plot's caption gives FLPSI's marker;
// what names the quantity plotted.
func flpsiCaption(what string) string {
	return fmt.Sprintf("The ringed cross is %s's published %s at %s entries (%s): a figure from its paper, on other hardware over a LAN, "+
		"in which the client learns the result and matching is a set threshold over subsampled hash components, not this project's Hamming threshold; it was not measured here.",
		FLPSI.Name, what, millions(FLPSI.Entries), FLPSI.Source)
}

// millions writes a count such as 1e6 as "1 million".
func millions(v float64) string { return fmt.Sprintf("%g million", v/1e6) }
