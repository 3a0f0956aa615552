package main

import (
	"regexp"
	"testing"

	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi/psitest"
)

// TestServeQueryHEHammingLSH: serve he-hamming-lsh at threshold 31 over
// 2^15 synthetic hashes (the client sends bucket keys, k = 9) and query a
// listed hash and its copies at distances 31 and 32 from one process,
// under P64 (H14D, 128-bit); the server alone learns the verdicts, which
// must be the bucket rule's, computed here in the clear. Tens of seconds
// on loaded cores (keys, then about 1 cpu-s per query): -short skips it.
func TestServeQueryHEHammingLSH(t *testing.T) {
	const n, thr = 1 << 15, 31
	if testing.Short() {
		t.Skip("end-to-end he-hamming-lsh at H14D (tens of seconds) skipped under -short")
	}
	path, db := synthDB(t, n)
	lit := hamminglsh.P64
	lit.HE.Threshold = thr
	p, err := hamminglsh.NewParameters(lit)
	if err != nil {
		t.Fatal(err)
	}
	k, err := p.KeyBits(n)
	if err != nil || k != 9 {
		t.Fatalf("key bits %d, %v; want 9", k, err)
	}
	listed := db.Hashes[42]
	probes := []phash.Hash{listed, listed, listed}
	for i := 0; i < thr+1; i++ {
		if i < thr {
			probes[1] = psitest.FlipBit(t, probes[1], i*3%256)
		}
		probes[2] = psitest.FlipBit(t, probes[2], i*3%256)
	}
	args := []string{"--protocol", "he-hamming-lsh", "--server", "", "--timeout", "10m"}
	var want []string
	for _, h := range probes {
		args = append(args, "--hash", h.String())
		outcome := "no match"
		for _, e := range db.Hashes {
			if d, _ := phash.Distance(h, e); d <= thr && p.Collide(hamminglsh.Item(h), hamminglsh.Item(e), k) {
				outcome = "match"
			}
		}
		want = append(want, outcome)
	}
	srv := startServe(t, "--protocol", "he-hamming-lsh", "--db", path, "--threshold", "31", "--timeout", "10m")
	args[3] = srv.addr
	res := queryLines(t, srv, len(probes), args...)
	for i, r := range res {
		if r.Match != nil || r.ResultTo != "server" || r.UpBytes != p.QuerySize(k)+p.ReplySize() || r.DownBytes != p.AnswerSize() {
			t.Errorf("query %d: %+v", i, r)
		}
	}
	srv.waitLog(t, "server_outcome=", len(probes))
	var got []string
	for _, m := range regexp.MustCompile(`server_outcome=(match|no match)`).FindAllStringSubmatch(srv.stderr(), -1) {
		got = append(got, m[1])
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("server outcomes %q, want %q (listed, distance 31, distance 32)", got, want)
	}
	if want[0] != "match" || want[2] != "no match" {
		t.Errorf("clear rule %q: a listed hash must match, one at 32 must not", want)
	}
	srv.stop(t)
}
