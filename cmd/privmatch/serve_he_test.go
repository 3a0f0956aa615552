package main

import (
	"bufio"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/heexact"
	"github.com/privmatch/privmatch/psi/psitest"
)

// heCase is one HE protocol's end-to-end run: the flags it adds to serve
// and to query, the hashes queried in order and the verdict the server
// must log for each, and the sizes of what goes over the connection.
type heCase struct {
	proto                  string
	serve, query           []string
	hashes, outcomes       []string
	keys, up, down, rounds int
	perQuery               func(t *testing.T, i int, r queryResult) // nil: no further check
}

// TestServeQueryHE runs `privmatch serve` and one `privmatch query`
// process for each HE protocol on one connection: the evaluation keys go
// up once, every query after the first costs only its own bytes, and the
// server alone learns each result, in query order. he-exact queries a
// listed hash and a near copy twice over (--count 2); he-hamming
// (--threshold 31, at PN14, the only preset a build offers) a hash at
// distance 31 from a listed one, which matches, and one at 32, which does
// not. It takes about 30 s on two loaded cores (he-hamming's key
// generation and a 46 MB upload, then 8-13 s of server time per query),
// so -short skips it.
func TestServeQueryHE(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end he-exact and he-hamming at PN14 (about 30 s) skipped under -short")
	}
	path, db := synthDB(t, 200)
	for _, c := range []heCase{heExactCase(t, db), heHammingCase(t, db)} {
		t.Run(c.proto, func(t *testing.T) {
			srv := startServe(t, append([]string{"--protocol", c.proto, "--db", path}, c.serve...)...)
			args := append([]string{"--protocol", c.proto, "--server", srv.addr}, c.query...)
			for _, h := range c.hashes {
				args = append(args, "--hash", h)
			}
			t0 := time.Now()
			res := queryLines(t, srv, len(c.outcomes), args...)
			t.Logf("query process: %.1f s", time.Since(t0).Seconds())
			checkServerLearns(t, res, c.proto, c.keys, c.up, c.down, c.rounds)
			for i, r := range res {
				if c.perQuery != nil {
					c.perQuery(t, i, r)
				}
			}
			srv.waitLog(t, "session ", len(c.outcomes))
			var got []string
			for _, m := range regexp.MustCompile(`server_outcome=(match|no match)`).FindAllStringSubmatch(srv.stderr(), -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, c.outcomes) {
				t.Errorf("server outcomes %q, want %q:\n%s", got, c.outcomes, srv.stderr())
			}
			srv.stop(t)
		})
	}
}

// heExactCase queries db's entry 42 and a near copy, twice over.
func heExactCase(t *testing.T, db *psi.Database) heCase {
	sz, err := heexact.SizesFor(200)
	if err != nil {
		t.Fatal(err)
	}
	keys := sz.Keys
	return heCase{
		proto: "he-exact", query: []string{"--count", "2"},
		hashes:   []string{db.Hashes[42].String(), flip(t, db.Hashes[42])},
		outcomes: []string{"match", "no match", "match", "no match"},
		keys:     keys, up: heexact.OPRFSize + sz.Query + sz.Reply, down: heexact.OPRFSize + sz.Answer, rounds: 5,
		perQuery: func(t *testing.T, i int, r queryResult) {
			if (i == 0) != (r.SetupBytes > keys) || (i > 0 && r.SetupBytes != 0) {
				t.Errorf("query %d: setup %d B; want more than the keys (%d B) on the first query only", i, r.SetupBytes, keys)
			}
			if r.WallMS <= 0 || r.ClientMS <= 0 {
				t.Errorf("query %d: times %v/%v ms", i, r.ClientMS, r.WallMS)
			}
		},
	}
}

// heHammingCase queries copies of db's entry 42 at distances 31 and 32,
// each farther than 32 from every other entry, at threshold 31.
func heHammingCase(t *testing.T, db *psi.Database) heCase {
	const thr = 31
	listed := db.Hashes[42]
	probe := func(d int) string {
		h := listed
		for i := 0; i < d; i++ {
			h = psitest.FlipBit(t, h, i*3%256) // 3 is prime to 256: d distinct bits
		}
		for _, e := range db.Hashes {
			n, err := phash.Distance(h, e)
			if err != nil {
				t.Fatal(err)
			}
			if e == listed && n != d || e != listed && n <= thr+1 {
				t.Fatalf("probe at distance %d: entry %s at %d", d, e, n)
			}
		}
		return h.String()
	}
	lit := hamming.H14
	lit.Threshold = thr
	p, err := hamming.NewParameters(lit)
	if err != nil {
		t.Fatal(err)
	}
	timeout := []string{"--threshold", "31", "--timeout", "5m"}
	return heCase{
		proto: "he-hamming", serve: timeout, query: timeout[2:],
		hashes:   []string{probe(thr), probe(thr + 1)},
		outcomes: []string{"match", "no match"},
		keys:     p.KeysSize(), up: p.QuerySize(1) + p.ReplySize(1), down: p.AnswerSize(1), rounds: 3,
	}
}

func TestQueryCountError(t *testing.T) {
	cmd := privmatch("query", "--protocol", "he-exact", "--hash", strings.Repeat("0", 64), "--count", "0")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--count 0") {
		t.Fatalf("query --count 0: %v\n%s", err, out)
	}
}

// checkServerLearns checks the result lines of queries of an HE protocol
// over one connection: numbered in order, the result to the server only,
// the keys (keys bytes) up with the first query alone, and each query's
// bytes up and down in the given number of rounds.
func checkServerLearns(t *testing.T, res []queryResult, proto string, keys, up, down, rounds int) {
	t.Helper()
	for i, r := range res {
		wantUp := 0
		if i == 0 {
			wantUp = keys
		}
		if r.Query != i || r.Protocol != proto || r.ResultTo != "server" || r.Match != nil {
			t.Errorf("query %d: %+v", i, r)
		}
		if r.SetupUpBytes != wantUp {
			t.Errorf("query %d: setup up %d B, want %d", i, r.SetupUpBytes, wantUp)
		}
		if r.UpBytes != up || r.DownBytes != down || r.Rounds != rounds {
			t.Errorf("query %d: up %d down %d rounds %d, want %d, %d and %d", i, r.UpBytes, r.DownBytes, r.Rounds, up, down, rounds)
		}
		t.Logf("query %d: client %.1f ms, wall %.1f ms, up %d B, down %d B, setup %d B (up %d)", i, r.ClientMS, r.WallMS, r.UpBytes, r.DownBytes, r.SetupBytes, r.SetupUpBytes)
	}
}

// queryLines runs one `privmatch query` process with args and returns its
// JSON result lines, failing the test unless there are want of them.
func queryLines(t *testing.T, srv *server, want int, args ...string) []queryResult {
	t.Helper()
	out, err := privmatch(append([]string{"query"}, args...)...).Output()
	if err != nil {
		t.Fatalf("query: %v\n%s", err, srv.stderr())
	}
	var res []queryResult
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var r queryResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("query output line %q: %v", sc.Text(), err)
		}
		res = append(res, r)
	}
	if len(res) != want {
		t.Fatalf("%d results, want %d:\n%s", len(res), want, out)
	}
	return res
}
