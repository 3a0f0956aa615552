package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/privmatch/privmatch/phash"
)

func init() {
	register(command{
		name:    "compare",
		summary: "print the distance between two images under every algorithm",
		run:     runCompare,
	})
}

// comparison is one algorithm's verdict on a pair of images.
type comparison struct {
	Algorithm string `json:"algorithm"`
	HashA     string `json:"hash_a"`
	HashB     string `json:"hash_b"`
	Distance  int    `json:"distance"`
	Bits      int    `json:"bits"`
	Threshold int    `json:"threshold"`
	Match     bool   `json:"match"`
	// Validated is false when the threshold has no published basis (a
	// convention scaled to this hash length): the match verdict is then
	// only indicative.
	Validated bool `json:"threshold_validated"`
}

func runCompare(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compare", "compare [--algo LIST] [--format table|jsonl] [--orient] IMAGE_A IMAGE_B",
		`privmatch compare testdata/photos/chelsea.png edited-chelsea.jpg`, stderr)
	algo := fs.String("algo", "all", `comma-separated algorithms, or "all"`)
	format := fs.String("format", "table", "output format: table or jsonl")
	orient := fs.Bool("orient", false, "apply EXIF orientation before hashing")
	decoder := decoderFlag(fs)
	if status, ok := parseFlags(fs, args); !ok {
		return status
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "privmatch compare: need exactly two images, got %d\n", fs.NArg())
		fs.Usage()
		return 2
	}
	if *format != "table" && *format != "jsonl" {
		fmt.Fprintf(stderr, "privmatch compare: --format must be table or jsonl, not %q\n", *format)
		return 2
	}
	hashers, err := parseAlgos(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch compare: %v\n", err)
		return 2
	}
	opts := phash.LoadOptions{ApplyOrientation: *orient, Decoder: *decoder}
	a, err := loadImage(fs.Arg(0), opts)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch compare: %v\n", err)
		return 1
	}
	b, err := loadImage(fs.Arg(1), opts)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch compare: %v\n", err)
		return 1
	}
	var rows []comparison
	for _, h := range hashers {
		ha, err := h.Hash(a)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch compare: %s: %s: %v\n", fs.Arg(0), h.Name(), err)
			return 1
		}
		hb, err := h.Hash(b)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch compare: %s: %s: %v\n", fs.Arg(1), h.Name(), err)
			return 1
		}
		d, err := phash.Distance(ha, hb)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch compare: %v\n", err)
			return 1
		}
		t := h.Threshold().Distance
		rows = append(rows, comparison{h.Name(), ha.String(), hb.String(), d, h.Bits(), t, d <= t, validated(h)})
	}
	if *format == "jsonl" {
		enc := json.NewEncoder(stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return 1
			}
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "algorithm\tdistance\tbits\tthreshold\tmatch")
	unvalidated := false
	for _, r := range rows {
		th, verdict := fmt.Sprint(r.Threshold), fmt.Sprint(r.Match)
		if !r.Validated {
			th += "*"
			verdict += "*"
			unvalidated = true
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", r.Algorithm, r.Distance, r.Bits, th, verdict)
	}
	if err := tw.Flush(); err != nil {
		return 1
	}
	if unvalidated {
		fmt.Fprintln(stdout, "* threshold not validated (a convention scaled to this hash length): the verdict is only indicative")
	}
	return 0
}
