// Command privmatch-beam runs privmatch's corpus measurements as Apache
// Beam pipelines: on the in-process Prism runner by default, or on Flink,
// Spark or Dataflow with Beam's standard flags.
//
//	privmatch-beam hash --corpus testdata/photos --algo pdq,phash8 --out /tmp/h
//	privmatch-beam pairs --corpus fashion-mnist --algo pdq,phash8 --out /tmp/fm
//	privmatch-beam robustness --corpus testdata/photos --algo pdq --out /tmp/r
//	privmatch-beam all --corpus 'shards/*.tar' --algo pdq,phash8 --out /tmp/all
//
// pairs, robustness and all write OUT/results.json in the schema of
// privmatch report's results.json; hash writes sharded CSV or JSONL files
// and summary.json.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	benchreport "github.com/privmatch/privmatch/bench/report"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/scale"
)

const usage = `usage: privmatch-beam hash|pairs|robustness|all --corpus PATHS --algo LIST --out DIR [flags] [beam flags]
       privmatch-beam compare A/results.json B/results.json

  hash        hash every image; OUT/hashes-*.csv (path,algorithm,hash,quality,index,sha256,error) and OUT/summary.json
  pairs       exact all-pairs distance histogram (or a seeded sample above --max-exact-pairs)
              after duplicate removal, false-match rates with Clopper-Pearson intervals: OUT/results.json
  robustness  every transform at every strength on every distinct image, recall per algorithm and step: OUT/results.json
  all         pairs and robustness, with the report's accuracy and ROC figures: OUT/results.json
  compare     exit 0 when two results.json hold the same numbers bit for bit (times and dates aside)

example (in-process Prism runner):
  privmatch-beam pairs --corpus fashion-mnist --algo pdq,phash8 --out /tmp/fm

Beam's flags choose the runner: --runner prism (default), or --runner flink|spark|universal
--endpoint HOST:PORT --environment_type DOCKER|PROCESS|LOOPBACK, or --runner dataflow --project P
--region R --staging_location gs://... --temp_location gs://...; see the README.`

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// The pipeline flags are defined for every start of the binary, so that a
// worker started by a runner (with Beam's flags only) parses the same set.
var (
	corpus    = flag.String("corpus", "", `comma-separated folders, archives (WebDataset .tar shards), IDX or list files, globs, or "fashion-mnist"`)
	algo      = flag.String("algo", "pdq,phash8", `comma-separated algorithms, or "all" (`+strings.Join(phash.Names(), ", ")+`)`)
	out       = flag.String("out", "", "output folder (local path or gs://...)")
	format    = flag.String("format", "csv", "hash output: csv or jsonl")
	shards    = flag.Int("shards", 16, "hash output files")
	block     = flag.Int("block", scale.DefaultBlockSize, "hashes per side of a pair block (one unit of work)")
	seed      = flag.Uint64("seed", 1, "seed of the pair sampler and of the edits (privmatch report's default is 1 too)")
	maxImages = flag.Int("max-images", 0, "robustness: use only the first N distinct images (0: all)")
	single    = flag.Bool("single", false, "measure with bench's single-machine path instead of Beam (the reference; same results.json)")
	maxExact  countFlag
	samples   countFlag
)

func init() {
	flag.Var(&maxExact, "max-exact-pairs", "largest number of pairs counted exactly, such as 1e10; above it pairs are sampled (0: bench's default, 1e9)")
	flag.Var(&samples, "samples", "pairs sampled above --max-exact-pairs, such as 2e8 (0: bench's default)")
}

func run(args []string, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "compare" {
		return compare(args, stderr)
	}
	flag.CommandLine.Init("privmatch-beam", flag.ContinueOnError)
	flag.CommandLine.SetOutput(stderr)
	flag.CommandLine.Usage = func() { fmt.Fprintf(stderr, "%s\n(-help lists Beam's flags too)\n", usage) }
	// Each run starts from the defaults (run is called more than once in
	// tests).
	for _, name := range []string{"corpus", "algo", "out", "format", "shards", "block", "seed", "max-images", "single", "max-exact-pairs", "samples"} {
		f := flag.Lookup(name)
		f.Value.Set(f.DefValue)
	}
	if err := flag.CommandLine.Parse(args); err != nil {
		if err == flag.ErrHelp {
			flag.CommandLine.SetOutput(stderr)
			flag.CommandLine.PrintDefaults()
		}
		return 2
	}
	// A worker started by a runner never returns from Init.
	beam.Init()
	if cmd == "" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if cmd != "hash" && cmd != "pairs" && cmd != "robustness" && cmd != "all" {
		fmt.Fprintf(stderr, "privmatch-beam: unknown pipeline %q\n%s\n", cmd, usage)
		return 2
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(stderr, "privmatch-beam: unexpected arguments %q\n", flag.Args())
		return 2
	}
	if *corpus == "" || *out == "" {
		fmt.Fprintf(stderr, "privmatch-beam: --corpus and --out are required\n%s\n", usage)
		return 2
	}
	sources, err := scale.ExpandSources(strings.Split(*corpus, ","))
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
		return 2
	}
	for i, s := range sources {
		if s != scale.FashionMNIST {
			if sources[i], err = filepath.Abs(s); err != nil {
				fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
				return 2
			}
		}
	}
	algs := strings.Split(*algo, ",")
	if *algo == "all" {
		algs = phash.Names()
	}
	o := scale.Options{Sources: sources, Algorithms: algs, BlockSize: *block, Shards: *shards, Format: *format, Out: *out}
	o.Pairs.MaxExactPairs, o.Pairs.Samples, o.Pairs.Seed = int64(maxExact), int64(samples), *seed
	o.Robustness.Seed, o.Robustness.MaxImages = *seed, *maxImages

	m := map[string]scale.Measure{"pairs": {Pairs: true}, "robustness": {Robustness: true}, "all": {Pairs: true, Robustness: true}}[cmd]
	if *single {
		if cmd == "hash" {
			fmt.Fprintln(stderr, "privmatch-beam: --single is for pairs, robustness and all; privmatch hash is the single-machine hash command")
			return 2
		}
		return runSingle(o, m, stderr)
	}
	p, s := beam.NewPipelineWithRoot()
	switch cmd {
	case "hash":
		err = scale.HashPipeline(s, o)
	default:
		err = scale.ResultsPipeline(s, o, m)
	}
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
		return 2
	}
	ctx := context.Background()
	if err := beamx.Run(ctx, p); err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %s: %v\n", cmd, err)
		return 1
	}
	if cmd == "hash" {
		return reportSummary(ctx, *out, stderr)
	}
	fmt.Fprintf(stderr, "privmatch-beam: wrote %s/results.json\n", *out)
	return 0
}

// reportSummary prints the hash pipeline's summary and fails when any item
// failed.
func reportSummary(ctx context.Context, out string, stderr io.Writer) int {
	name := out + "/summary.json"
	fs, err := filesystem.New(ctx, name)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
		return 1
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, name)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: read summary: %v\n", err)
		return 1
	}
	defer r.Close()
	var sum scale.HashSummary
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&sum); err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: read summary: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "privmatch-beam: hashed %d items, %d failed\n", sum.Items, sum.Failed)
	for _, f := range sum.First {
		fmt.Fprintf(stderr, "  failed: %s\n", f)
	}
	if sum.Failed > 0 {
		return 1
	}
	return 0
}

// runSingle measures with bench's single-machine path and writes
// OUT/results.json (a local folder).
func runSingle(o scale.Options, m scale.Measure, stderr io.Writer) int {
	t0 := time.Now()
	r, err := scale.SingleMachine(context.Background(), o, m)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
		return 1
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = os.MkdirAll(o.Out, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(o.Out, "results.json"), append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "privmatch-beam: single machine: wrote %s/results.json in %.1f s\n", o.Out, time.Since(t0).Seconds())
	return 0
}

// compare reads two results.json files and says whether their numbers
// agree.
func compare(args []string, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: privmatch-beam compare A/results.json B/results.json")
		return 2
	}
	var rs [2]*benchreport.Report
	for k, p := range args {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch-beam: compare: %v\n", err)
			return 2
		}
		rs[k] = &benchreport.Report{}
		if err := json.Unmarshal(b, rs[k]); err != nil {
			fmt.Fprintf(stderr, "privmatch-beam: compare: %s: %v\n", p, err)
			return 2
		}
	}
	diff, err := scale.SameNumbers(rs[0], rs[1])
	if err != nil {
		fmt.Fprintf(stderr, "privmatch-beam: %v\n", err)
		return 2
	}
	if diff != "" {
		fmt.Fprintf(stderr, "privmatch-beam: compare: %s differs\n", diff)
		return 1
	}
	fmt.Fprintln(stderr, "privmatch-beam: compare: same numbers (corpus, dedup, accuracy, robustness, roc)")
	return 0
}

// countFlag is a non-negative count written as an integer or in exponent
// form (1e10), which must be a whole number below 2^63.
type countFlag int64

func (c *countFlag) String() string { return strconv.FormatInt(int64(*c), 10) }

func (c *countFlag) Set(s string) error {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && v >= 0 {
		*c = countFlag(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= math.MaxInt64 || f != math.Trunc(f) {
		return fmt.Errorf("want a whole number of pairs from 0 to 9.2e18, such as 1e10, not %q", s)
	}
	*c = countFlag(f)
	return nil
}
