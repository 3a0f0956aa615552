package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/bench/report"
	"github.com/privmatch/privmatch/phash/transform"
	"github.com/privmatch/privmatch/psi"
)

func init() {
	register(command{
		name:    "report",
		summary: "measure hashes and protocols and write a feasibility report (report.md, report.html, results.json, SVG plots)",
		run:     runReport,
	})
}

// defaultReportAlgos is the report's default subset: PDQ and the 64-bit
// imagehash family the attack literature uses (pdq and phash8 are also the
// duplicate rule's references).
const defaultReportAlgos = "pdq,phash8,dhash8,ahash8"

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", "report [flags]",
		`privmatch report                                   # default corpus, a few minutes on 2 cores, into ./report
privmatch report --quick --out /tmp/r               # smoke run, under a minute
privmatch report --from /tmp/r/results.json --out /tmp/r2  # render again, no measuring
privmatch report --corpus fashion-mnist --algo all --db-size 2^18 --out /tmp/fm`, stderr)
	corpusFlag := fs.String("corpus", bench.DefaultCorpusPath, `corpus: folder, list file, zip/tar archive, IDX3 file, or "fashion-mnist" (`+bench.FashionMNISTDir+`)`)
	algo := fs.String("algo", defaultReportAlgos, `comma-separated algorithms, or "all"`)
	protoList := fs.String("protocols", "all", `comma-separated protocols to measure, or "all" (`+strings.Join(psi.Names(), ", ")+`)`)
	dbSize := fs.String("db-size", "", "largest synthetic database size, a number or 2^k (default 2^20, 2^10 with --quick); sizes run are 2^12, 2^16 and so on (x16) up to it (2^8, 2^10 with --quick)")
	from := fs.String("from", "", "render the report from this results.json without measuring anything (other measuring flags are ignored)")
	out := fs.String("out", "report", "output folder")
	quick := fs.Bool("quick", false, "smoke run in under a minute: 3 images for robustness, one strength per edit, small databases, 1 attack")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines for hashing, robustness and attacks (protocols run on one)")
	attackResults := fs.String("attack-results", "", "results.json of a `privmatch attack` run to report instead of running attacks")
	attackImages := fs.Int("attack-images", -1, "images to attack (white-box PDQ evasion); -1: 3, or 1 with --quick; 0: none")
	queries := fs.Int("queries", 0, "queries per protocol and size (0: 16, or 4 with --quick)")
	slowdown := fs.Float64("phone-slowdown", bench.DefaultDeviceModel.PhoneSlowdown.Value, "assumed factor by which a low-end phone core is slower than one core here")
	listSize := fs.Float64("list-size", report.DefaultListSize.Value, "assumed deployed list size for the account model")
	prevalence := fs.Float64("prevalence", report.DefaultPrevalence.Value, "assumed share of scanned images that are listed, for PPV")
	robustImages := fs.Int("robustness-images", 200, "images of the corpus put through the edit suite (0: all)")
	cachePath := fs.String("cache", "", "hash cache file (none by default)")
	seed := fs.Uint64("seed", 1, "seed of the pair sampler, edits, synthetic databases and attacks")
	prog := fs.String("progress", "auto", "progress bars on stderr: auto, always, never")
	fhe := fs.Bool("fhe", false, "also compute one image's whole phash8 and its match against 2^10 hashes under encryption with bootstrapping (he-hash-match's engine) and compare it with the claim: about 7 minutes of one core and 10 GB more")
	fheHash := fs.String("fhe-hash", "phash8", "the hash --fhe computes: phash8, or pdq (256 bits: about 40 minutes of one core and 11 GB)")
	if status, ok := parseFlags(fs, args); !ok {
		return status
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "privmatch report: "+format+"\n", a...)
		return 2
	}
	if *fheHash != "phash8" && *fheHash != "pdq" {
		return fail("--fhe-hash %q: want phash8 or pdq", *fheHash)
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments %q (the corpus goes in --corpus)", fs.Args())
	}
	if *from != "" {
		return renderFrom(*from, *out, args, stdout, stderr)
	}
	mode, err := parseProgressMode(*prog)
	if err != nil {
		return fail("%v", err)
	}
	if *workers < 1 {
		return fail("--workers must be positive")
	}
	if !(*slowdown > 0) || !(*listSize >= 1) || !(*prevalence > 0 && *prevalence < 1) {
		return fail("--phone-slowdown must be positive, --list-size at least 1, --prevalence in (0,1)")
	}
	hashers, err := parseAlgos(*algo)
	if err != nil {
		return fail("--algo: %v", err)
	}
	protos, err := parseProtocols(*protoList)
	if err != nil {
		return fail("--protocols: %v", err)
	}
	maxSize := 1 << 20
	minSize := 1 << 12
	step := 16
	if *quick {
		maxSize, minSize, step = 1<<10, 1<<8, 4
	}
	if *dbSize != "" {
		if maxSize, err = parseSize(*dbSize); err != nil {
			return fail("--db-size: %v", err)
		}
	}
	sizes := reportSizes(minSize, maxSize, step)
	nq := *queries
	if nq == 0 {
		nq = 16
		if *quick {
			nq = 4
		}
	}
	if nq < 0 {
		return fail("--queries must not be negative")
	}

	corpusPath, c, err := openReportCorpus(*corpusFlag, *corpusFlag == bench.DefaultCorpusPath)
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()

	var cache *bench.Cache
	if *cachePath != "" {
		if cache, err = bench.OpenCache(*cachePath, func(msg string) { fmt.Fprintf(stderr, "privmatch report: cache: %s\n", msg) }); err != nil {
			return fail("%v", err)
		}
	}

	o := report.Options{
		Quick: *quick, Corpus: c, CorpusPath: corpusPath, Hashers: hashers, Protocols: protos,
		Feasibility: bench.FeasibilityOptions{Sizes: sizes, Queries: nq, Seed: *seed, MaxSeconds: 300, QuerySeconds: 20},
		Robustness:  bench.RobustnessOptions{Seed: *seed},
		Pairs:       bench.PairOptions{Seed: *seed},
		Attack:      bench.AttackOptions{Images: 3, Algorithm: "pdq", Seed: *seed},
		Device:      bench.DefaultDeviceModel,
		ListSize:    report.DefaultListSize, Prevalence: report.DefaultPrevalence,
		HashTimingImages: 5, Workers: *workers, Cache: cache,
		IsHomomorphic: func(p string) bool { return strings.HasPrefix(p, "he-") },
		FHE:           *fhe, FHEHash: *fheHash,
	}
	// threshold-psi for one account: at the largest size up to 2^14 (building
	// the blinded table grows with the size; per-voucher costs do not),
	// Apple's k = 30 or 5 with --quick.
	o.Integrity.Threshold = bench.ThresholdRunOptions{DBSize: min(maxSize, thresholdMaxSize), K: 30, SyntheticRate: 0.01, Seed: *seed}
	o.Device.Links = append([]bench.Link(nil), o.Device.Links...)
	if *slowdown != o.Device.PhoneSlowdown.Value {
		o.Device.PhoneSlowdown = bench.Param{Value: *slowdown, Source: "set with --phone-slowdown"}
	}
	if *listSize != o.ListSize.Value {
		o.ListSize = bench.Param{Value: *listSize, Source: "set with --list-size"}
	}
	if *prevalence != o.Prevalence.Value {
		o.Prevalence = bench.Param{Value: *prevalence, Source: "set with --prevalence"}
	}
	if *robustImages > 0 {
		o.Robustness.MaxImages = *robustImages
	}
	if *quick {
		o.Feasibility.QuerySeconds = 5
		o.Robustness.MaxImages = 3
		o.Robustness.Steps = quickSteps()
		o.Attack.Images = 1
		o.HashTimingImages = 2
		o.Attack.Queries = 10
		o.Integrity.Threshold.K = 5
		o.Integrity.Threshold.Unlisted = 100
	}
	if *attackImages >= 0 {
		o.Attack.Images = *attackImages
	}
	if *attackResults != "" {
		b, err := os.ReadFile(*attackResults)
		if err != nil {
			return fail("--attack-results: %v", err)
		}
		if _, err := bench.ParseAttackResults(b, *attackResults); err != nil {
			return fail("--attack-results: %v", err)
		}
		o.Attack.Results, o.Attack.ResultsFile = b, *attackResults
	}
	o.Stage = func(desc string, total int) (func(done, total int), func()) {
		fmt.Fprintf(stderr, "privmatch report: %s\n", desc)
		bar := newProgress(total, desc, stderr, mode)
		last := 0
		return func(done, _ int) {
				if done > last {
					bar.Add(done - last)
					last = done
				}
			}, func() {
				bar.Finish()
			}
	}

	t0 := time.Now()
	r, err := report.Build(context.Background(), o)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch report: %v\n", err)
		return 1
	}
	if cache != nil {
		if err := cache.Save(); err != nil {
			fmt.Fprintf(stderr, "privmatch report: cache: %v\n", err)
		}
	}
	paths, err := r.WriteFiles(*out, strings.TrimSpace("privmatch report "+strings.Join(args, " ")))
	if err != nil {
		fmt.Fprintf(stderr, "privmatch report: %v\n", err)
		return 1
	}
	printReportSummary(stdout, r, *out, len(paths), time.Since(t0))
	failed := 0
	for _, p := range r.Feasibility.Protocols {
		if p.Error != "" {
			fmt.Fprintf(stderr, "privmatch report: protocol %s failed: %s\n", p.Protocol, p.Error)
			failed++
		}
	}
	if len(r.Corpus.Failed) > 0 {
		fmt.Fprintf(stderr, "privmatch report: %d corpus items could not be hashed (listed in results.json)\n", len(r.Corpus.Failed))
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "privmatch report: %d protocols failed; the report lists them\n", failed)
		return 1
	}
	return 0
}

// renderFrom writes the report of an existing results.json into out.
func renderFrom(path, out string, args []string, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch report: --from: %v\n", err)
		return 2
	}
	r, err := report.Read(b)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch report: --from %s: %v\n", path, err)
		return 1
	}
	t0 := time.Now()
	paths, err := r.WriteFiles(out, strings.TrimSpace("privmatch report "+strings.Join(args, " ")))
	if err != nil {
		fmt.Fprintf(stderr, "privmatch report: %v\n", err)
		return 1
	}
	printReportSummary(stdout, r, out, len(paths), time.Since(t0))
	return 0
}

// printReportSummary writes the headline numbers to stdout.
func printReportSummary(w io.Writer, r *report.Report, out string, files int, took time.Duration) {
	fmt.Fprintf(w, "report: %d files in %s (%s, %s), %.1f s\n", files, out, report.MarkdownFile, report.HTMLFile, took.Seconds())
	fmt.Fprintf(w, "corpus: %d items, %d distinct\n", r.Corpus.Items, r.Dedup.Distinct)
	for _, a := range r.Accuracy {
		at := a.Collision.AtThreshold
		fmt.Fprintf(w, "false matches %-8s t=%-3d %d/%d pairs rate=%.3g [%.3g, %.3g] ideal=%.3g recall=%.3f\n",
			a.Algorithm, a.Collision.Threshold, at.Matches, at.Pairs, at.Rate, at.CI.Low, at.CI.High, at.Ideal, a.Recall)
	}
	if a := r.Attack; a != nil {
		fmt.Fprintf(w, "attack %s %s-box %s: %d/%d succeeded\n", a.Algorithm, a.Model, a.Kind, a.Successes, a.Images)
	}
	var protos []bench.ProtocolFeasibility
	if r.Feasibility != nil {
		protos = r.Feasibility.Protocols
	}
	for _, p := range protos {
		for _, pt := range p.Points {
			fmt.Fprintf(w, "protocol %-16s db=%-7d client_ms=%.3f server_ms=%.3f setup_bytes=%d up_bytes=%d down_bytes=%d\n",
				p.Protocol, pt.DBSize, pt.ClientMS, pt.ServerMS, pt.SetupBytes, pt.UpBytes, pt.DownBytes)
		}
	}
	if in := r.Integrity; in != nil && in.Threshold != nil {
		t := in.Threshold
		fmt.Fprintf(w, "threshold-psi db=%d k=%d s=%g: voucher_bytes=%d client_ms=%.3f server_ms=%.3f listed_sent=%d genuine=%d synthetic=%d decode_ms=%.3f\n",
			t.Options.DBSize, t.Options.K, t.Options.SyntheticRate, t.VoucherBytes, t.ClientMS, t.ServerUnlistedMS, t.ListedSent, t.Genuine, t.Synthetic, t.DecodeMS)
	}
	if in := r.Integrity; in != nil {
		for _, a := range in.Audit {
			fmt.Fprintf(w, "audit n=%d: build_ms=%.1f inclusion_bytes=%d entry_proof_bytes=%d verify_entry_us=%.0f full_verify_ms=%.1f\n",
				a.Size, a.BuildMS, a.InclusionBytes, a.EntryProofBytes, a.VerifyEntryUS, a.FullVerifyMS)
		}
	}
	for _, x := range r.EncryptedHash {
		fmt.Fprintf(w, "encrypted hash %s: client_ms=%.1f server_ms=%.1f up_bytes=%d down_bytes=%d distance=%d/%d\n",
			x.Algorithm, x.LumaMS+x.QueryMS+x.FinishMS, x.ServerMS, x.QueryBytes, x.AnswerBytes, x.Distance, x.Bits)
	}
	if r.EncryptedHashError != "" {
		fmt.Fprintf(w, "encrypted hash: not measured: %s\n", r.EncryptedHashError)
	}
	if x := r.FHE; x != nil {
		fmt.Fprintf(w, "whole hash and match under encryption db=%d: server_s=%.1f server_cpu_s=%.1f bootstraps=%d one_bootstrap_s=%.2f verdict_ok=%v\n",
			x.DBSize, x.ServerS, x.ServerCPUS, x.Bootstraps, x.OneBootstrapS, x.Correct)
	}
	if r.FHEError != "" {
		fmt.Fprintf(w, "whole hash and match under encryption: not measured: %s\n", r.FHEError)
	}
	for _, c := range r.Claim.Rows {
		if c.Ratio > 0 {
			fmt.Fprintf(w, "claim 2e7 s vs %s at db=%d: measured %.3g s per query, ratio %.3g\n", c.Protocol, c.DBSize, c.MeasuredSeconds, c.Ratio)
		}
	}
}

// thresholdMaxSize caps the threshold-psi run's database size.
const thresholdMaxSize = 1 << 14

// parseSize reads a database size written as a number or as 2^k.
func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	if e, ok := strings.CutPrefix(s, "2^"); ok {
		k, err := strconv.Atoi(e)
		if err != nil || k < 0 || k > 30 {
			return 0, fmt.Errorf("%q: exponent must be 0..30", s)
		}
		return 1 << k, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<30 {
		return 0, fmt.Errorf("%q: want a size from 1 to 2^30", s)
	}
	return n, nil
}

// reportSizes returns lo times powers of step below hi, and hi itself.
func reportSizes(lo, hi, step int) []int {
	if hi <= lo {
		return []int{hi}
	}
	var s []int
	for n := lo; n < hi; n *= step {
		s = append(s, n)
	}
	return append(s, hi)
}

// quickSteps is one strength per transform: the suite's middle one.
func quickSteps() []transform.Step {
	var s []transform.Step
	for _, t := range transform.All() {
		if len(t.Suite) > 0 {
			s = append(s, transform.Step{Transform: t.Name, Strength: t.Suite[len(t.Suite)/2]})
		}
	}
	return s
}

// openReportCorpus opens the corpus; the default path is also looked for
// from the repository root when the command runs elsewhere in the tree.
func openReportCorpus(p string, isDefault bool) (string, *bench.Corpus, error) {
	if p == "fashion-mnist" {
		if _, err := os.Stat(bench.FashionMNISTDir); err != nil {
			return p, nil, fmt.Errorf("--corpus fashion-mnist: %s not found; install Debian's dataset-fashion-mnist package or pass the IDX file", bench.FashionMNISTDir)
		}
		c, err := bench.FashionMNIST(bench.FashionMNISTDir)
		return bench.FashionMNISTDir, c, err
	}
	if _, err := os.Stat(p); err != nil && isDefault && !filepath.IsAbs(p) {
		if root, ok := repoRoot(); ok {
			p = filepath.Join(root, p)
		}
	}
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return p, nil, fmt.Errorf("--corpus %s: not found", p)
		}
		return p, nil, fmt.Errorf("--corpus: %w", err)
	}
	c, err := bench.Open(p)
	return p, c, err
}

// repoRoot walks up from the working directory to the folder holding
// go.mod.
func repoRoot() (string, bool) {
	d, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, true
		}
		up := filepath.Dir(d)
		if up == d {
			return "", false
		}
		d = up
	}
}

// parseProtocols turns "oprf-psi,he-exact" or "all" into registered
// protocols, in registry order.
func parseProtocols(list string) ([]psi.Protocol, error) {
	if strings.TrimSpace(list) == "all" {
		return psi.HashProtocols(), nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		p, err := psi.ByName(name)
		if err != nil {
			return nil, err
		}
		if _, img := p.(psi.ImageProtocol); img {
			return nil, fmt.Errorf("%s queries images, not hashes: its measured cost is the --fhe section", name)
		}
		want[name] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no protocol named in %q", list)
	}
	var ps []psi.Protocol
	for _, p := range psi.All() {
		if want[p.Name()] {
			ps = append(ps, p)
		}
	}
	return ps, nil
}
