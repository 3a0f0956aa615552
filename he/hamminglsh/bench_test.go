package hamminglsh

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hamming"
)

// BenchmarkLSH measures one he-hamming-lsh query under P64 (128-bit), with
// the diagonal circuit (hamming.H14D, the layout's) and, for comparison in
// the same run, he/hamming's expansion circuit on the one group (H14),
// against databases of random 256-bit hashes at threshold 31, the query a
// copy of a listed entry at distance 10. LSH_BENCH_LOGS (default "16,20")
// lists the log2 sizes, LSH_BENCH_CIRCUITS the circuits. Run on one core:
//
//	taskset -c 0 go test ./he/hamminglsh -run '^$' -bench LSH -cpu 1 -benchtime 5x
//
// The client's Finish is timed once (its state is single-use) and
// reported as finish-s. Server time includes gathering the candidates,
// encoding them (he/hamming's NewServer on at most 2^13 entries) and the
// circuit.
func BenchmarkLSH(b *testing.B) {
	logs := benchLogs(b, os.Getenv("LSH_BENCH_LOGS"))
	r := rand.New(rand.NewPCG(1, 1))
	for _, lg := range logs {
		db := make([][32]byte, 1<<lg)
		for i := range db {
			db[i] = randItem(r)
		}
		x := flip(r, db[len(db)/3], 10)
		for _, circuit := range benchCircuits(b, os.Getenv("LSH_BENCH_CIRCUITS")) {
			l := P64
			l.HE = circuit
			l.HE.Threshold = 31
			p, err := NewParameters(l)
			if err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("circuit=%s/db=2^%d", map[bool]string{true: "diagonal", false: "expand"}[circuit.Diagonal], lg)
			benchLSH(b, name, p, db, x)
		}
	}
}

// benchLSH runs the client's query and the server's answer for x.
func benchLSH(b *testing.B, name string, p Parameters, db [][32]byte, x [32]byte) {
	t0 := time.Now()
	s, err := NewServer(p, db, hamming.Options{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	prep := time.Since(t0)
	c, err := NewClient(p, s.KeyBits(), nil)
	if err != nil {
		b.Fatal(err)
	}
	kb, err := c.Setup()
	if err != nil {
		b.Fatal(err)
	}
	keys, err := ParseKeys(p, kb)
	if err != nil {
		b.Fatal(err)
	}
	q, st, err := c.Query(x)
	if err != nil {
		b.Fatal(err)
	}
	ans, vs, err := s.Answer(keys, q)
	if err != nil {
		b.Fatal(err)
	}
	t0 = time.Now()
	rep, err := c.Finish(st, ans)
	if err != nil {
		b.Fatal(err)
	}
	finish := time.Since(t0)
	if m, _, err := s.Verdict(vs, rep); err != nil || m != s.Match(x) {
		b.Fatalf("verdict %v %v, clear rule %v", m, err, s.Match(x))
	}
	metrics := func(b *testing.B) {
		b.ReportMetric(float64(len(q)+len(rep)), "up-B/op")
		b.ReportMetric(float64(len(ans)), "down-B/op")
		b.ReportMetric(float64(len(kb)), "keys-B")
		b.ReportMetric(float64(s.KeyBits()), "key-bits")
		b.ReportMetric(float64(len(vs.Candidates)), "candidates")
		b.ReportMetric(float64(s.MemBytes()), "index-mem-B")
		b.ReportMetric(prep.Seconds(), "index-s")
		b.ReportMetric(finish.Seconds(), "finish-s")
	}
	b.Run(name+"/role=client-query", func(b *testing.B) {
		loopCPU(b, func() error { _, _, err := c.Query(x); return err })
		metrics(b)
	})
	b.Run(name+"/role=server", func(b *testing.B) {
		loopCPU(b, func() error { _, _, err := s.Answer(keys, q); return err })
		metrics(b)
	})
	b.Run(name+"/role=server-candidates", func(b *testing.B) {
		keys := p.Keys(x, s.KeyBits())
		for b.Loop() {
			s.candidates(keys)
		}
	})
}

// loopCPU runs f in b.Loop and reports the process CPU seconds per call.
func loopCPU(b *testing.B, f func() error) {
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// benchCircuits parses LSH_BENCH_CIRCUITS, a comma-separated list of
// "diagonal" (hamming.H14D, P64's) and "expand" (hamming.H14, he/hamming's
// expansion circuit on one group); both if empty.
func benchCircuits(b *testing.B, list string) (out []hamming.Literal) {
	if list == "" {
		list = "diagonal,expand"
	}
	for f := range strings.SplitSeq(list, ",") {
		switch f {
		case "diagonal":
			out = append(out, hamming.H14D)
		case "expand":
			out = append(out, hamming.H14)
		default:
			b.Fatalf("LSH_BENCH_CIRCUITS: unknown circuit %q", f)
		}
	}
	return out
}

// processCPU is the process's user plus system CPU time: under a loaded
// machine it tracks the work better than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLogs parses a comma-separated list of log2 sizes ("16,20" if empty).
func benchLogs(b *testing.B, list string) (logs []int) {
	if list == "" {
		list = "16,20"
	}
	for f := range strings.SplitSeq(list, ",") {
		lg, err := strconv.Atoi(f)
		if err != nil {
			b.Fatalf("LSH_BENCH_LOGS: %v", err)
		}
		logs = append(logs, lg)
	}
	return logs
}
