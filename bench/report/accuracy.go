package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/privmatch/privmatch/bench"
)

func (r *Report) accuracySection(d *document, figs map[string]figure) {
	o := r.Options
	d.hID(1, idAccuracy, "Accuracy: necessity and proportionality")
	d.p("A false match is two unrelated images whose hashes are within the algorithm's match threshold. The rate is measured over pairs of distinct images of the corpus (after removing duplicates), with an exact 95%% interval; a list of N entries turns a pair rate r into a chance 1-(1-r)^N that an innocent image matches something, here with N = %s (%s).", fmtInt(o.ListSize.Value), assumed(o.ListSize.Source))
	var rows [][]string
	for _, a := range r.Accuracy {
		c := a.Collision
		at := c.AtThreshold
		verdict := fmt.Sprintf("innocent image matches: %s (up to %s)", fmtRate(a.PerImageRate), fmtRate(a.PerImageRateHigh))
		if !bounded(a) {
			verdict = "not bounded by this corpus: too few images"
		}
		rows = append(rows, []string{c.Algorithm, fmt.Sprintf("%s of %s", fmtInt(float64(at.Matches)), fmtInt(float64(at.Pairs))),
			fmt.Sprintf("%s [%s, %s]", fmtRate(at.Rate), fmtRate(at.CI.Low), fmtRate(at.CI.High)), fmtRate(at.Ideal), verdict})
	}
	d.table([]string{"algorithm", "matching pairs", "rate per pair [95% interval]", "ideal hash", "per image, list of N"}, rows)
	for _, a := range r.Accuracy {
		if !bounded(a) {
			d.p("**%s: this corpus cannot bound the false-flag rate.** %s distinct images give %s pairs; the most the data can rule out is a pair rate above %s, and against %s entries that still allows %s of innocent images to match. The account-level figures below are therefore not shown as results for %s. Run the report on a larger corpus to bound it.",
				a.Algorithm, fmtInt(float64(a.Collision.Images)), fmtInt(float64(a.Collision.AtThreshold.Pairs)), fmtRate(a.Collision.AtThreshold.CI.High), fmtInt(o.ListSize.Value), fmtPct(a.PerImageRateHigh), a.Algorithm)
		}
	}
	for _, a := range r.Accuracy {
		if f, ok := figs["histogram/"+a.Algorithm]; ok {
			d.fig(f)
		}
	}
	d.fold("Thresholds, quality gates and their sources")
	var srcs []string
	for _, a := range r.Accuracy {
		srcs = append(srcs, fmt.Sprintf("%s threshold %d of %d bits: %s", a.Algorithm, a.Collision.Threshold, a.Collision.Bits, a.Collision.ThresholdSource))
		if g := a.Collision.QualityGate; g != nil {
			gt := g.AtThreshold
			srcs = append(srcs, fmt.Sprintf("%s's reference discards hashes of quality %d or less; %d of the %d distinct images here fall at or below it. Without them: %d of %d pairs match, rate %s [%s, %s]. A deployment that applies the floor never matches those images, which is also a way to evade it.",
				a.Algorithm, g.MinQuality, g.Dropped, g.Dropped+g.Images, gt.Matches, gt.Pairs, fmtRate(gt.Rate), fmtRate(gt.CI.Low), fmtRate(gt.CI.High)))
		}
	}
	d.list(srcs...)
	d.unfold()

	d.h(2, "Account-level false flags")
	ad := bench.AccountDefaults
	d.p("An account is flagged after k = %.0f matches in a year of n = %s images (%s; %s); %s users (%s).", ad.Threshold.Value, fmtInt(ad.ImagesPerYear.Value),
		ad.Threshold.Source, ad.ImagesPerYear.Source, fmtInt(ad.Users.Value), ad.Users.Source)
	rows = nil
	for _, a := range r.Accuracy {
		if !bounded(a) {
			rows = append(rows, []string{a.Algorithm, "not bounded by this corpus", "", ""})
			continue
		}
		burst := ""
		for _, b := range a.Account.Bursts {
			if b.BurstSize == 10 {
				burst = fmtLog10(b.Log10FlagProbability, b.FlagProbability)
			}
		}
		rows = append(rows, []string{a.Algorithm,
			fmt.Sprintf("%s (up to %s)", fmtLog10(a.Account.Log10FlagProbability, a.Account.FlagProbability), fmtLog10(a.AccountHigh.Log10FlagProbability, a.AccountHigh.FlagProbability)),
			fmt.Sprintf("%s (up to %s)", fmtCount(a.Account.ExpectedFlagged), fmtCount(a.AccountHigh.ExpectedFlagged)), burst})
	}
	d.table([]string{"algorithm", "P(innocent account flagged in a year)", "innocent accounts flagged / year", "same P, bursts of 10 near-duplicates"}, rows)
	d.p("The first figure uses the measured rate (0 where no pair matched); \"up to\" uses the upper end of its interval, which is what the corpus cannot rule out. The burst column lets near-duplicate photos match together.")

	d.h(2, "Share of flags that are true (PPV)")
	d.p("At a prevalence of %.3g (%s), with the recall measured over the edit suite:", o.Prevalence.Value, assumed(o.Prevalence.Source))
	rows = nil
	for _, a := range r.Accuracy {
		ppv := fmt.Sprintf("%s (at least %s)", fmtRate(a.PPV.PPV), fmtRate(a.PPVHigh.PPV))
		if !bounded(a) {
			ppv = "not bounded by this corpus"
		}
		rows = append(rows, []string{a.Algorithm, fmtPct(a.Recall), ppv})
	}
	d.table([]string{"algorithm", "recall (edit suite)", "share of flags that are true"}, rows)
	if f, ok := figs["roc"]; ok {
		d.fig(f)
	}
	any := false
	for _, a := range r.Accuracy {
		any = any || !bounded(a)
	}
	if any {
		d.means("This corpus is too small to say how often innocent images would be flagged: its numbers neither show a problem nor rule one out. What it does show is how each hash's distances compare with an ideal hash (the histograms); the false-flag rate at a deployed list's scale needs a corpus of many thousands of images.")
	} else if len(r.Accuracy) > 0 {
		a := r.Accuracy[0]
		for _, x := range r.Accuracy {
			if x.Algorithm == "pdq" {
				a = x
			}
		}
		switch {
		case a.Account.FlagProbability >= 0.5:
			d.means("With the stated assumptions, the false-match rate %s shows on this corpus would flag most innocent accounts (%s a year): against a list of %s entries, its threshold does not separate unrelated images of this kind. A corpus is not what people send, but a rate this high on any real collection would rule the design out at this list size.",
				a.Algorithm, fmtCount(a.Account.ExpectedFlagged), fmtInt(o.ListSize.Value))
		case a.AccountHigh.ExpectedFlagged >= 1:
			d.means("With the stated assumptions, %s's rate on this corpus would flag about %s innocent accounts a year (up to %s). A corpus is not what people send: the rate on real photo streams, with their near-duplicates, may differ.",
				a.Algorithm, fmtCount(a.Account.ExpectedFlagged), fmtCount(a.AccountHigh.ExpectedFlagged))
		default:
			d.means("With the stated assumptions, %s's rate on this corpus would flag fewer than one innocent account a year, even at the upper end of its interval. A corpus is not what people send: the rate on real photo streams, with their near-duplicates, may differ.", a.Algorithm)
		}
	}
}

func (r *Report) resiliencySection(d *document, figs map[string]figure) {
	a := r.Attack
	title := "Resiliency: edits and evasion"
	if a != nil && a.Kind == "collide" {
		title = "Resiliency: edits, evasion and forced collisions"
	}
	d.hID(1, idResiliency, "%s", title)
	d.p("Recall: the share of edited copies of an image whose hash stays within the algorithm's threshold of the original's. A listed image that is cropped, recompressed or filtered and no longer matches is missed.")
	algs := r.Options.Algorithms
	var sum []string
	for _, alg := range algs {
		if m, n, ci, ok := r.pooledRecall(alg); ok {
			sum = append(sum, fmt.Sprintf("%s: %s of %d edited copies (95%% interval %s-%s)", alg, fmtPct(float64(m)/float64(n)), n, fmtPct(ci.Low), fmtPct(ci.High)))
		}
	}
	d.list(sum...)
	if f, ok := figs["robustness"]; ok {
		d.fig(f)
	}
	head := append([]string{"edit", "strength"}, algs...)
	var rows [][]string
	if len(algs) > 0 {
		if first := r.Robustness[algs[0]]; first != nil {
			for i, s := range first.Steps {
				row := []string{s.Step.Transform, fmt.Sprintf("%g", s.Step.Strength)}
				for _, a := range algs {
					st := r.Robustness[a].Steps[i]
					row = append(row, fmt.Sprintf("%s (%d/%d)", fmtPct(st.Recall), st.Matches, st.Images))
				}
				rows = append(rows, row)
			}
		}
	}
	d.fold(fmt.Sprintf("Table: recall for each of the %d edits", len(rows)))
	d.table(head, rows)
	d.unfold()
	r.decoderSubsection(d)
	d.h(2, "Deliberate attacks")
	if a == nil {
		d.p("No attack was run (attack images set to 0 and no --attack-results given).")
	} else {
		src := "run by this report"
		if a.Source != "run" {
			src = "read from `" + a.Source + "` (a `privmatch attack` run)"
		}
		what := "evasion: change a listed image until its hash leaves the threshold"
		if a.Kind == "collide" {
			what = "forced collision: change an innocent image until its hash falls within the threshold of a target"
		}
		d.p("%s-box %s (%s), on %s, %s; budget: PSNR at least %g dB, %d hasher calls per image%s. **%d of %d images succeeded.**", capitalise(a.Model), a.Kind, what, a.Algorithm, src,
			a.PSNRMin, a.Queries, map[bool]string{true: ", beating all eight dihedral hashes", false: ""}[a.Dihedral], a.Successes, a.Images)
		if a.Kind != "collide" {
			d.p("Forced collisions (making an innocent image match a listed one) were not run by this report; `privmatch attack --kind collide` measures them, and `--attack-results` brings its results here.")
		}
		var rows2 [][]string
		for _, x := range a.Records {
			if x.Error != "" {
				rows2 = append(rows2, []string{x.Image, "error: " + x.Error, "", "", "", "", ""})
				continue
			}
			rows2 = append(rows2, []string{x.Image, map[bool]string{true: "yes", false: "no"}[x.Success],
				fmt.Sprintf("%d -> %d (threshold %d)", x.DistanceBefore, x.DistanceAfter, x.Threshold),
				fmt.Sprintf("%.1f dB", float64(x.PSNR)), fmt.Sprintf("%.3f", x.SSIM), fmt.Sprint(x.Queries), fmtSeconds(x.Seconds)})
		}
		d.fold("Table: each attacked image")
		d.table([]string{"image", "success", "distance", "PSNR", "SSIM", "hasher calls", "time"}, rows2)
		d.unfold()
	}
	var worst []string
	if len(algs) > 0 && r.Robustness[algs[0]] != nil {
		steps := append([]bench.StepResult(nil), r.Robustness[algs[0]].Steps...)
		slices.SortStableFunc(steps, func(x, y bench.StepResult) int { return cmp.Compare(x.Recall, y.Recall) })
		for _, s := range steps[:min(3, len(steps))] {
			worst = append(worst, fmt.Sprintf("%s %g (%s)", s.Step.Transform, s.Step.Strength, fmtPct(s.Recall)))
		}
	}
	m := fmt.Sprintf("Everyday edits decide whether a listed image is still found; for %s the edits that broke most matches here were %s.", orNA(first(algs)), orNA(strings.Join(worst, ", ")))
	if a != nil && a.Images > 0 && 2*a.Successes < a.Images {
		m += fmt.Sprintf(" The deliberate attack succeeded on only %d of %d images within its budget.", a.Successes, a.Images)
	} else if a != nil && a.Images > 0 {
		m += fmt.Sprintf(" A deliberate attacker succeeded on %d of %d images with changes a viewer does not notice: a system built on this hash can be evaded by those who try, while its false flags fall on everyone.", a.Successes, a.Images)
	}
	d.means("%s", m)
}

// capitalise upper-cases s's first letter, to open a sentence.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
