package main

import (
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi/psitest"
)

// TestServeQueryHEHamming runs `privmatch serve --protocol he-hamming
// --threshold 31` and one `privmatch query --protocol he-hamming` process
// with two hashes on one connection, at PN14 (128-bit, the only preset a
// build offers): a hash at distance 31 from a listed one matches, one at
// distance 32 does not, the keys go up once, and only the server learns
// the results. It takes about 30 s on two loaded cores (key generation and
// a 46 MB upload, then 8-13 s of server time per query), so -short skips
// it.
func TestServeQueryHEHamming(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end he-hamming at PN14 (about 30 s) skipped under -short")
	}
	const thr = 31
	path, db := synthDB(t, 200)
	listed := db.Hashes[42]
	probe := func(d int) phash.Hash {
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
		return h
	}
	near, far := probe(thr), probe(thr+1)
	srv := startServe(t, "--protocol", "he-hamming", "--db", path, "--threshold", "31", "--timeout", "5m")
	t0 := time.Now()
	res := queryLines(t, srv, 2, "--protocol", "he-hamming", "--server", srv.addr, "--timeout", "5m",
		"--hash", near.String(), "--hash", far.String())
	t.Logf("query process: %.1f s", time.Since(t0).Seconds())
	lit := hamming.H14
	lit.Threshold = thr
	p, err := hamming.NewParameters(lit)
	if err != nil {
		t.Fatal(err)
	}
	checkServerLearns(t, res, "he-hamming", p.KeysSize(), p.QuerySize(1)+p.ReplySize(1), p.AnswerSize(1), 3)
	srv.waitLog(t, "session ", 2)
	log := srv.stderr()
	// Reports come in query order on one connection: distance 31, then 32.
	m, n := strings.Index(log, "server_outcome=match"), strings.Index(log, "server_outcome=no match")
	if strings.Count(log, "server_outcome=match") != 1 || strings.Count(log, "server_outcome=no match") != 1 || m > n {
		t.Errorf("server log, want a match (distance 31) then a non-match (32):\n%s", log)
	}
	srv.stop(t)
}
