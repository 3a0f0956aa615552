package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/attack"
)

func init() {
	register(command{
		name:    "attack",
		summary: "evade or force collisions on a perceptual hash (white- or black-box) and measure success and cost",
		run:     runAttack,
	})
}

// attackRecord is one image's line in results.json.
type attackRecord struct {
	Image          string  `json:"image"`
	Algorithm      string  `json:"algorithm"`
	Kind           string  `json:"kind"`
	Model          string  `json:"model"`
	Seed           uint64  `json:"seed"`
	Success        bool    `json:"success"`
	DistanceBefore int     `json:"distance_before"`
	DistanceAfter  int     `json:"distance_after"`
	Threshold      int     `json:"threshold"`
	Dihedral       *int    `json:"dihedral_distance,omitempty"`
	Target         string  `json:"target,omitempty"`
	TargetImage    string  `json:"target_image,omitempty"`
	Hash           string  `json:"hash_after"`
	PSNR           float64 `json:"psnr"`
	SSIM           float64 `json:"ssim"`
	L2             float64 `json:"l2"`
	LInf           float64 `json:"linf"`
	ModelPSNR      float64 `json:"model_psnr,omitempty"`
	Queries        int     `json:"queries"`
	Iterations     int     `json:"iterations"`
	Seconds        float64 `json:"seconds"`
	Perturbed      string  `json:"perturbed"`
	Strip          string  `json:"strip,omitempty"`
	// The second-hash defence: the other hasher's distance between the
	// perturbed image and the original (evade) or the target image
	// (collide), and whether it still matches at its threshold.
	Second          string `json:"second_algorithm,omitempty"`
	SecondDistance  *int   `json:"second_distance,omitempty"`
	SecondThreshold int    `json:"second_threshold,omitempty"`
	SecondMatches   *bool  `json:"second_matches,omitempty"`
	Error           string `json:"error,omitempty"`
}

// attackSummary is results.json: the run's parameters and the records.
type attackSummary struct {
	Kind      string         `json:"kind"`
	Algorithm string         `json:"algorithm"`
	Model     string         `json:"model"`
	Seed      uint64         `json:"seed"`
	PSNRMin   float64        `json:"psnr_min"`
	Queries   int            `json:"query_budget"`
	Threshold int            `json:"threshold"`
	Margin    int            `json:"margin"`
	Dihedral  bool           `json:"dihedral"`
	Images    int            `json:"images"`
	Successes int            `json:"successes"`
	Results   []attackRecord `json:"results"`
}

func runAttack(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("attack", "attack --kind evade|collide --algo ALGO --model white|black [flags] --out DIR PATHS...",
		`privmatch attack --kind evade --algo pdq --model white --psnr-min 40 --seed 1 --out /tmp/evade testdata/photos
privmatch attack --kind collide --algo phash8 --model black --queries 10000 --out /tmp/coll testdata/photos`, stderr)
	kind := fs.String("kind", "evade", "evade (push the hash beyond the threshold of the original) or collide (pull it within the threshold of a target)")
	algo := fs.String("algo", "pdq", "hasher ("+strings.Join(phash.Names(), ", ")+"); white-box: pdq*, ahash*, dhash*, phash*")
	model := fs.String("model", "white", "threat model: white (algorithm known) or black (hash queries only)")
	queries := fs.Int("queries", 0, fmt.Sprintf("hasher calls per image, verification included (0: %d white, %d black)", attack.DefaultWhiteBoxQueries, attack.DefaultBlackBoxQueries))
	target := fs.String("target", "", "collide: target hash in hex (default: the hash of the next image in sorted order, wrapping)")
	seed := fs.Uint64("seed", 1, "seed; image i uses seed+i")
	psnrMin := fs.Float64("psnr-min", attack.DefaultPSNRMin, "perturbation budget: minimum PSNR in dB over RGB samples")
	threshold := fs.Int("threshold", 0, "match threshold in bits (0: the hasher's own)")
	margin := fs.Int("margin", 0, "bits to aim past the threshold")
	dihedral := fs.Bool("dihedral", true, "PDQ evasion must also beat all eight dihedral hashes")
	decoder := decoderFlag(fs)
	second := fs.String("second", "", "defence: also report whether this second hasher still matches")
	strips := fs.Int("strips", 4, "example strips (original | perturbed | amplified difference) to write, first images first")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "images attacked in parallel")
	out := fs.String("out", "", "output folder (required): results.json, perturbed/, strips/")
	prog := fs.String("progress", "auto", "progress bar on stderr: auto, always, never")
	sweep := fs.String("psnr-sweep", "", "comma-separated PSNR budgets in dB (e.g. 30,35,40,45,50): run the attack at each instead of --psnr-min, writing DIR/psnr-B/ per budget B and one summary line each")
	if status, ok := parseFlags(fs, args); !ok {
		return status
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "privmatch attack: "+format+"\n", a...)
		return 2
	}
	h, err := hasherByName(*algo)
	if err != nil {
		return fail("%v", err)
	}
	k, m := attack.Kind(*kind), attack.Model(*model)
	if k != attack.Evade && k != attack.Collide {
		return fail("--kind must be evade or collide, not %q", *kind)
	}
	if m != attack.WhiteBox && m != attack.BlackBox {
		return fail("--model must be white or black, not %q", *model)
	}
	if *out == "" {
		return fail("--out is required")
	}
	if *workers < 1 || *queries < 0 || *threshold < 0 || *margin < 0 || *strips < 0 || !(*psnrMin > 0) {
		return fail("--workers must be positive; --queries, --threshold, --margin, --strips non-negative; --psnr-min positive")
	}
	mode, err := parseProgressMode(*prog)
	if err != nil {
		return fail("%v", err)
	}
	var h2 phash.Hasher
	if *second != "" {
		if h2, err = hasherByName(*second); err != nil {
			return fail("--second: %v", err)
		}
	}
	var tgt phash.Hash
	if *target != "" {
		if k != attack.Collide {
			return fail("--target applies to --kind collide only")
		}
		if tgt, err = phash.ParseHash(h.Kind(), h.Bits(), *target); err != nil {
			return fail("--target: %v", err)
		}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fail("no files or folders given")
	}
	files, walkErrs := collectImages(fs.Args())
	for _, e := range walkErrs {
		fmt.Fprintf(stderr, "privmatch attack: %v\n", e)
	}
	if len(files) == 0 {
		return fail("no images found")
	}
	if k == attack.Collide && *target == "" && len(files) < 2 {
		return fail("collide without --target needs at least two images (the target is the next image's hash)")
	}
	runAt := func(psnrMin *float64, out *string) int {
		for _, d := range []string{"perturbed", "strips"} {
			if err := os.MkdirAll(filepath.Join(*out, d), 0o755); err != nil {
				return fail("%v", err)
			}
		}
		dihedralOn := *dihedral && k == attack.Evade
		if _, isPDQ := h.(*phash.PDQHasher); !isPDQ {
			dihedralOn = false
		}
		recs := make([]attackRecord, len(files))
		// The bar counts query budgets, so that a long black-box image moves
		// it; an image that stops early jumps to its full share.
		budget := *queries
		if budget == 0 {
			budget = attack.DefaultWhiteBoxQueries
			if m == attack.BlackBox {
				budget = attack.DefaultBlackBoxQueries
			}
		}
		bar := newProgress(len(files)*budget, "attacking (queries)", stderr, mode)
		var mu sync.Mutex
		jobs := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < min(*workers, len(files)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					cfg := attack.Config{Kind: k, Model: m, Hasher: h, Target: tgt, Threshold: *threshold, Margin: *margin,
						PSNRMin: *psnrMin, Queries: *queries, Dihedral: dihedralOn, Seed: *seed + uint64(i)}
					shown := 0
					cfg.Progress = func(q int) {
						mu.Lock()
						bar.Add(min(q, budget) - shown)
						shown = min(q, budget)
						mu.Unlock()
					}
					r := attackOne(files, i, cfg, h2, *out, i < *strips, phash.LoadOptions{Decoder: *decoder})
					mu.Lock()
					recs[i] = r
					bar.Add(budget - shown)
					mu.Unlock()
				}
			}()
		}
		for i := range files {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		bar.Finish()

		sum := attackSummary{Kind: *kind, Algorithm: h.Name(), Model: *model, Seed: *seed, PSNRMin: *psnrMin,
			Queries: *queries, Threshold: *threshold, Margin: *margin, Dihedral: dihedralOn, Results: recs}
		if sum.Threshold == 0 {
			sum.Threshold = h.Threshold().Distance
		}
		failed := 0
		var queriesSum int
		var secs float64
		for _, r := range recs {
			if r.Error != "" {
				failed++
				fmt.Fprintf(stderr, "privmatch attack: %s: %s\n", r.Image, r.Error)
				continue
			}
			sum.Images++
			queriesSum += r.Queries
			secs += r.Seconds
			if r.Success {
				sum.Successes++
			}
		}
		buf, err := json.MarshalIndent(sum, "", " ")
		if err != nil {
			return fail("%v", err)
		}
		if err := os.WriteFile(filepath.Join(*out, "results.json"), append(buf, '\n'), 0o644); err != nil {
			return fail("%v", err)
		}
		if sum.Images > 0 {
			fmt.Fprintf(stdout, "%s %s %s-box: %d/%d succeeded (%.1f%%) at PSNR >= %g dB, threshold %d; mean %.0f queries, %.2f s per image%s\n",
				*kind, h.Name(), *model, sum.Successes, sum.Images, 100*float64(sum.Successes)/float64(sum.Images), *psnrMin,
				sum.Threshold, float64(queriesSum)/float64(sum.Images), secs/float64(sum.Images), attackNotes(recs, *psnrMin))
		}
		if failed > 0 || len(walkErrs) > 0 {
			fmt.Fprintf(stderr, "privmatch attack: %d images failed, %d paths unreadable\n", failed, len(walkErrs))
			return 1
		}
		return 0
	}
	if *sweep == "" {
		return runAt(psnrMin, out)
	}
	status := 0
	for _, f := range strings.Split(*sweep, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(p > 0) {
			return fail("--psnr-sweep: %q is not a positive PSNR", f)
		}
		dir := filepath.Join(*out, fmt.Sprintf("psnr-%g", p))
		status = max(status, runAt(&p, &dir))
	}
	return status
}

// attackOne attacks files[i] and writes its perturbed image and strip.
func attackOne(files []string, i int, cfg attack.Config, h2 phash.Hasher, out string, strip bool, load phash.LoadOptions) attackRecord {
	rec := attackRecord{Image: files[i], Algorithm: cfg.Hasher.Name(), Kind: string(cfg.Kind), Model: string(cfg.Model), Seed: cfg.Seed}
	bad := func(err error) attackRecord { rec.Error = err.Error(); return rec }
	img, err := loadImage(files[i], load)
	if err != nil {
		return bad(err)
	}
	var targetImg image.Image
	if cfg.Kind == attack.Collide && cfg.Target.IsZero() {
		j := (i + 1) % len(files)
		rec.TargetImage = files[j]
		if targetImg, err = loadImage(files[j], load); err != nil {
			return bad(fmt.Errorf("target image: %w", err))
		}
		if cfg.Target, err = cfg.Hasher.Hash(targetImg); err != nil {
			return bad(fmt.Errorf("target image: %w", err))
		}
	}
	if cfg.Kind == attack.Collide {
		rec.Target = cfg.Target.String()
	}
	res, err := attack.Run(img, cfg)
	if err != nil {
		return bad(err)
	}
	rec.Success, rec.DistanceBefore, rec.DistanceAfter, rec.Threshold = res.Success, res.DistanceBefore, res.DistanceAfter, res.Threshold
	if res.DihedralDistance >= 0 {
		d := res.DihedralDistance
		rec.Dihedral = &d
	}
	rec.Hash = res.Hash.String()
	rec.PSNR, rec.SSIM, rec.L2, rec.LInf = res.Quality.PSNR, res.Quality.SSIM, res.Quality.L2, res.Quality.LInf
	rec.Queries, rec.Iterations, rec.Seconds = res.Queries, res.Iterations, res.Seconds
	if !math.IsInf(res.ModelPSNR, 0) {
		rec.ModelPSNR = res.ModelPSNR
	}
	name := fmt.Sprintf("%03d-%s.png", i, strings.TrimSuffix(filepath.Base(files[i]), filepath.Ext(files[i])))
	rec.Perturbed = filepath.Join(out, "perturbed", name)
	if err := writePNG(rec.Perturbed, res.Perturbed); err != nil {
		return bad(err)
	}
	if strip {
		s, err := attack.Strip(img, res.Perturbed, 20)
		if err != nil {
			return bad(err)
		}
		rec.Strip = filepath.Join(out, "strips", name)
		if err := writePNG(rec.Strip, s); err != nil {
			return bad(err)
		}
	}
	if h2 != nil {
		ref := img
		if cfg.Kind == attack.Collide {
			ref = targetImg
		}
		if ref != nil {
			a, err1 := h2.Hash(ref)
			b, err2 := h2.Hash(res.Perturbed)
			if err1 != nil || err2 != nil {
				return bad(fmt.Errorf("second hash: %v %v", err1, err2))
			}
			d, _ := phash.Distance(a, b)
			match := d <= h2.Threshold().Distance
			rec.Second, rec.SecondDistance, rec.SecondThreshold, rec.SecondMatches = h2.Name(), &d, h2.Threshold().Distance, &match
		}
	}
	return rec
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// attackNotes returns the summary line's tail: the median PSNR of the
// successes and, for white-box runs, how many images the linear model's
// own optimum puts out of reach of the budget.
func attackNotes(recs []attackRecord, psnrMin float64) string {
	var ok []float64
	out := 0
	for _, r := range recs {
		if r.Error != "" {
			continue
		}
		if r.Success {
			ok = append(ok, r.PSNR)
		}
		if r.ModelPSNR != 0 && r.ModelPSNR < psnrMin {
			out++
		}
	}
	s := ""
	if len(ok) > 0 {
		slices.Sort(ok)
		med := ok[len(ok)/2]
		if len(ok)%2 == 0 {
			med = (ok[len(ok)/2-1] + ok[len(ok)/2]) / 2
		}
		s += fmt.Sprintf("; median PSNR of successes %.1f dB", med)
	}
	if out > 0 {
		s += fmt.Sprintf("; %d beyond the model's optimum", out)
	}
	return s
}
