package main

import (
	"fmt"
	"io"
	"strings"

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
	fs := newFlagSet("query", "query --protocol P --server ADDR [--algo pdq] [--count N] [--account ID --k K --synthetic S] [--audit DIR] (--hash HEX ... | IMAGE | IMAGE... for he-hash-match)",
		`privmatch query --protocol plaintext-server --server 127.0.0.1:7878 --hash 8f3a...e1
privmatch query --protocol oprf-psi --server 127.0.0.1:7878 photo.jpg
privmatch query --protocol he-exact --server 127.0.0.1:7878 --hash 8f3a...e1 --hash 07c2...9d --count 3
privmatch query --protocol he-hash-match --algo phash8 --threshold 10 --server 127.0.0.1:7878 photo.jpg other.png`, stderr)
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
	if p, err := protocolByName(*proto); err == nil {
		if _, ok := p.(psi.ImageProtocol); ok {
			if len(policy.set()) > 0 {
				fmt.Fprintf(stderr, "privmatch query: --k, --synthetic and --account do not apply to %s\n", p.Name())
				return 2
			}
			return runImageQuery(p, imageQuery{server: *server, algo: *algo, decoder: *decoder, count: *count, threshold: *threshold, auditDir: *auditDir,
				timeout: *timeout, wait: *wait, hashes: len(hexHashes), images: fs.Args(), stdout: stdout, stderr: stderr})
		}
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
	conn, setup, err := dial(*server, cli, hs[0].Kind(), hs[0].Bits(), *timeout, *wait, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch query: %v\n", err)
		return 1
	}
	defer conn.Close()
	return printQueries(p, conn, setup, len(all), func(i int) (*psi.Transcript, error) { return conn.Query(all[i]) }, stdout, stderr)
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
