package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

func init() {
	register(command{
		name:    "query",
		summary: "query a privmatch server for one hash or image; prints one JSON object",
		run:     runQuery,
	})
}

// queryResult is the JSON object query prints. Match is null when the
// protocol does not tell the client the result (ResultTo says who learns
// it).
type queryResult struct {
	Protocol   string  `json:"protocol"`
	Match      *bool   `json:"match"`
	ResultTo   string  `json:"result_to"`
	ClientMS   float64 `json:"client_ms"`
	ServerMS   float64 `json:"server_ms"`
	UpBytes    int     `json:"up_bytes"`
	DownBytes  int     `json:"down_bytes"`
	SetupBytes int     `json:"setup_bytes"`
	Rounds     int     `json:"rounds"`
}

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query --protocol P --server ADDR [--algo pdq] (--hash HEX | IMAGE)",
		"privmatch query --protocol oprf-psi --server 127.0.0.1:7878 photo.jpg",
		`privmatch query --protocol plaintext-server --server 127.0.0.1:7878 --hash 8f3a...e1
privmatch query --protocol oprf-psi --server 127.0.0.1:7878 photo.jpg`, stderr)
	proto := fs.String("protocol", "", fmt.Sprintf("protocol, one of %v (required)", psi.Names()))
	server := fs.String("server", "127.0.0.1:7878", "server address")
	algo := fs.String("algo", "pdq", "hash algorithm")
	hexHash := fs.String("hash", "", "query this hash (hex, as `privmatch hash` prints it) instead of hashing an image")
	threshold := fs.Int("threshold", 0, "Hamming match threshold (exact protocols accept only 0)")
	timeout := fs.Duration("timeout", psi.DefaultTimeout, "dial and per-frame deadline")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if *proto == "" || (*hexHash == "") == (fs.NArg() != 1) || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "privmatch query: give --protocol and exactly one of --hash HEX or an IMAGE")
		fs.Usage()
		return 2
	}
	p, err := psi.ByName(*proto)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 2
	}
	hasher, err := phash.ByName(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 2
	}
	var h phash.Hash
	if *hexHash != "" {
		h, err = phash.ParseHash(hasher.Kind(), hasher.Bits(), *hexHash)
	} else {
		h, err = hashImage(fs.Arg(0), hasher)
	}
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	cli, err := p.NewClient(h.Kind(), h.Bits(), psi.Options{Threshold: *threshold})
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	conn, err := net.DialTimeout("tcp", *server, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	defer conn.Close()
	tr, err := psi.QueryConn(conn, cli, h, true, psi.ConnOptions{Timeout: *timeout})
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	s := tr.Summary()
	res := queryResult{
		Protocol: s.Protocol, ResultTo: p.Ledger().ResultTo,
		ClientMS: s.ClientMS, ServerMS: s.ServerMS,
		UpBytes: s.UpBytes, DownBytes: s.DownBytes, SetupBytes: s.SetupBytes, Rounds: s.Rounds,
	}
	if tr.ClientOutcome.Known {
		m := tr.ClientOutcome.Match
		res.Match = &m
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	return 0
}

// hashImage loads an image file and hashes it.
func hashImage(path string, hasher phash.Hasher) (phash.Hash, error) {
	img, err := phash.Load(path, phash.LoadOptions{})
	if err != nil {
		return phash.Hash{}, err
	}
	h, err := hasher.Hash(img)
	if err != nil {
		return phash.Hash{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}
