package report

import (
	"fmt"
	"strings"

	"github.com/privmatch/privmatch/bench"
)

// IntegrityOptions controls the report's integrity measurements:
// threshold reporting (threshold-psi for one account) and the auditable
// database (package audit).
type IntegrityOptions struct {
	// Skip turns both off.
	Skip bool `json:"skip"`
	// Threshold is the threshold-psi run; a zero DBSize means the largest
	// feasibility size, a zero K threshold.Defaults.K (30) and a zero
	// SyntheticRate its rate (0.01).
	Threshold bench.ThresholdRunOptions `json:"threshold"`
	// AuditSizes are the audit database sizes; nil means the feasibility
	// sizes.
	AuditSizes []int `json:"audit_sizes"`
}

// IntegrityResult is what the integrity measurements found.
type IntegrityResult struct {
	Threshold         *bench.ThresholdRun      `json:"threshold"`
	ThresholdAnalysis *bench.ThresholdAnalysis `json:"threshold_analysis"`
	Audit             []bench.AuditPoint       `json:"audit"`
	Repurpose         *bench.RepurposeRun      `json:"repurpose"`
}

// runIntegrity runs the integrity measurements for a report whose
// accuracy and feasibility sections are done.
func runIntegrity(o *Options, r *Report, progress func(done, total int)) (*IntegrityResult, error) {
	opt := &o.Integrity
	sizes := o.Feasibility.Sizes
	if opt.Threshold.DBSize == 0 && len(sizes) > 0 {
		opt.Threshold.DBSize = sizes[len(sizes)-1]
	}
	if opt.Threshold.K == 0 {
		opt.Threshold.K = 30
	}
	if opt.Threshold.SyntheticRate == 0 {
		opt.Threshold.SyntheticRate = 0.01
	}
	if opt.Threshold.Seed == 0 {
		opt.Threshold.Seed = o.Feasibility.Seed
	}
	if opt.AuditSizes == nil {
		opt.AuditSizes = append([]int(nil), sizes...)
	}
	res := &IntegrityResult{}
	var err error
	if res.Threshold, err = bench.RunThreshold(opt.Threshold); err != nil {
		return nil, err
	}
	progress(1, 4)
	var pdq *bench.Accuracy
	for i := range r.Accuracy {
		if r.Accuracy[i].Algorithm == "pdq" {
			pdq = &r.Accuracy[i]
		}
	}
	if res.ThresholdAnalysis, err = bench.AnalyseThreshold(int64(opt.Threshold.K), opt.Threshold.SyntheticRate, pdq); err != nil {
		return nil, err
	}
	progress(2, 4)
	if res.Audit, err = bench.MeasureAudit(opt.AuditSizes, o.Feasibility.Seed, o.Device.PhoneSlowdown.Value); err != nil {
		return nil, err
	}
	progress(3, 4)
	if res.Repurpose, err = bench.RunRepurpose(o.Quick, o.Feasibility.Seed); err != nil {
		return nil, err
	}
	progress(4, 4)
	return res, nil
}

// integrityMeasured renders the threshold and audit subsections.
func (r *Report) integrityMeasured(d *document) {
	in := r.Integrity
	if in == nil {
		d.p("The threshold-reporting and auditable-database measurements were not run.")
		return
	}
	r.thresholdSubsection(d, in.Threshold, in.ThresholdAnalysis)
	if len(in.Audit) > 0 || in.Repurpose != nil {
		r.auditSubsection(d, in.Audit, in.Repurpose)
	}
}

func (r *Report) thresholdSubsection(d *document, t *bench.ThresholdRun, ta *bench.ThresholdAnalysis) {
	d.h(2, "Threshold reporting (threshold-psi)")
	if t != nil {
		r.thresholdRun(d, t)
	}
	r.thresholdModel(d, ta)
}

func (r *Report) thresholdRun(d *document, t *bench.ThresholdRun) {
	o := t.Options
	size := ""
	if fs := r.Options.Feasibility.Sizes; len(fs) > 0 && fs[len(fs)-1] > o.DBSize {
		size = fmt.Sprintf(" (below the report's largest size, %s: building the blinded table took %s per entry here, and the per-voucher costs do not depend on the table's size)",
			sizeLabel(fs[len(fs)-1]), fmtMS(t.ServerPrepMS/float64(o.DBSize)))
	}
	d.p("Apple's design reports an account only after about 30 matches, hiding each image's match bit below that with threshold secret sharing and synthetic vouchers. `threshold-psi` (package psi, outside the registry because the server learns no per-query bit) was run in process for one simulated account against a synthetic database of %s uniformly random 256-bit hashes%s (seed %d), policy k = %d, synthetic rate %g: %d vouchers for unlisted hashes (so about %.3g synthetic vouchers are expected to open), then vouchers for listed hashes until the server reconstructed the account's secret. Times are one goroutine of this machine.",
		sizeLabel(o.DBSize), size, o.Seed, o.K, o.SyntheticRate, t.UnlistedSent, float64(t.UnlistedSent)*o.SyntheticRate)
	opened := "no"
	if t.Reconstructed {
		opened = "yes"
	}
	d.table([]string{"measure", "value"}, [][]string{
		{"voucher size (every image, match or not)", fmt.Sprintf("%d B", t.VoucherBytes)},
		{"device time per voucher (median)", fmtMS(t.ClientMS)},
		{"server time per voucher, unlisted (median)", fmtMS(t.ServerUnlistedMS)},
		{"server time per voucher, listed (median, reconstruction attempts included)", fmtMS(t.ServerListedMS)},
		{"setup table download (once)", fmtBytes(float64(t.SetupBytes))},
		{"server table build (once)", fmtMS(t.ServerPrepMS)},
		{"listed vouchers sent until the account opened", fmt.Sprint(t.ListedSent)},
		{"account opened", opened},
		{"opened shares at reconstruction: genuine / synthetic", fmt.Sprintf("%d / %d (device's own count of synthetic vouchers: %d)", t.Genuine, t.Synthetic, t.DeviceSynthetic)},
		{"opened count the server saw before the last voucher (all it learns until the account opens)", fmt.Sprint(t.OpenedBelowK)},
		{"reconstruction (Berlekamp-Welch): attempts, total time", fmt.Sprintf("%d, %s (%s per attempt)", t.Attempts, fmtMS(t.DecodeMS), fmtMS(t.DecodePerTry))},
		{"payloads recovered (all listed, checked)", fmt.Sprint(t.Matches)},
	})
	d.p("**Known shortfall**: %s.", t.ShortfallNote)
}

func (r *Report) thresholdModel(d *document, ta *bench.ThresholdAnalysis) {
	if ta == nil {
		return
	}
	d.p("What the server learns below k: the opened count m = t + Bin(n - t, s) for t true matches among n uploads. The total-variation distance between m's distributions with 0 and with k-1 matches is the best advantage any test on m has in telling an account with nothing from one just below the threshold (1 = always tells, 0 = never); the server's mean absolute error estimating t (uniform on 0..k-1) from m, and how often its best guess is exact:")
	var rows [][]string
	for _, l := range ta.Leak {
		rows = append(rows, []string{fmt.Sprintf("%g", l.Synthetic), fmt.Sprint(l.Uploads), fmt.Sprint(l.K),
			fmt.Sprintf("%.3f", l.TV), fmt.Sprintf("%.2f", l.MeanAbsError), fmtPct(l.ExactGuess)})
	}
	d.table([]string{"synthetic rate s", "uploads n", "k", "TV(0 vs k-1 matches)", "mean abs. error of t", "exact guess"}, rows)
	if ta.MaxShared > 0 {
		d.p("Detection cost of the synthetic vouchers: chance that an account sharing t listed images (n = %d uploads a year, per-image recall %s: PDQ's pooled edit-suite recall from this run) is opened, at k genuine matches (threshold-psi's server, which tells genuine shares from synthetic ones) and, for comparison, by its earlier Berlekamp-Welch decoder (genuine - synthetic >= k):", ta.Uploads, fmtPct(ta.Recall))
		rows = nil
		for _, p := range ta.Detection {
			rows = append(rows, []string{fmt.Sprint(p.Shared), fmtRate(p.Exact), fmtRate(p.Robust)})
		}
		d.table([]string{"listed images shared", "P(opened), ideal", "P(opened), Berlekamp-Welch"}, rows)
		half := func(x int64) string {
			if x == 0 {
				return fmt.Sprintf("more than %d", ta.MaxShared)
			}
			return fmt.Sprint(x)
		}
		d.p("Listed images needed for an even chance of opening: %s ideally, %s with Berlekamp-Welch.", half(ta.Shared50Exact), half(ta.Shared50Robust))
	}
	if c := ta.Choice; c != nil {
		d.p("Threshold this corpus calls for: with the %s, p = %s per image, the smallest k with P(Bin(%d, p) >= k) <= %g (Apple's claimed rate) is **k = %d** (P = %s).",
			ta.RateSource, fmtRate(c.PerImageRate), c.ImagesPerYear, c.TargetRate, c.K, fmtRate(c.FlagRate))
	} else if ta.ChoiceError != "" {
		d.p("Threshold this corpus calls for (%s): %s.", ta.RateSource, ta.ChoiceError)
	}
}

func (r *Report) auditSubsection(d *document, pts []bench.AuditPoint, rp *bench.RepurposeRun) {
	d.h(2, "Auditable database (package audit)")
	if len(pts) > 0 {
		d.p("Two lists (append-only RFC 9162 logs) carry the same synthetic 256-bit hashes; the database is their 2-of-2 intersection, a Merkle tree over entries sorted by hash with their provenance, its head signed with ed25519. Inclusion: one entry in the database tree (largest of %d random entries); the entry proof adds its inclusion in both lists. Verify entry: Policy.VerifyEntry (three signatures and three inclusion checks). Consistency: list A from 90%% of its size (an update adding a tenth) to its full size. Full check: Policy.VerifyAll, the device recomputing the root over every entry and checking every entry's provenance. Times are one goroutine of this machine; the phone column applies the device model's slowdown.", pts[0].ProvedEntries)
		var rows [][]string
		for _, p := range pts {
			rows = append(rows, []string{sizeLabel(p.Size), fmtMS(p.BuildMS), fmt.Sprintf("%d B", p.SignedHeadBytes),
				fmt.Sprintf("%d B (%d hashes)", p.InclusionBytes, p.InclusionHashes), fmt.Sprintf("%d B", p.EntryProofBytes),
				fmtMS(p.VerifyInclusionUS / 1000), fmtMS(p.VerifyEntryUS / 1000),
				fmt.Sprintf("%d B (%d hashes)", p.ConsistencyBytes, p.ConsistencyHashes), fmtMS(p.VerifyConsistencyUS / 1000),
				fmtMS(p.FullVerifyMS), fmtMS(p.PhoneFullVerifyMS)})
		}
		d.table([]string{"entries", "build (sort + tree)", "signed head", "inclusion proof", "entry proof", "verify inclusion", "verify entry",
			"consistency proof", "verify consistency", "full check", "full check, slow phone"}, rows)
	}
	if rp != nil && rp.Result != nil {
		x := rp.Result
		c := x.Config
		d.p("Repurposed list (bench.Repurpose) on %s. Lists A and B both carry %d images of the target category; later A alone gains %d images of another category (a normal update of the period adds %d). %d innocent images are matched at distance <= %d.",
			rp.Data, c.Listed, c.Added, c.Background, c.Population, c.Threshold)
		yn := map[bool]string{true: "yes", false: "no"}
		d.table([]string{"signal or outcome", "value"}, [][]string{
			{"innocent images matched before the update", fmt.Sprint(x.MatchedBefore)},
			{"matched after, database = A alone", fmt.Sprintf("%d (of the other category: %d of %d)", x.MatchedSingle, x.MatchedOtherCategory, x.PopulationOther)},
			{"matched after, 2-of-2 intersection", fmt.Sprint(x.MatchedIntersection)},
			{"A's root changed", yn[x.RootChanged]},
			{"A's growth vs a normal update", fmt.Sprintf("%d vs %d", x.GrowthA, x.GrowthNormal)},
			{"A's consistency proof verifies", yn[x.ConsistencyOK] + " (appending is what an append-only log allows)"},
			{"single-list database: entries failing the two-list policy", fmt.Sprint(x.EntriesFailingTwoListPolicy)},
			{"intersection database: growth, root changed", fmt.Sprintf("%d, %s", x.IntersectionGrowth, yn[x.IntersectionRootChanged])},
		})
		d.p("%s", repurposeVerdict(x))
	}
}

// repurposeVerdict says which audit signal reveals the repurposing.
func repurposeVerdict(x *bench.RepurposeResult) string {
	var sig []string
	if x.EntriesFailingTwoListPolicy > 0 {
		sig = append(sig, fmt.Sprintf("the two-list policy (Policy.VerifyEntry rejects the %d entries only A vouches for)", x.EntriesFailingTwoListPolicy))
	}
	if x.GrowthA > 0 && x.GrowthNormal > 0 {
		sig = append(sig, fmt.Sprintf("A's growth (%.3gx a normal update), visible to anyone comparing A's signed heads", float64(x.GrowthA)/float64(x.GrowthNormal)))
	}
	s := "Which signal reveals it: "
	if len(sig) == 0 {
		s += "none of the audit signals."
	} else {
		s += strings.Join(sig, "; ") + "."
	}
	if x.ConsistencyOK {
		s += " The consistency proof does not: an append-only log permits additions, so the root changing is expected."
	}
	if x.IntersectionGrowth == 0 && x.MatchedIntersection == x.MatchedBefore {
		s += " Under the 2-of-2 intersection rule the additions never reach the scanned database."
	}
	return s
}
