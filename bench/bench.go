// Package bench measures perceptual hashes the way a scanning deployment
// would meet them: false matches between unrelated images, recall after
// everyday edits, and what per-image error rates mean for accounts and
// people.
//
// Start here:
//
//	c, err := bench.Open("testdata/photos")             // folder, list, tar, zip or IDX
//	hs, err := bench.HashCorpus(ctx, c, phash.All(), bench.HashOptions{Cache: cache})
//	dd := bench.Dedup(hs, bench.DefaultDedupRule)      // exact and near duplicates
//	col, err := bench.Collisions(ctx, hs, "pdq", dd, bench.PairOptions{})
//	rob, err := bench.Robustness(ctx, c, hs, dd, bench.RobustnessOptions{})
//	roc := bench.ROC(col, rob["pdq"])
//	acct, err := bench.AccountRisk(bench.DefaultAccountParams(col.AtThreshold.Rate))
//
// Every result struct is JSON-serialisable and carries the parameters that
// produced it, so a report can be regenerated from results.json alone.
// Rates come with exact (Clopper-Pearson) 95% intervals; binomial tails
// are summed exactly in log space. Nothing is hidden in constants: the
// defaults of the account model, with their sources, are data
// (AccountDefaults).
//
// What a pair rate means: pairs of images share images, so they are not
// independent trials. The Clopper-Pearson interval on a pair rate treats
// them as if they were; it is the sampling error of the pair sample (exact
// when pairs were sampled uniformly), not a bound on how the rate would
// vary across corpora.
//
// Measurements and rendering are apart: this package measures, one file
// per measurement (collision.go, robustness.go, account.go, feasibility.go,
// integrity_audit.go, threshold.go, encrypted_hash.go, attack.go, ...);
// package bench/report turns the results into results.json, report.md,
// report.html and plots; bench/benchtest holds helpers shared by the tests.
package bench

import "github.com/privmatch/privmatch/phash"

// hashCodeVersion versions privmatch's hash implementations for the hash
// cache: a cached hash is used only when its entry carries this version. It
// is phash.CodeVersion, which phash bumps whenever a hasher's output changes.
const hashCodeVersion = phash.CodeVersion

// Confidence is the coverage of every interval the package reports.
const Confidence = 0.95
