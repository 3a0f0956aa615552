package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/privmatch/privmatch/bench"
	"os"
	"path/filepath"
	"strings"

	"github.com/privmatch/privmatch/phash/transform"
)

// ReportFiles are the names of the files WriteFiles writes into the output
// folder, besides the plots.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	JSONFile     = "results.json"
)

// WriteFiles renders the plots and writes results.json, report.md,
// report.html and the SVG plots into dir, which it creates. It returns the
// paths written. Command is the command line to print for reproduction.
func (r *Report) WriteFiles(dir, command string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: report: %w", err)
	}
	figs := map[string]figure{}
	add := func(role, file, caption string, svg []byte, err error) error {
		if err != nil {
			return err
		}
		figs[role] = figure{file: file, svg: svg, caption: caption}
		r.Plots[role] = file
		return nil
	}
	for _, a := range r.Accuracy {
		svg, err := PlotHistogram(a.Collision)
		if err := add("histogram/"+a.Algorithm, "hist-"+a.Algorithm+".svg",
			fmt.Sprintf("%s: %s, against an ideal hash's binomial distribution", TitleHistogram, a.Algorithm), svg, err); err != nil {
			return nil, err
		}
	}
	svg, err := PlotROC(r.ROC)
	if err := add("roc", "roc.svg", TitleROC, svg, err); err != nil {
		return nil, err
	}
	svg, err = PlotRobustness(r.Robustness)
	if err := add("robustness", "robustness.svg", TitleRobustness+" (each algorithm at its own threshold)", svg, err); err != nil {
		return nil, err
	}
	if r.Feasibility != nil {
		svg, err = PlotCostTime(r.Feasibility)
		if err := add("cost-time", "cost-time.svg", TitleCostTime+" (medians, this machine, one goroutine)", svg, err); err != nil {
			return nil, err
		}
		svg, err = PlotCostBytes(r.Feasibility)
		if err := add("cost-bytes", "cost-bytes.svg", TitleCostBytes+" (setup once per device; traffic per query)", svg, err); err != nil {
			return nil, err
		}
	}
	var paths []string
	write := func(name string, b []byte) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("bench: report: %w", err)
		}
		paths = append(paths, p)
		return nil
	}
	for _, role := range sortedKeys(figs) {
		if err := write(figs[role].file, figs[role].svg); err != nil {
			return nil, err
		}
	}
	js, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, fmt.Errorf("bench: report: results.json: %w", err)
	}
	if err := write(JSONFile, append(js, '\n')); err != nil {
		return nil, err
	}
	d := r.document(figs, command)
	var md, ht bytes.Buffer
	if err := d.writeMarkdown(&md); err != nil {
		return nil, err
	}
	if err := d.writeHTML(&ht); err != nil {
		return nil, err
	}
	if err := write(MarkdownFile, md.Bytes()); err != nil {
		return nil, err
	}
	if err := write(HTMLFile, ht.Bytes()); err != nil {
		return nil, err
	}
	return paths, nil
}

// document builds the report's text.
func (r *Report) document(figs map[string]figure, command string) *document {
	o := r.Options
	d := &document{title: "privmatch feasibility report"}
	env := r.Environment
	d.p("Generated %s by `%s` at commit `%s` (%s). Machine: %s, %d cores (GOMAXPROCS %d), %s/%s, %s; load average at start: %s.",
		r.Generated, command, env.Commit, env.CommitSource, env.CPU, env.Cores, env.GOMAXPROCS, env.OS, env.Arch, env.GoVersion,
		orNA(env.LoadAverage))
	if o.Quick {
		d.p("**This is a --quick smoke run**: fewer images, edits, database sizes and queries. Its numbers show the pipeline works; do not quote them.")
	}
	d.p("Every number below is measured by this run unless marked as an assumption; assumptions are printed with their sources, and all numbers with their parameters are in `results.json`.")

	r.summary(d)
	r.feasibilitySection(d, figs)
	r.accuracySection(d, figs)
	r.resiliencySection(d, figs)
	r.integritySection(d)
	r.claimSection(d)
	r.limitsSection(d)
	return d
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

func (r *Report) summary(d *document) {
	o := r.Options
	d.h(1, "What was run")
	var sizes []string
	for _, n := range o.Feasibility.Sizes {
		sizes = append(sizes, sizeLabel(n))
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
		fmt.Sprintf("Corpus: `%s` (%s), %d items, %d hashed, %d distinct after removing %d exact and %d near duplicates (%s).",
			o.CorpusPath, r.Corpus.Source, r.Corpus.Items, r.Dedup.Items, r.Dedup.Distinct, r.Dedup.ExactRemoved, r.Dedup.NearRemoved, r.Dedup.Rule.Rationale),
		fmt.Sprintf("Perceptual hashes: %s.", strings.Join(o.Algorithms, ", ")),
		fmt.Sprintf("Robustness: %d edits (transform and strength) on %d images, seed %d.", steps, nrob, o.Robustness.Seed),
		fmt.Sprintf("Protocols: %s, each in process against synthetic databases of uniformly random 256-bit hashes (seed %d) of sizes %s, up to %d queries per size (alternately listed and not; a protocol stops after %.0f s of queries, but runs at least two).",
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

func (r *Report) feasibilitySection(d *document, figs map[string]figure) {
	o := r.Options
	d.h(1, "Technical feasibility: at scale and on low-end devices")
	d.p("Each registered protocol answered one hash at a time against a synthetic database. Client and server times are the median compute per query of each side on one goroutine of this machine, encoding and decoding included, read from the protocol transcripts; bytes are the messages' own encodings (no framing). \"Setup\" is what a device downloads and keeps once; \"client heap\" is the live memory the client holds between queries after setup (measured as heap growth after a garbage collection).")
	fr := r.Feasibility
	head := []string{"protocol", "database", "client / query", "server / query", "server prep (once)", "setup download (once)", "client heap", "up / query", "down / query", "rounds", "result to"}
	var rows [][]string
	var notes []string
	for _, p := range fr.Protocols {
		for _, pt := range p.Points {
			rows = append(rows, []string{p.Protocol, sizeLabel(pt.DBSize), fmtMS(pt.ClientMS), fmtMS(pt.ServerMS), fmtMS(pt.ServerPrepMS),
				fmtBytes(float64(pt.SetupBytes)), fmtBytes(float64(pt.ClientHeapBytes)), fmtBytes(float64(pt.UpBytes)),
				fmtBytes(float64(pt.DownBytes)), fmt.Sprint(pt.Rounds), pt.LearnedBy})
		}
		notes = append(notes, p.Skipped...)
		if p.Error != "" {
			notes = append(notes, fmt.Sprintf("%s failed: %s", p.Protocol, p.Error))
		}
	}
	d.table(head, rows)
	d.p("Every answer was checked against a plaintext look-up of the same hash (up to %d queries per row, see results.json for each row's count; all correct, or the row would not be here).", o.Feasibility.Queries)
	if len(notes) > 0 {
		d.list(notes...)
	}
	if f, ok := figs["cost-time"]; ok {
		d.fig(f)
	}
	if f, ok := figs["cost-bytes"]; ok {
		d.fig(f)
	}

	d.h(2, "Hashing the image on the device")
	var hr [][]string
	for _, h := range r.HashTiming {
		hr = append(hr, []string{h.Algorithm, fmtMS(h.MedianMS), fmtMS(h.PhoneMS), fmt.Sprint(h.Images)})
	}
	d.table([]string{"algorithm", "this machine (median, one core)", "slow phone (assumed)", "images timed"}, hr)
	d.p("Decoding the file is not included. Every protocol above needs this hash first.")
	r.encryptedHashSubsection(d)

	d.h(2, "On a slow phone and a slow link")
	dm := o.Device
	d.p("A low-end phone's core is taken to be %.3g times slower than one core of this machine (%s).", dm.PhoneSlowdown.Value, assumed(dm.PhoneSlowdown.Source))
	var lr []string
	for _, l := range dm.Links {
		lr = append(lr, fmt.Sprintf("**%s** (assumed): %.4g kbit/s down, %.4g kbit/s up, %.0f ms round trip. Source: %s.", l.Name, l.DownKbps, l.UpKbps, l.RTTMS, l.Source))
	}
	d.list(lr...)
	head = []string{"protocol", "database", "phone compute / query"}
	for _, l := range dm.Links {
		head = append(head, l.Name+" setup (once)", l.Name+" per query")
	}
	rows = nil
	for _, e := range r.Estimates {
		row := []string{e.Protocol, sizeLabel(e.DBSize), fmtMS(e.PhoneClientMS)}
		for _, le := range e.Links {
			row = append(row, fmtSeconds(le.SetupSeconds), fmtSeconds(le.QuerySeconds))
		}
		rows = append(rows, row)
	}
	d.table(head, rows)
	rows = nil
	for _, e := range r.Estimates {
		if e.ListSize == 0 {
			continue
		}
		row := []string{e.Protocol, fmtBytes(e.ListSetupBytes)}
		for _, le := range e.Links {
			row = append(row, fmtSeconds(le.ListSetupSeconds))
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		head = []string{"protocol", fmt.Sprintf("setup at %.0f entries (extrapolated)", o.ListSize.Value)}
		for _, l := range dm.Links {
			head = append(head, l.Name+" download")
		}
		d.p("Extrapolated to the assumed deployed list size, on the line through the two largest sizes measured (a projection, not a measurement):")
		d.table(head, rows)
	}
	d.p("Per query: the phone's compute, the server's compute as measured, the query's bytes at the link's rates and half a round trip per message flight. Setup: the download at the peak rate plus one round trip. Peak rates make these lower bounds. The database sizes are those run here; a deployed list is larger (the assumed list size below is %.0f entries), and setup downloads grow with it (see the bytes plot).", o.ListSize.Value)

	d.h(2, "Nondiscrimination")
	d.p("Who bears the cost: the setup download and the per-image compute fall on the device. A person on a slow link or an old phone pays the times in the table above for every image sent, or for the one-time list; protocols whose setup grows with the database exclude such users first.")
}

func (r *Report) accuracySection(d *document, figs map[string]figure) {
	o := r.Options
	d.h(1, "Accuracy: necessity and proportionality")
	d.p("False matches: the share of pairs of distinct images (after removing duplicates) whose hashes lie within the algorithm's match threshold, with an exact 95%% (Clopper-Pearson) interval, beside the rate an ideal hash of the same length would have (independent fair bits). Pairs share images, so the interval is sampling error only, not variation across corpora.")
	var rows [][]string
	for _, a := range r.Accuracy {
		c := a.Collision
		at := c.AtThreshold
		ci := fmt.Sprintf("[%s, %s]", fmtRate(at.CI.Low), fmtRate(at.CI.High))
		exact := "all pairs"
		if !c.Pairs.Exact {
			exact = fmt.Sprintf("sampled (seed %d)", c.Pairs.Seed)
		}
		rows = append(rows, []string{c.Algorithm, fmt.Sprintf("%d / %d bits", c.Threshold, c.Bits), fmt.Sprint(c.Images),
			fmt.Sprintf("%d of %d (%s)", at.Matches, at.Pairs, exact), fmtRate(at.Rate), ci, fmtRate(at.Ideal)})
		if g := c.QualityGate; g != nil && g.Dropped > 0 && g.Images >= 2 {
			gt := g.AtThreshold
			rows = append(rows, []string{fmt.Sprintf("%s, quality > %d only", c.Algorithm, g.MinQuality), fmt.Sprintf("%d / %d bits", c.Threshold, c.Bits),
				fmt.Sprintf("%d (%d dropped)", g.Images, g.Dropped), fmt.Sprintf("%d of %d", gt.Matches, gt.Pairs),
				fmtRate(gt.Rate), fmt.Sprintf("[%s, %s]", fmtRate(gt.CI.Low), fmtRate(gt.CI.High)), fmtRate(gt.Ideal)})
		}
	}
	d.table([]string{"algorithm", "threshold", "images", "matching pairs", "false-match rate", "95% interval", "ideal hash"}, rows)
	for _, a := range r.Accuracy {
		if g := a.Collision.QualityGate; g != nil {
			d.p("%s's reference discards hashes of quality %d or less (the image has too little structure for its hash to mean much). %d of the %d distinct images here fall at or below that floor; where any are, a row \"quality > %d only\" repeats the measurement without them. The account-level figures below use the ungated rate. A deployment that applies the floor never matches the dropped images at all, so the floor is also a way to evade it (flatten an image until its quality drops).",
				a.Algorithm, g.MinQuality, g.Dropped, g.Dropped+g.Images, g.MinQuality)
		}
	}
	var srcs []string
	for _, a := range r.Accuracy {
		srcs = append(srcs, fmt.Sprintf("%s threshold %d: %s", a.Algorithm, a.Collision.Threshold, a.Collision.ThresholdSource))
	}
	d.list(srcs...)
	for _, a := range r.Accuracy {
		if f, ok := figs["histogram/"+a.Algorithm]; ok {
			d.fig(f)
		}
	}

	d.h(2, "Account-level false flags")
	ad := bench.AccountDefaults
	d.p("An innocent image is falsely flagged if it matches any of N listed entries: p = 1-(1-r)^N from the pair rate r, with N = %.0f (%s). An account is flagged after k matches in a year of n images: P = P(Bin(n, p) >= k). Defaults and their sources:", o.ListSize.Value, assumed(o.ListSize.Source))
	d.list(
		fmt.Sprintf("n = %.0f images a year: %s", ad.ImagesPerYear.Value, ad.ImagesPerYear.Source),
		fmt.Sprintf("k = %.0f matches: %s", ad.Threshold.Value, ad.Threshold.Source),
		fmt.Sprintf("users = %.3g: %s", ad.Users.Value, ad.Users.Source),
		fmt.Sprintf("claimed rate = %.3g per account per year: %s", ad.ClaimedFlagRate.Value, ad.ClaimedFlagRate.Source),
	)
	rows = nil
	for _, a := range r.Accuracy {
		burst := ""
		for _, b := range a.Account.Bursts {
			if b.BurstSize == 10 {
				burst = fmtLog10(b.Log10FlagProbability, b.FlagProbability)
			}
		}
		rows = append(rows, []string{a.Algorithm,
			fmtRate(a.PerImageRate), fmtLog10(a.Account.Log10FlagProbability, a.Account.FlagProbability),
			fmtCount(a.Account.ExpectedFlagged), burst,
			fmtRate(a.PerImageRateHigh), fmtLog10(a.AccountHigh.Log10FlagProbability, a.AccountHigh.FlagProbability),
			fmtCount(a.AccountHigh.ExpectedFlagged)})
	}
	d.table([]string{"algorithm", "p per image", "P(account flagged)", "innocent accounts flagged / year", "same, bursts of 10 near-duplicates",
		"p (95% upper)", "P(flagged) (upper)", "flagged / year (upper)"}, rows)
	d.p("The point estimate uses the measured rate; where no pair matched it is 0, and only the upper end of the interval says anything. A small corpus gives a wide interval: the upper columns are what this corpus cannot rule out. The burst column keeps p but lets near-duplicate photos match together (see bench.AccountRisk).")

	d.h(2, "Share of flags that are true (PPV)")
	d.p("At a prevalence of %.3g (%s), with the recall measured over the edit suite:", o.Prevalence.Value, assumed(o.Prevalence.Source))
	rows = nil
	for _, a := range r.Accuracy {
		rows = append(rows, []string{a.Algorithm, fmtPct(a.Recall), fmtRate(a.PerImageRate), fmtRate(a.PPV.PPV), fmtRate(a.PerImageRateHigh), fmtRate(a.PPVHigh.PPV)})
	}
	d.table([]string{"algorithm", "recall (edit suite)", "p per image", "PPV", "p (95% upper)", "PPV (upper p)"}, rows)
	if f, ok := figs["roc"]; ok {
		d.fig(f)
	}
}

func (r *Report) resiliencySection(d *document, figs map[string]figure) {
	d.h(1, "Resiliency: edits, evasion and forced collisions")
	d.p("Recall: the share of edited copies whose hash stays within the algorithm's threshold of the original's. Each cell is matches/images for one edit at one strength.")
	algs := r.Options.Algorithms
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
	d.table(head, rows)
	if f, ok := figs["robustness"]; ok {
		d.fig(f)
	}
	d.h(2, "Adversarial results")
	a := r.Attack
	if a == nil {
		d.p("No attack was run (attack images set to 0 and no --attack-results given).")
		return
	}
	src := "run by this report"
	if a.Source != "run" {
		src = "read from `" + a.Source + "` (a `privmatch attack` run)"
	}
	what := "evasion: change a listed image until its hash leaves the threshold"
	if a.Kind == "collide" {
		what = "forced collision: change an innocent image until its hash falls within the threshold of a target"
	}
	d.p("%s-box %s (%s), on %s, %s; budget: PSNR at least %g dB, %d hasher calls per image%s.", a.Model, a.Kind, what, a.Algorithm, src,
		a.PSNRMin, a.Queries, map[bool]string{true: ", beating all eight dihedral hashes", false: ""}[a.Dihedral])
	d.p("**%d of %d images succeeded.**", a.Successes, a.Images)
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
	d.table([]string{"image", "success", "distance", "PSNR", "SSIM", "hasher calls", "time"}, rows2)
}

func (r *Report) integritySection(d *document) {
	d.h(1, "Integrity: what each party learns")
	d.p("Each protocol's leakage ledger, as the protocol states it (data in `results.json`). Properties listed as claimed are argued, not tested by this project.")
	if r.Feasibility != nil {
		for _, p := range r.Feasibility.Protocols {
			d.h(2, "%s", p.Protocol)
			d.code(p.Ledger.String())
		}
	}
	d.p("None of these protocols lets a device check that its list is the published one; a server can put any hash in the database it serves. Package `audit` covers published roots and inclusion proofs; its costs are measured below, but the protocol runs above do not use it.")
	r.integrityMeasured(d)
}

func (r *Report) claimSection(d *document) {
	c := r.Claim
	d.h(1, "The claim: \"around 20 million seconds\" per message")
	d.p("The assessment: %s.", c.Claim.Source)
	var rows [][]string
	for _, x := range c.Rows {
		rat := "n/a (0 measured)"
		if x.Ratio > 0 {
			rat = fmt.Sprintf("%.3g (10^%.1f)", x.Ratio, x.Log10Ratio)
		}
		he := "no"
		if x.Homomorphic {
			he = "yes"
		}
		rows = append(rows, []string{x.Protocol, he, sizeLabel(x.DBSize), fmtSeconds(x.MeasuredSeconds), fmtSeconds(x.PhoneSeconds), rat})
	}
	d.table([]string{"protocol", "homomorphic", "database", "measured per query", "with the slow phone", "claim / measured"}, rows)
	d.p("**Includes**: %s. **Excludes**: %s.", c.Includes, c.Excludes)
	r.encryptedHashClaim(d)
	anyHE := false
	for _, x := range c.Rows {
		anyHE = anyHE || x.Homomorphic
	}
	if !anyHE {
		d.p("No homomorphic protocol was in the protocol registry for this run, so no row above measures the kind of scheme the claim is about; the rows show what private membership costs without homomorphic encryption.")
	}
}

func (r *Report) limitsSection(d *document) {
	d.h(1, "What this report does not show")
	items := []string{
		fmt.Sprintf("The corpus has %d distinct images: false-match rates from it have wide intervals, and it is not a sample of what people send.", r.Dedup.Distinct),
		"The protocol databases are synthetic random hashes; cost depends on size, not content, for these protocols.",
		"Times come from one machine under whatever load other jobs put on it (load average above); the phone and link figures are projections from stated assumptions, not measurements on phones.",
		"Only protocols in the registry were run; a design measured elsewhere is not reported here.",
	}
	d.list(items...)
}

// assumed marks a source as an assumption in bold, once.
func assumed(src string) string {
	if rest, ok := strings.CutPrefix(src, "assumption"); ok {
		return "**assumption**" + rest
	}
	return "**assumption**: " + src
}
