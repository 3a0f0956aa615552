package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

func init() {
	register(command{
		name:    "db",
		summary: "build hash databases (db synth: random, for benchmarks; db build: from images)",
		run:     runDB,
	})
}

func runDB(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintln(stderr, "Usage: privmatch db synth|build [flags]")
		fmt.Fprintln(stderr, "\n  synth  write N random hashes (deterministic from a seed; for benchmarking, not cryptography)")
		fmt.Fprintln(stderr, "  build  hash images (files and folders, recursively) into a database")
		fmt.Fprintln(stderr, "\nThe database is text: one hash per line in the hex form `privmatch hash` prints; blank lines and # comments allowed.")
		fmt.Fprintln(stderr, "Run \"privmatch db synth --help\" or \"privmatch db build --help\" for flags.")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "synth":
		return runDBSynth(args[1:], stdout, stderr)
	case "build":
		return runDBBuild(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "privmatch db: unknown subcommand %q (want synth or build)\n", args[0])
	return 2
}

// hashShape returns the kind and length of the named algorithm's hashes.
func hashShape(algo string) (phash.Kind, int, error) {
	h, err := hasherByName(algo)
	if err != nil {
		return "", 0, err
	}
	return h.Kind(), h.Bits(), nil
}

// createOut opens path for writing, "-" meaning stdout.
func createOut(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" || path == "" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func runDBSynth(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("db synth", "db synth --n N [--algo pdq] [--bits B] [--seed S] [--out FILE]",
		`privmatch db synth --n 2^20 --seed 7 --out db.txt`, stderr)
	nFlag := fs.String("n", "", "number of hashes, a number or 2^k (required)")
	algo := fs.String("algo", "pdq", "hash algorithm whose kind the hashes take")
	bits := fs.Int("bits", 0, "hash length in bits (0: the algorithm's length)")
	seed := fs.Uint64("seed", 1, "seed of the generator; the same seed gives the same hashes. This is for benchmarking, NOT cryptography")
	out := fs.String("out", "-", "output file (- for stdout)")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "privmatch db synth: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *nFlag == "" {
		fmt.Fprintln(stderr, "privmatch db synth: --n is required (a number or 2^k)")
		return 2
	}
	nv, err := parseSize(*nFlag)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch db synth: --n: %v\n", err)
		return 2
	}
	n := &nv
	kind, b, err := hashShape(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch db synth: %v\n", err)
		return 2
	}
	if *bits != 0 {
		b = *bits
	}
	db, err := psi.Synth(kind, b, *n, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch db synth: %v\n", err)
		return 1
	}
	if err := writeDB(db, *out, stdout); err != nil {
		fmt.Fprintf(stderr, "privmatch db synth: %v\n", err)
		return 1
	}
	return 0
}

func runDBBuild(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("db build", "db build [--algo pdq] [--out|-o FILE] PATH... (flags may follow the paths)",
		`privmatch db build --algo pdq --out known.txt ./images extra.jpg`, stderr)
	algo := fs.String("algo", "pdq", "hash algorithm")
	out := fs.String("out", "-", "output file (- for stdout)")
	fs.StringVar(out, "o", "-", "short for --out")
	prog := fs.String("progress", "auto", "progress bar on stderr: auto (when a terminal), always or never")
	decoder := decoderFlag(fs)
	paths, st, ok := parseInterspersed(fs, args)
	if !ok {
		return st
	}
	if len(paths) == 0 {
		fs.Usage()
		return 2
	}
	hasher, err := hasherByName(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch db build: %v\n", err)
		return 2
	}
	mode, err := parseProgressMode(*prog)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch db build: %v\n", err)
		return 2
	}
	files, errs := collectImages(paths)
	failed := len(errs)
	for _, e := range errs {
		fmt.Fprintf(stderr, "privmatch db build: skip: %v\n", e)
	}
	var hs []phash.Hash
	bar := newProgress(len(files), "hashing", stderr, mode)
	hashFiles(files, []phash.Hasher{hasher}, phash.LoadOptions{Decoder: *decoder}, runtime.GOMAXPROCS(0), func(r fileHashes) {
		bar.Add(1)
		if r.err != nil {
			failed++
			fmt.Fprintf(stderr, "privmatch db build: skip %s: %v\n", r.path, strings.TrimPrefix(r.err.Error(), r.path+": "))
			return
		}
		h, err := phash.ParseHash(hasher.Kind(), hasher.Bits(), r.rows[0].Hash)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "privmatch db build: skip %s: %v\n", r.path, err)
			return
		}
		hs = append(hs, h)
	})
	bar.Finish()
	db, err := psi.NewDatabase(hasher.Kind(), hasher.Bits(), hs)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch db build: %v\n", err)
		return 1
	}
	if err := writeDB(db, *out, stdout); err != nil {
		fmt.Fprintf(stderr, "privmatch db build: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "privmatch db build: %d hashes written, %d files failed\n", len(hs), failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// writeDB writes db to the file out ("-" for stdout).
func writeDB(db *psi.Database, out string, stdout io.Writer) error {
	w, closeOut, err := createOut(out, stdout)
	if err != nil {
		return err
	}
	_, err = db.WriteTo(w)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
