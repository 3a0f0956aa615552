package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// protocolByName is psi.ByName for serve and query. The command's tests
// replace it (in a _test.go file) to run he-hash-match at an insecure
// test preset; a production binary has no way to.
var protocolByName = psi.ByName

// imageQuery is what query needs to run a protocol whose client sends
// images (he-hash-match): the device encrypts each image and the server
// computes the hash, so no hash is computed or accepted here.
type imageQuery struct {
	server, algo   string
	decoder        phash.JPEGDecoder
	count          int
	threshold      int
	auditDir       string // --audit: the audit log folder, "" for none
	timeout, wait  time.Duration
	hashes         int // --hash flags given (refused)
	images         []string
	stdout, stderr io.Writer
}

// runImageQuery loads the images, dials, and queries each image count
// times over one connection, printing one JSON object per query.
func runImageQuery(p psi.Protocol, q imageQuery) int {
	if q.hashes > 0 || len(q.images) == 0 {
		fmt.Fprintf(q.stderr, "privmatch query: %s sends images, not hashes: give one or more IMAGE files and no --hash\n", p.Name())
		return 2
	}
	hasher, err := phash.ByName(q.algo)
	if err != nil {
		fmt.Fprintf(q.stderr, "privmatch query: %v\n", err)
		return 2
	}
	var imgs []image.Image
	for _, path := range q.images {
		img, err := loadImage(path, phash.LoadOptions{Decoder: q.decoder})
		if err != nil {
			fmt.Fprintf(q.stderr, "privmatch query: %v\n", err)
			return 1
		}
		imgs = append(imgs, img)
	}
	opts := psi.Options{Threshold: q.threshold}
	if q.auditDir != "" {
		if opts.Audit, err = auditDevice(q.auditDir, p.Name()); err != nil {
			fmt.Fprintf(q.stderr, "privmatch query: %v\n", err)
			return 1
		}
	}
	cli, err := p.NewClient(hasher.Kind(), hasher.Bits(), opts)
	if err != nil {
		fmt.Fprintf(q.stderr, "privmatch query: %v\n", err)
		return 1
	}
	check := "the server's parameters"
	if q.auditDir != "" {
		check += " and list head"
	}
	fmt.Fprintf(q.stderr, "privmatch query: %s: connecting; once %s check out, the setup makes and sends keys (at the secure preset: about a minute and 2 GB up)\n", p.Name(), check)
	conn, setup, err := dial(q.server, cli, hasher.Kind(), hasher.Bits(), q.timeout, q.wait, q.stderr)
	if err != nil {
		fmt.Fprintf(q.stderr, "privmatch query: %v\n", err)
		return 1
	}
	defer conn.Close()
	n := q.count * len(imgs)
	return printQueries(p, conn, setup, n, func(i int) (*psi.Transcript, error) {
		return conn.QueryImage(imgs[i%len(imgs)])
	}, q.stdout, q.stderr)
}

// dial connects to the server and runs the setup, telling stderr once
// when it waits for a server still preparing.
func dial(server string, cli psi.Client, kind phash.Kind, bits int, timeout, wait time.Duration, stderr io.Writer) (*psi.Conn, *psi.Transcript, error) {
	waiting := false
	return psi.Dial(context.Background(), server, cli, kind, bits, psi.DialOptions{
		Timeout: timeout, Wait: wait,
		OnRetry: func(err error) {
			if !waiting {
				waiting = true
				fmt.Fprintf(stderr, "privmatch query: waiting for the server at %s (up to %v): %v\n", server, wait, err)
			}
		},
	})
}

// printQueries runs n queries on conn (query(i) runs the i-th), prints
// one JSON object per query (setup bytes on the first), and closes conn.
func printQueries(p psi.Protocol, conn *psi.Conn, setup *psi.Transcript, n int, query func(int) (*psi.Transcript, error), stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		tr, err := query(i)
		wall := time.Since(t0)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch query: query %d of %d: %v\n", i, n, err)
			return 1
		}
		if i == 0 {
			s := *setup
			s.Append(tr)
			tr = &s
		}
		s := tr.Summary()
		res := queryResult{
			Protocol: s.Protocol, Query: i, ResultTo: p.Ledger().ResultTo,
			ClientMS: s.ClientMS, WallMS: float64(wall.Microseconds()) / 1e3,
			UpBytes: s.UpBytes, DownBytes: s.DownBytes, SetupBytes: s.SetupBytes, SetupUpBytes: s.SetupUpBytes, Rounds: s.Rounds,
		}
		if tr.ClientOutcome.Known {
			m := tr.ClientOutcome.Match
			res.Match = &m
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "privmatch query: %v\n", err)
			return 1
		}
	}
	if err := conn.Close(); err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	return 0
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments (`db build --algo phash8 a.png b.png -o db.txt`)
// and returns the positional ones. An argument after "--" is positional
// even if it starts with "-".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if st, ok := parseFlags(fs, args); !ok {
			return nil, st, false
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), 0, true
		}
		i := 0
		for i < len(rest) && (len(rest[i]) < 2 || rest[i][0] != '-') {
			i++
		}
		pos = append(pos, rest[:i]...)
		if i == len(rest) {
			return pos, 0, true
		}
		args = rest[i:]
	}
}
