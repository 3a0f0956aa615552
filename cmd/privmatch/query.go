package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

func init() {
	register(command{
		name:    "query",
		summary: "query a privmatch server for hashes or an image; prints one JSON object per query",
		run:     runQuery,
	})
}

// queryResult is the JSON object query prints per query. Match is null
// when the protocol does not tell the client the result (ResultTo says who
// learns it). Setup bytes are counted on the first query of the
// connection only. ClientMS is the client's computing; WallMS the whole
// query as the client saw it, waiting included. The server's computing
// time is not sent to the client (it would tell the match bit in some
// protocols); the server logs it.
type queryResult struct {
	Protocol     string  `json:"protocol"`
	Query        int     `json:"query"`
	Match        *bool   `json:"match"`
	ResultTo     string  `json:"result_to"`
	ClientMS     float64 `json:"client_ms"`
	WallMS       float64 `json:"wall_ms"`
	UpBytes      int     `json:"up_bytes"`
	DownBytes    int     `json:"down_bytes"`
	SetupBytes   int     `json:"setup_bytes"`
	SetupUpBytes int     `json:"setup_up_bytes"`
	Rounds       int     `json:"rounds"`
}

// hexList is a repeatable --hash flag.
type hexList []string

func (l *hexList) String() string     { return strings.Join(*l, ",") }
func (l *hexList) Set(s string) error { *l = append(*l, s); return nil }

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query", "query --protocol P --server ADDR [--algo pdq] [--count N] [--account ID --k K --synthetic S] [--audit DIR] (--hash HEX ... | IMAGE)",
		`privmatch query --protocol plaintext-server --server 127.0.0.1:7878 --hash 8f3a...e1
privmatch query --protocol oprf-psi --server 127.0.0.1:7878 photo.jpg
privmatch query --protocol he-exact --server 127.0.0.1:7878 --hash 8f3a...e1 --hash 07c2...9d --count 3`, stderr)
	proto := fs.String("protocol", "", fmt.Sprintf("protocol, one of %v (required)", psi.Names()))
	server := fs.String("server", "127.0.0.1:7878", "server address")
	algo := fs.String("algo", "pdq", "hash algorithm")
	decoder := decoderFlag(fs)
	var hexHashes hexList
	fs.Var(&hexHashes, "hash", "query this hash (hex, as `privmatch hash` prints it) instead of hashing an image; repeat for several queries")
	count := fs.Int("count", 1, "run the queries this many times over one connection after one setup (one-time keys and tables cross once)")
	threshold := fs.Int("threshold", 0, "Hamming match threshold (exact protocols accept only 0)")
	timeout := fs.Duration("timeout", psi.DefaultTimeout, "dial and per-frame deadline (the server's keep-alive frames reset it while it computes)")
	wait := fs.Duration("wait", psi.DefaultDialWait, "keep retrying a refused connection this long (a server still preparing)")
	auditDir := fs.String("audit", "", "audit log folder (public files: pub, PROTOCOL.heads): check at setup that the server serves the newest head published there, and refuse otherwise")
	policy := addPolicyFlags(fs, true)
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if *proto == "" || (len(hexHashes) == 0) == (fs.NArg() != 1) || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "privmatch query: give --protocol and exactly one of --hash HEX (repeatable) or an IMAGE")
		fs.Usage()
		return 2
	}
	if *count < 1 {
		fmt.Fprintf(stderr, "privmatch query: --count %d, want at least 1\n", *count)
		return 2
	}
	p, err := policy.protocol(*proto)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 2
	}
	hasher, err := phash.ByName(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 2
	}
	var hs []phash.Hash
	for _, x := range hexHashes {
		h, err := phash.ParseHash(hasher.Kind(), hasher.Bits(), x)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch query: %v\n", err)
			return 1
		}
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		h, err := hashImage(fs.Arg(0), hasher, *decoder)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch query: %v\n", err)
			return 1
		}
		hs = append(hs, h)
	}
	var all []phash.Hash
	for i := 0; i < *count; i++ {
		all = append(all, hs...)
	}
	opts := psi.Options{Threshold: *threshold}
	if *auditDir != "" {
		if opts.Audit, err = auditDevice(*auditDir, p.Name()); err != nil {
			fmt.Fprintf(stderr, "privmatch query: %v\n", err)
			return 1
		}
	}
	cli, err := policy.client(p, hs[0].Kind(), hs[0].Bits(), opts)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	waiting := false
	conn, setup, err := psi.Dial(context.Background(), *server, cli, hs[0].Kind(), hs[0].Bits(), psi.DialOptions{
		Timeout: *timeout, Wait: *wait,
		OnRetry: func(err error) {
			if !waiting {
				waiting = true
				fmt.Fprintf(stderr, "privmatch query: waiting for the server at %s (up to %v): %v\n", *server, *wait, err)
			}
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	defer conn.Close()
	enc := json.NewEncoder(stdout)
	for i, h := range all {
		t0 := time.Now()
		tr, err := conn.Query(h)
		wall := time.Since(t0)
		if err != nil {
			fmt.Fprintf(stderr, "privmatch query: query %d of %d: %v\n", i, len(all), err)
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

// hashImage loads an image file and hashes it.
func hashImage(path string, hasher phash.Hasher, dec phash.JPEGDecoder) (phash.Hash, error) {
	img, err := loadImage(path, phash.LoadOptions{Decoder: dec})
	if err != nil {
		return phash.Hash{}, err
	}
	h, err := hasher.Hash(img)
	if err != nil {
		return phash.Hash{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}
