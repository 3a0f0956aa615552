package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/psi/heexact"
)

// TestServeQueryHEExact runs `privmatch serve --protocol he-exact` and one
// `privmatch query` process with two hashes twice over (--count 2) on one
// connection: the evaluation keys go up once, every query after the first
// costs only its own bytes, and the server alone learns each result.
func TestServeQueryHEExact(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end processes skipped under -short")
	}
	path, db := synthDB(t, 200)
	srv := startServe(t, "--protocol", "he-exact", "--db", path)
	listed, near := db.Hashes[42].String(), flip(t, db.Hashes[42])
	res := queryLines(t, srv, 4, "--protocol", "he-exact", "--server", srv.addr, "--hash", listed, "--hash", near, "--count", "2")
	lit, err := exact.PresetFor(200)
	if err != nil {
		t.Fatal(err)
	}
	p, err := exact.NewParameters(lit)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := exact.KeysSize(p)
	if err != nil {
		t.Fatal(err)
	}
	checkServerLearns(t, res, "he-exact", keys, heexact.OPRFSize+exact.QuerySize(p)+exact.ReplySize(p, 1), heexact.OPRFSize+exact.AnswerSize(p, 1), 5)
	for i, r := range res {
		if (i == 0) != (r.SetupBytes > keys) || (i > 0 && r.SetupBytes != 0) {
			t.Errorf("query %d: setup %d B; want more than the keys (%d B) on the first query only", i, r.SetupBytes, keys)
		}
		if r.WallMS <= 0 || r.ClientMS <= 0 {
			t.Errorf("query %d: times %v/%v ms", i, r.ClientMS, r.WallMS)
		}
	}
	srv.waitLog(t, "session ", 4)
	log := srv.stderr()
	if strings.Count(log, "server_outcome=match") != 2 || strings.Count(log, "server_outcome=no match") != 2 {
		t.Errorf("server log, want two matches and two non-matches:\n%s", log)
	}
	srv.stop(t)
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
