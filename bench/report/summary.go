package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash/transform"
)

// Section anchors the summary links to.
const (
	idSummary     = "summary"
	idFeasibility = "feasibility"
	idDevices     = "devices"
	idAccuracy    = "accuracy"
	idResiliency  = "resiliency"
	idIntegrity   = "integrity"
	idClaim       = "claim"
	idRun         = "run"
)

// document builds the report's text: the summary first, then one section
// per question of the assessment, each ending with what it means, then how
// the run was made.
func (r *Report) document(figs map[string]figure, command string) *document {
	d := &document{title: "privmatch feasibility report"}
	r.executiveSummary(d)
	r.feasibilitySection(d, figs)
	r.accuracySection(d, figs)
	r.resiliencySection(d, figs)
	r.integritySection(d)
	r.claimSection(d)
	r.howRun(d, command)
	return d
}

// loaded says whether the machine had more runnable work than cores when
// the run started (load average over the core count), and the figure.
func (r *Report) loaded() (bool, string) {
	f := strings.Fields(r.Environment.LoadAverage)
	if len(f) == 0 {
		return false, ""
	}
	l, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return false, ""
	}
	return l > 0.75*float64(max(r.Environment.Cores, 1)), fmt.Sprintf("load average %s on %d cores", f[0], r.Environment.Cores)
}

// largest returns each protocol's point at its largest measured size.
func (r *Report) largest() []struct {
	proto string
	pt    bench.FeasibilityPoint
} {
	var out []struct {
		proto string
		pt    bench.FeasibilityPoint
	}
	if r.Feasibility == nil {
		return nil
	}
	for _, p := range r.Feasibility.Protocols {
		if len(p.Points) > 0 {
			out = append(out, struct {
				proto string
				pt    bench.FeasibilityPoint
			}{p.Protocol, p.Points[len(p.Points)-1]})
		}
	}
	return out
}

// spread writes a median with its min-max range over n queries.
func spread(mid, lo, hi float64, n int) string {
	if n < 2 || hi <= lo {
		return fmt.Sprintf("%s (%d query)", fmtMS(mid), n)
	}
	return fmt.Sprintf("%s (%s-%s over %d queries)", fmtMS(mid), fmtMS(lo), fmtMS(hi), n)
}

// bounded says whether the corpus bounds an algorithm's false-flag rate
// usefully: at least 10 matching pairs (the rate is measured, however
// high), or an interval whose upper end, against the deployed list, rules
// out that half of all innocent images match.
func bounded(a bench.Accuracy) bool {
	return a.Collision.AtThreshold.Matches >= 10 || a.PerImageRateHigh < 0.5
}

// pooledRecall is an algorithm's recall over every edit, with its exact
// 95% interval.
func (r *Report) pooledRecall(alg string) (matches, images int64, ci bench.Interval, ok bool) {
	rr := r.Robustness[alg]
	if rr == nil {
		return 0, 0, ci, false
	}
	for _, s := range rr.Steps {
		matches += int64(s.Matches)
		images += int64(s.Images)
	}
	if images == 0 {
		return 0, 0, ci, false
	}
	ci, err := bench.ClopperPearson(matches, images, bench.Confidence)
	return matches, images, ci, err == nil
}

func link(text, id string) string { return "[" + text + "](#" + id + ")" }

// executiveSummary is the first screen: one plain sentence per question,
// with its key number, its uncertainty and a link, then what the run can
// and cannot tell.
func (r *Report) executiveSummary(d *document) {
	o := r.Options
	d.hID(1, idSummary, "Summary")
	if o.Quick {
		d.p("**Smoke run (--quick)**: small databases, few images and queries. It shows the pipeline works; do not quote its numbers.")
	}
	var items []string

	// Feasibility at scale.
	if big := r.largest(); len(big) > 0 {
		var parts []string
		slowest, slowProto := 0.0, ""
		n := big[0].pt.DBSize
		for _, b := range big {
			n = max(n, b.pt.DBSize)
		}
		for _, b := range big {
			t := b.pt.ClientMS + b.pt.ServerMS
			part := fmt.Sprintf("%s %s", b.proto, fmtMS(t))
			if b.pt.DBSize != n {
				part += fmt.Sprintf(" (measured only up to %s)", fmtInt(float64(b.pt.DBSize)))
			}
			parts = append(parts, part)
			if t > slowest {
				slowest, slowProto = t, b.proto
			}
		}
		var sp string
		for _, b := range big {
			if b.proto == slowProto {
				sp = spread(b.pt.ServerMS, b.pt.ServerMinMS, b.pt.ServerMaxMS, b.pt.Queries)
			}
		}
		verdict := "Yes, in compute"
		if slowest > 3.6e6 {
			verdict = "Only slowly"
		}
		items = append(items, fmt.Sprintf("**Feasible at scale?** %s: checking one image against a list of %s entries took, per protocol, %s of computer time on one core here; the slowest, %s, took %s on the server, against the assessment's 20 million seconds. %s",
			verdict, fmtInt(float64(n)), strings.Join(parts, ", "), slowProto, sp, link("Details", idFeasibility)))
	} else {
		items = append(items, "**Feasible at scale?** Not measured: no protocol ran.")
	}

	// Low-end devices.
	if len(r.Estimates) > 0 && len(o.Device.Links) > 0 {
		var wq, ws struct {
			s           float64
			proto, link string
			db          int
		}
		for _, e := range r.Estimates {
			for _, l := range e.Links {
				if l.QuerySeconds > wq.s {
					wq.s, wq.proto, wq.link, wq.db = l.QuerySeconds, e.Protocol, l.Link, e.DBSize
				}
				if l.SetupSeconds > ws.s {
					ws.s, ws.proto, ws.link, ws.db = l.SetupSeconds, e.Protocol, l.Link, e.DBSize
				}
			}
		}
		items = append(items, fmt.Sprintf("**On a low-end phone and a slow link?** Projected for a phone %.3g times slower than this machine: each image costs at most %s (%s on %s), and the heaviest one-time setup download takes %s (%s on %s, list of %s). These are projections from stated assumptions, not phone measurements. %s",
			o.Device.PhoneSlowdown.Value, fmtSeconds(wq.s), wq.proto, wq.link, fmtSeconds(ws.s), ws.proto, ws.link, fmtInt(float64(ws.db)), link("Details", idDevices)))
	}

	// Accuracy.
	for _, a := range r.Accuracy {
		if a.Algorithm != "pdq" && len(r.Accuracy) > 1 {
			continue
		}
		at := a.Collision.AtThreshold
		if bounded(a) {
			items = append(items, fmt.Sprintf("**Accuracy and false flags?** %s matched %s of %s pairs of unrelated images (rate %s per pair, 95%% interval up to %s), so an innocent image would match a %s-entry list with probability %s (up to %s), and up to %s innocent accounts a year would be flagged. %s",
				a.Algorithm, fmtInt(float64(at.Matches)), fmtInt(float64(at.Pairs)), fmtRate(at.Rate), fmtRate(at.CI.High), fmtInt(o.ListSize.Value), fmtRate(a.PerImageRate), fmtRate(a.PerImageRateHigh), fmtCount(a.AccountHigh.ExpectedFlagged), link("Details", idAccuracy)))
		} else {
			items = append(items, fmt.Sprintf("**Accuracy and false flags?** This corpus cannot say: with %s distinct images (%s pairs), %s's false-match rate is only known to be below %s per pair, and against a list of %s entries that allows up to %s of innocent images to be flagged. A corpus of many thousands of images is needed. %s",
				fmtInt(float64(r.Dedup.Distinct)), fmtInt(float64(at.Pairs)), a.Algorithm, fmtRate(at.CI.High), fmtInt(o.ListSize.Value), fmtPct(a.PerImageRateHigh), link("Details", idAccuracy)))
		}
		break
	}

	// Resiliency.
	var res []string
	for _, alg := range o.Algorithms {
		if m, n, ci, ok := r.pooledRecall(alg); ok {
			res = append(res, fmt.Sprintf("%s %s (95%% interval %s-%s, %d edited copies)", alg, fmtPct(float64(m)/float64(n)), fmtPct(ci.Low), fmtPct(ci.High), n))
		}
		if len(res) == 2 {
			break
		}
	}
	if len(res) > 0 {
		s := fmt.Sprintf("**Resilient to edits and attacks?** Everyday edits often break a match: the share of edited copies still recognised was %s.", strings.Join(res, ", "))
		if a := r.Attack; a != nil && a.Images > 0 {
			s += fmt.Sprintf(" A deliberate %s-box attacker made %s miss %d of %d listed images with changes too small to see (PSNR at least %g dB).", a.Model, a.Algorithm, a.Successes, a.Images, a.PSNRMin)
		}
		s += r.summaryDrift()
		items = append(items, s+" "+link("Details", idResiliency))
	}

	// Integrity.
	s := "**Integrity of the list and scope creep?** None of the measured protocols lets a phone check which list it is matched against: the server can add any image, and the phone cannot tell."
	if in := r.Integrity; in != nil && len(in.Audit) > 0 {
		a := in.Audit[len(in.Audit)-1]
		s += fmt.Sprintf(" A published, auditable list (package audit) would let it: checking one entry took %s and checking the whole %s-entry list %s here.", fmtMS(a.VerifyEntryUS/1e3), fmtInt(float64(a.Size)), fmtMS(a.FullVerifyMS))
	}
	s += " Such a check shows every phone got the same published list, not that the list holds only what it should."
	items = append(items, s+" "+link("Details", idIntegrity))
	d.list(items...)

	// What this run can and cannot tell you.
	var maxDB int
	if r.Feasibility != nil {
		for _, n := range r.Feasibility.Options.Sizes {
			maxDB = max(maxDB, n)
		}
	}
	busy, load := r.loaded()
	machine := fmt.Sprintf("one machine (%s, %d cores)", orNA(r.Environment.CPU), r.Environment.Cores)
	if busy {
		machine += fmt.Sprintf(", **loaded** at the start (%s): times may be slower than on a quiet machine", load)
	} else if load != "" {
		machine += fmt.Sprintf(", quiet at the start (%s)", load)
	}
	d.p("**What this run can and cannot tell you.** It measured %d distinct images (%s), synthetic lists of up to %s entries (sizes beyond are extrapolated and marked), and %s. It can tell you how cost grows with list size and how each hash behaves on these images; it cannot tell you false-flag rates smaller than the corpus can resolve, how real phones perform, or what a deployed list contains. %s",
		r.Dedup.Distinct, orNA(o.CorpusPath), fmtInt(float64(maxDB)), machine, link("How this run was made", idRun))
}

// howRun closes the report: what was run and on what, folded.
func (r *Report) howRun(d *document, command string) {
	o := r.Options
	env := r.Environment
	d.hID(1, idRun, "How this run was made")
	d.p("Generated %s by `%s` at commit `%s` (%s). Every number is measured by this run unless marked as an assumption; all numbers and their parameters are in `results.json`, from which `privmatch report --from results.json` renders this report again.",
		r.Generated, command, orNA(env.Commit), orNA(env.CommitSource))
	d.fold("Run parameters and machine")
	var sizes []string
	if r.Feasibility != nil {
		for _, n := range r.Feasibility.Options.Sizes {
			sizes = append(sizes, sizeLabel(n))
		}
	}
	steps := len(o.Robustness.Steps)
	if steps == 0 {
		steps = len(transform.Suite())
	}
	nrob := r.Dedup.Distinct
	if o.Robustness.MaxImages > 0 {
		nrob = min(nrob, o.Robustness.MaxImages)
	}
	items := []string{
		fmt.Sprintf("Machine: %s, %d cores (GOMAXPROCS %d), %s/%s, %s; load average at start: %s.",
			orNA(env.CPU), env.Cores, env.GOMAXPROCS, env.OS, env.Arch, env.GoVersion, orNA(env.LoadAverage)),
		fmt.Sprintf("Corpus: `%s` (%s), %d items, %d hashed, %d distinct after removing %d exact and %d near duplicates (%s).",
			o.CorpusPath, r.Corpus.Source, r.Corpus.Items, r.Dedup.Items, r.Dedup.Distinct, r.Dedup.ExactRemoved, r.Dedup.NearRemoved, r.Dedup.Rule.Rationale),
		fmt.Sprintf("Perceptual hashes: %s.", strings.Join(o.Algorithms, ", ")),
		fmt.Sprintf("Robustness: %d edits (transform and strength) on %d images, seed %d.", steps, nrob, o.Robustness.Seed),
		fmt.Sprintf("Protocols: %s, each in process against synthetic databases of uniformly random 256-bit hashes (seed %d) of sizes %s, up to %d queries per size (alternately listed and not; after %.0f s of queries no further query starts, but at least two run).",
			protocolNames(r), o.Feasibility.Seed, strings.Join(sizes, ", "), o.Feasibility.Queries, o.Feasibility.QuerySeconds),
	}
	if a := r.Attack; a != nil {
		src := "run here"
		if a.Source != "run" {
			src = "read from " + a.Source
		}
		items = append(items, fmt.Sprintf("Attacks: %s-box %s on %s, %d images, %s.", a.Model, a.Kind, a.Algorithm, a.Images, src))
	}
	var st []string
	for _, k := range sortedKeys(r.StageSeconds) {
		st = append(st, fmt.Sprintf("%s %s", k, fmtSeconds(r.StageSeconds[k])))
	}
	items = append(items, "Stage times: "+strings.Join(st, ", ")+".")
	d.list(items...)
	d.unfold()
	d.h(2, "What this report does not show")
	d.list(
		fmt.Sprintf("The corpus has %d distinct images: false-match rates from it have wide intervals, and it is not a sample of what people send.", r.Dedup.Distinct),
		"The protocol databases are synthetic random hashes; cost depends on size, not content, for these protocols.",
		"Times come from one machine under whatever load other jobs put on it; the phone and link figures are projections from stated assumptions, not measurements on phones.",
		"Only protocols in the registry were run; a design measured elsewhere is not reported here.",
	)
}

func protocolNames(r *Report) string {
	if r.Feasibility == nil {
		return "none"
	}
	var ns []string
	for _, p := range r.Feasibility.Protocols {
		ns = append(ns, "`"+p.Protocol+"`")
	}
	return strings.Join(ns, ", ")
}
