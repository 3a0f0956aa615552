package hamming

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// BenchmarkHamming measures one query against databases of 2^12..2^20
// random 256-bit hashes at threshold 31 with the 128-bit preset H14.
// HAMMING_MINLOG/HAMMING_MAXLOG (default 12/16) bound the sizes; HAMMING_PREENCODE=1 keeps
// the database pre-encoded at every prime and HAMMING_PRELIMBS=m at the lowest
// m primes (the memory-for-time lever).
func BenchmarkHamming(b *testing.B) {
	maxLog := envInt("HAMMING_MAXLOG", 16)
	pre := os.Getenv("HAMMING_PREENCODE") == "1"
	flood := envInt("HAMMING_FLOOD", 0)
	preLimbs := envInt("HAMMING_PRELIMBS", 0)
	p, c := h14Client(b)
	keys, kb := hetest.Keys(b, p, c.Setup, ParseKeys)
	r := rand.New(rand.NewPCG(1, 1))
	minLog := envInt("HAMMING_MINLOG", 12)
	for lg := minLog; lg <= maxLog; lg += 2 {
		db := make([][32]byte, 1<<lg)
		for i := range db {
			db[i] = randHash(r, 256)
		}
		srv, err := NewServer(p, db, Options{PreEncode: pre, PreEncodeLimbs: preLimbs, FloodBits: flood})
		if err != nil {
			b.Fatal(err)
		}
		x := atDistance(r, db[len(db)/3], 256, 31)
		q, ans, rep, sst := exchange(b, p, srv, keys, c, x)
		if m, _, err := srv.Verdict(sst, rep); err != nil || !m {
			b.Fatalf("verdict %v %v, want match", m, err)
		}
		noise, budget := answerNoise(b, c, ans)
		metrics := func(b *testing.B) {
			b.ReportMetric(float64(len(q)+len(rep)), "up-B/op")
			b.ReportMetric(float64(len(ans)), "down-B/op")
			b.ReportMetric(float64(len(kb)), "keys-B")
			b.ReportMetric(1.5, "rounds/op")
			b.ReportMetric(float64(srv.MemBytes()), "db-mem-B")
			b.ReportMetric(float64(srv.Outputs()), "answer-cts")
			b.ReportMetric(noise, "noise-log2")
			b.ReportMetric(budget, "budget-log2")
		}
		name := fmt.Sprintf("db=2^%d", lg)
		if pre {
			name += "/pre=all"
		} else if preLimbs > 0 {
			name += fmt.Sprintf("/pre=%d", preLimbs)
		}
		b.Run(name+"/role=server", func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for b.Loop() {
				if _, _, err := srv.Answer(keys, q); err != nil {
					b.Fatal(err)
				}
			}
			// Process CPU time: on a shared machine the wall time of a
			// one-core run inflates with the load, its CPU time much less.
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			metrics(b)
		})
		b.Run(name+"/role=client", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, st, err := c.Query(x, srv.Outputs())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Finish(st, ans); err != nil {
					b.Fatal(err)
				}
			}
			metrics(b)
		})
	}
}

// envInt returns the integer in environment variable name, or def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// BenchmarkStages times the server's stages on one core under H14: the
// oblivious expansion (once per query), the linear stage over all groups
// and the threshold of one group, so that the cost model in README.md can
// be checked stage by stage. HAMMING_STAGE_LOG (default 16) sets the
// database size, HAMMING_PRELIMBS the pre-encoded primes (default all).
func BenchmarkStages(b *testing.B) {
	lg := envInt("HAMMING_STAGE_LOG", 16)
	opt := Options{Workers: 1, PreEncode: true}
	if v := envInt("HAMMING_PRELIMBS", -1); v >= 0 {
		opt = Options{Workers: 1, PreEncodeLimbs: v}
	}
	p, c := h14Client(b)
	keys, _ := hetest.Keys(b, p, c.Setup, ParseKeys)
	r := rand.New(rand.NewPCG(3, 3))
	db := make([][32]byte, 1<<lg)
	for i := range db {
		db[i] = randHash(r, 256)
	}
	srv, err := NewServer(p, db, opt)
	if err != nil {
		b.Fatal(err)
	}
	q, _, err := c.Query(db[1], srv.Outputs())
	if err != nil {
		b.Fatal(err)
	}
	evals := []*bgv.Evaluator{keys.eval.ShallowCopy()}
	n := p.lit.HashBits
	expanded := func() []*rlwe.Ciphertext {
		x, _, err := p.parseQuery(q, srv.Outputs())
		if err != nil {
			b.Fatal(err)
		}
		E, err := expand(p, evals, srv.mono, x, n+2)
		if err != nil {
			b.Fatal(err)
		}
		return E
	}
	name := fmt.Sprintf("db=2^%d/pre=%d", lg, len(srv.db.preIdx))
	cpu := func(b *testing.B, f func()) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			f()
		}
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	}
	b.Run(name+"/stage=expand", func(b *testing.B) { cpu(b, func() { expanded() }) })
	E := expanded()
	ringTop := p.bgv.RingQ().AtLevel(p.bgv.MaxLevel())
	for _, ct := range E[:n+1] {
		for i := range ct.Value {
			ringTop.MForm(ct.Value[i], ct.Value[i])
		}
	}
	var accs []*rlwe.Ciphertext
	b.Run(name+"/stage=linear", func(b *testing.B) { cpu(b, func() { accs = srv.linear(1, E[:n+1]) }) })
	h := accs[0]
	if err := evals[0].Rescale(h, h); err != nil {
		b.Fatal(err)
	}
	k, _ := p.half()
	b.Run(name+"/stage=threshold", func(b *testing.B) {
		cpu(b, func() {
			if _, err := threshold(evals[0], h, k); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// cpuSeconds returns the user+system CPU time of the process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkQuery measures the client's Query alone under H14 for K answer
// ciphertexts: one hash ciphertext plus K independent blinding
// ciphertexts (K = 1 up to 2^16 entries, 2 at 2^18, 8 at 2^20).
func BenchmarkQuery(b *testing.B) {
	_, c := h14Client(b)
	x := randHash(rand.New(rand.NewPCG(2, 2)), 256)
	for _, k := range []int{1, 2, 8} {
		b.Run(fmt.Sprintf("outputs=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			var q []byte
			var err error
			for b.Loop() {
				if q, _, err = c.Query(x, k); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(q)), "query-B/op")
		})
	}
}

// h14Client returns the H14 parameters and a client with a fresh key.
func h14Client(b *testing.B) (Parameters, *Client) {
	b.Helper()
	p, err := NewParameters(H14)
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(p, nil)
	if err != nil {
		b.Fatal(err)
	}
	return p, c
}
