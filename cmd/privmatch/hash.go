package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/privmatch/privmatch/phash"
)

func init() {
	register(command{
		name:    "hash",
		summary: "hash image files and folders with reference-exact perceptual hashes",
		run:     runHash,
	})
}

// hashRow is one output row: one file under one algorithm.
type hashRow struct {
	Path      string `json:"path"`
	Algorithm string `json:"algorithm"`
	Hash      string `json:"hash"`
	Quality   *int   `json:"quality"`
}

func runHash(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("hash", "hash [--algo LIST] [--format csv|jsonl] [--workers N] PATHS...",
		`privmatch hash --algo pdq,phash8 testdata/photos > hashes.csv`, stderr)
	algo := fs.String("algo", "pdq", `comma-separated algorithms, or "all" (`+strings.Join(phash.Names(), ", ")+`)`)
	format := fs.String("format", "csv", "output format: csv (header path,algorithm,hash,quality) or jsonl")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "files hashed in parallel")
	orient := fs.Bool("orient", false, "apply EXIF orientation before hashing (the references do not)")
	decoder := decoderFlag(fs)
	prog := fs.String("progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always, never")
	if status, ok := parseFlags(fs, args); !ok {
		return status
	}
	hashers, err := parseAlgos(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch hash: %v\n", err)
		return 2
	}
	if *format != "csv" && *format != "jsonl" {
		fmt.Fprintf(stderr, "privmatch hash: --format must be csv or jsonl, not %q\n", *format)
		return 2
	}
	if *workers < 1 {
		fmt.Fprintf(stderr, "privmatch hash: --workers must be at least 1\n")
		return 2
	}
	mode, err := parseProgressMode(*prog)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch hash: %v\n", err)
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "privmatch hash: no files or folders given")
		fs.Usage()
		return 2
	}
	files, walkErrs := collectImages(fs.Args())
	for _, e := range walkErrs {
		fmt.Fprintf(stderr, "privmatch hash: cannot read %s\n", userError(e))
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "privmatch hash: no images found in %s\n", strings.Join(fs.Args(), " "))
		return 1
	}

	out := newRowWriter(stdout, *format)
	bar := newProgress(len(files), "hashing", stderr, mode)
	failed := 0
	hashFiles(files, hashers, phash.LoadOptions{ApplyOrientation: *orient, Decoder: *decoder}, *workers, func(r fileHashes) {
		bar.Add(1)
		if r.err != nil {
			failed++
			fmt.Fprintf(stderr, "privmatch hash: skipped %s\n", userError(r.err))
			return
		}
		for _, row := range r.rows {
			out.write(row)
		}
	})
	bar.Finish()
	if err := out.flush(); err != nil {
		fmt.Fprintf(stderr, "privmatch hash: write output: %v\n", err)
		return 1
	}
	if failed > 0 || len(walkErrs) > 0 {
		fmt.Fprintf(stderr, "privmatch hash: %d of %d images could not be hashed, %d paths could not be read\n", failed, len(files), len(walkErrs))
		return 1
	}
	return 0
}

// parseAlgos turns "pdq,phash8" or "all" into hashers.
func parseAlgos(list string) ([]phash.Hasher, error) {
	if strings.TrimSpace(list) == "all" {
		return phash.All(), nil
	}
	var hs []phash.Hasher
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		h, err := hasherByName(name)
		if err != nil {
			return nil, err
		}
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("no algorithm named in --algo %q", list)
	}
	return hs, nil
}

// fileHashes is the result for one file: its rows, or why it failed.
type fileHashes struct {
	path string
	rows []hashRow
	err  error
}

// hashFiles decodes each file once, hashes it with every hasher on
// `workers` goroutines, and calls emit with the results in input order.
func hashFiles(files []string, hashers []phash.Hasher, opts phash.LoadOptions, workers int, emit func(fileHashes)) {
	jobs := make(chan int)
	results := make(chan struct {
		i int
		r fileHashes
	}, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results <- struct {
					i int
					r fileHashes
				}{i, hashOneFile(files[i], hashers, opts)}
			}
		}()
	}
	go func() {
		for i := range files {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	pending := map[int]fileHashes{}
	next := 0
	for res := range results {
		pending[res.i] = res.r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			emit(r)
			next++
		}
	}
}

func hashOneFile(path string, hashers []phash.Hasher, opts phash.LoadOptions) fileHashes {
	img, err := loadImage(path, opts)
	if err != nil {
		return fileHashes{path: path, err: err}
	}
	rows := make([]hashRow, 0, len(hashers))
	for _, h := range hashers {
		row := hashRow{Path: path, Algorithm: h.Name()}
		if qh, ok := h.(phash.QualityHasher); ok {
			v, q, err := qh.HashQuality(img)
			if err != nil {
				return fileHashes{path: path, err: fmt.Errorf("%s: %s: %w", path, h.Name(), err)}
			}
			row.Hash, row.Quality = v.String(), &q
		} else {
			v, err := h.Hash(img)
			if err != nil {
				return fileHashes{path: path, err: fmt.Errorf("%s: %s: %w", path, h.Name(), err)}
			}
			row.Hash = v.String()
		}
		rows = append(rows, row)
	}
	return fileHashes{path: path, rows: rows}
}

// rowWriter writes hash rows as CSV (with a header before the first row,
// so that a run that hashes nothing writes nothing) or JSON lines.
type rowWriter struct {
	format string
	csv    *csv.Writer
	json   *json.Encoder
	header bool
	err    error
}

func newRowWriter(w io.Writer, format string) *rowWriter {
	rw := &rowWriter{format: format}
	if format == "csv" {
		rw.csv = csv.NewWriter(w)
	} else {
		rw.json = json.NewEncoder(w)
	}
	return rw
}

func (rw *rowWriter) write(r hashRow) {
	if rw.err != nil {
		return
	}
	if rw.csv != nil && !rw.header {
		rw.header = true
		if rw.err = rw.csv.Write([]string{"path", "algorithm", "hash", "quality"}); rw.err != nil {
			return
		}
	}
	if rw.csv != nil {
		q := ""
		if r.Quality != nil {
			q = strconv.Itoa(*r.Quality)
		}
		rw.err = rw.csv.Write([]string{r.Path, r.Algorithm, r.Hash, q})
		return
	}
	rw.err = rw.json.Encode(r)
}

func (rw *rowWriter) flush() error {
	if rw.csv != nil {
		rw.csv.Flush()
		if rw.err == nil {
			rw.err = rw.csv.Error()
		}
	}
	return rw.err
}
