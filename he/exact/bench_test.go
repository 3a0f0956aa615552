package exact

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/hetest"
)

type benchSetup struct {
	p    Parameters
	srv  *Server
	cli  *Client
	keys *Keys
	kb   int
	db   [][32]byte
	load time.Duration
}

var (
	benchMu    sync.Mutex
	benchCache = map[string]*benchSetup{}
)

// cpuTime returns the process's user+system CPU time. On a shared machine
// it is a steadier cost measure than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func getBench(b *testing.B, logN int, lit Literal) *benchSetup {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := fmt.Sprint(logN, lit.Name)
	if s, ok := benchCache[key]; ok {
		return s
	}
	p, err := NewParameters(lit)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.NewChaCha8([32]byte{byte(logN)})
	db := randHashes(r, 1<<logN)
	start := time.Now()
	srv, err := NewServer(p, db, r)
	if err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	cli, err := NewClient(p, r)
	if err != nil {
		b.Fatal(err)
	}
	keys, kb := hetest.Keys(b, p, cli.Setup, ParseKeys)
	s := &benchSetup{p: p, srv: srv, cli: cli, keys: keys, kb: len(kb), db: db, load: load}
	b.Logf("db=2^%d %s partitions=%d traps=%d/%d load=%v pre-encoded=%.1f MiB keys=%d B evasion<=%.2g falsematch<=%.2g",
		logN, p, srv.Partitions(), srv.Traps(), srv.Positions(), load, float64(srv.EncodedBytes())/(1<<20), len(kb),
		EvasionBound(srv.Positions(), srv.Traps()), FalseMatch(srv.Positions()-srv.Traps(), srv.Entries(), p.T()))
	benchCache[key] = s
	return s
}

func (s *benchSetup) report(b *testing.B) {
	up := QuerySize(s.p) + ReplySize(s.p, s.srv.Partitions())
	b.ReportMetric(float64(up), "up-B/op")
	b.ReportMetric(float64(AnswerSize(s.p, s.srv.Partitions())), "down-B/op")
	b.ReportMetric(float64(s.kb), "keys-B")
	b.ReportMetric(1.5, "rounds/op")
	b.ReportMetric(float64(s.srv.EncodedBytes()), "db-B")
	b.ReportMetric(s.load.Seconds(), "load-s")
}

// BenchmarkExact measures one he-exact query against a database of random
// 256-bit hashes under the preset PresetFor picks, per role:
// role=server is Answer; role=client is the client's whole per-query work,
// Query plus Finish; role=query and role=finish are its two halves. The
// 2^22 database (16 partitions, 720 MiB pre-encoded) runs only with
// PSI_BENCH_2P22=1, the knob psi's benchmarks share. Run with -cpu 1,2;
// for one-core client figures pin the process (taskset -c 0), since
// Lattigo's NTTs ignore -cpu.
func BenchmarkExact(b *testing.B) {
	cases := []struct {
		logN int
		lit  Literal
	}{{16, PN14S}, {16, PN14M}, {18, PN14M}, {18, PN14}, {20, PN14}}
	if os.Getenv("PSI_BENCH_2P22") == "1" {
		cases = append(cases, struct {
			logN int
			lit  Literal
		}{22, PN14})
	}
	for _, c := range cases {
		logN := c.logN
		b.Run(fmt.Sprintf("db=2^%d/preset=%s/role=server", logN, c.lit.Name), func(b *testing.B) {
			s := getBench(b, logN, c.lit)
			benchServer(b, s.cli.Query, s.db[3], func(q []byte) error {
				_, _, err := s.srv.Answer(s.keys, q)
				return err
			})
			s.report(b)
		})
		for _, role := range []string{"client", "query", "finish"} {
			b.Run(fmt.Sprintf("db=2^%d/preset=%s/role=%s", logN, c.lit.Name, role), func(b *testing.B) {
				s := getBench(b, logN, c.lit)
				q, _, err := s.cli.Query(s.db[3])
				if err != nil {
					b.Fatal(err)
				}
				ans, vst, err := s.srv.Answer(s.keys, q)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				var reply []byte
				var cpu time.Duration
				for b.Loop() {
					if role == "finish" {
						b.StopTimer()
					}
					c0 := cpuTime()
					_, st, err := s.cli.Query(s.db[3])
					if err != nil {
						b.Fatal(err)
					}
					if role == "finish" {
						c0 = cpuTime()
						b.StartTimer()
					}
					if role != "query" {
						if reply, err = s.cli.Finish(st, ans); err != nil {
							b.Fatal(err)
						}
					}
					cpu += cpuTime() - c0
				}
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
				if role != "query" {
					if m, err := s.srv.Verdict(vst, reply); err != nil || !m {
						b.Fatalf("verdict %v %v", m, err)
					}
				}
				s.report(b)
			})
		}
	}
}

// benchServer times answer on a query for h in b.Loop and reports its
// CPU time per op.
func benchServer(b *testing.B, query func([32]byte) ([]byte, *QueryState, error), h [32]byte, answer func([]byte) error) {
	q, _, err := query(h)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		if err := answer(q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}
