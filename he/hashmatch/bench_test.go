package hashmatch

import (
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// envDefault opts in to the benchmarks at Default (N = 2^15, real
// bootstrapping): minutes per image and several GB of memory, so they do
// not run unless PRIVMATCH_HASHMATCH=1. PRIVMATCH_HASHMATCH_DB lists the
// database sizes as powers of two (default "6,10");
// PRIVMATCH_HASHMATCH_HASH=pdq runs DefaultPDQ (tens of minutes a size).
const envDefault = "PRIVMATCH_HASHMATCH"

func dbSizes(b *testing.B) []int {
	s := os.Getenv(envDefault + "_DB")
	if s == "" {
		s = "6,10"
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 || n > 16 {
			b.Fatalf("%s_DB: bad entry %q", envDefault, f)
		}
		out = append(out, n)
	}
	return out
}

// database returns n hashes of near's kind (phash8 or PDQ): near moved
// to distance d, then pseudo-random ones (xorshift from a fixed seed).
func database(b testing.TB, n int, near phash.Hash, d int) []phash.Hash {
	db := make([]phash.Hash, 0, n)
	moved := flip
	if near.Kind() == phash.PDQKind {
		moved = flipPDQ
	}
	db = append(db, moved(b, near, d))
	x := uint64(0x9e3779b97f4a7c15)
	for len(db) < n {
		bits := make([]bool, near.Bits())
		for k := range bits {
			if k%64 == 0 {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
			}
			bits[k] = x>>(k%64)&1 == 1
		}
		h, err := phash.FromBits(near.Kind(), bits)
		if err != nil {
			b.Fatal(err)
		}
		db = append(db, h)
	}
	return db
}

// BenchmarkHashMatch measures, at Default with real bootstrapping, one
// bootstrap (the calibration figure), the client's encryption and upload,
// and the server's whole answer per database size, split into hashing,
// matching (bootstrapping included in both) and bootstrapping alone. Key
// generation is reported as a metric of the first line. Times are
// process CPU time (run with GOMAXPROCS=1 so that it is single-core work
// time on a shared machine); ns/op is wall time.
func BenchmarkHashMatch(b *testing.B) {
	if os.Getenv(envDefault) != "1" {
		b.Skipf("set %s=1 to run at Default (N = 2^15 with bootstrapping: minutes, GBs)", envDefault)
	}
	lit, T := Default, 10
	if os.Getenv(envDefault+"_HASH") == "pdq" {
		lit, T = DefaultPDQ, 31
	}
	p, err := NewParams(lit)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("params: %s; GOMAXPROCS=%d", p, runtime.GOMAXPROCS(0))
	c, err := NewClient(p, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	t0, c0 := time.Now(), cpuClock()
	keys, err := c.Keys()
	if err != nil {
		b.Fatal(err)
	}
	keygen, keygenCPU := time.Since(t0), cpuClock()-c0
	circ, boot := keys.Count()
	c0 = cpuClock()
	ks, err := keys.decode()
	if err != nil {
		b.Fatal(err)
	}
	decodeCPU := cpuClock() - c0
	unseeded := ks.evk.BinarySize() + ks.btp.BinarySize()
	b.Logf("keygen %.1f s wall, %.1f s CPU; %d circuit + %d bootstrapping keys, %d B seeded (%d B in Lattigo's encoding, ratio %.3f); decode %.1f s CPU",
		keygen.Seconds(), keygenCPU.Seconds(), circ, boot, keys.BinarySize(), unseeded, float64(keys.BinarySize())/float64(unseeded), decodeCPU.Seconds())
	ps := photos(b)
	if p.shape.alg == imagehash.AlgPDQ {
		for i := range ps {
			ps[i].luma, ps[i].hash = ps[i].pdqLuma, ps[i].pdq
		}
	}

	b.Run("op=bootstrap", func(b *testing.B) {
		be, err := bootstrapping.NewEvaluator(p.btp, ks.btp)
		if err != nil {
			b.Fatal(err)
		}
		ct := hefloat.NewCiphertext(p.residual, 1, 1)
		ct.LogDimensions = dims
		b.ReportMetric(keygenCPU.Seconds(), "keygen-cpu-s")
		eb := evalBootstrapper{be}
		b.ReportMetric(float64(keys.BinarySize()), "keys-B")
		b.ReportMetric(float64(unseeded), "keys-lattigo-B")
		b.ReportMetric(decodeCPU.Seconds(), "keys-decode-cpu-s")
		var cpu time.Duration
		for b.Loop() {
			c0 := cpuClock()
			if _, err := eb.Bootstrap(ct); err != nil {
				b.Fatal(err)
			}
			cpu += cpuClock() - c0
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
	ks = nil // each NewServer below decodes its own copy: 6 GB less held
	b.Run("role=client", func(b *testing.B) {
		var q []byte
		var cpu time.Duration
		for b.Loop() {
			c0 := cpuClock()
			if q, err = c.QueryLuma(ps[0].luma); err != nil {
				b.Fatal(err)
			}
			cpu += cpuClock() - c0
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(len(q)), "up-B/op")
	})
	for _, lg := range dbSizes(b) {
		target := ps[3]
		for _, kind := range queryKinds() {
			img, dist, want := target, T, 1
			switch kind {
			case "listed":
			case "t-1":
				dist = T - 1
			case "t+1":
				dist, want = T+1, 0
			case "unlisted":
				img, want = ps[0], 0
				if d, _ := phash.Distance(img.hash, target.hash); d <= 2*T+1 {
					b.Fatalf("unlisted photo %s at distance %d from %s", img.name, d, target.name)
				}
			default:
				b.Fatalf("%s_QUERIES: unknown kind %q (listed, t-1, t+1, unlisted)", envDefault, kind)
			}
			db := database(b, 1<<lg, target.hash, dist)
			c0 := cpuClock()
			srv, err := NewServer(p, keys, db, T)
			if err != nil {
				b.Fatal(err)
			}
			useCPUClock(srv)
			b.Logf("db=2^%d query=%s: server setup %.1f s CPU", lg, kind, (cpuClock() - c0).Seconds())
			q, err := c.QueryLuma(img.luma)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("db=2^%d/role=server/query=%s", lg, kind), func(b *testing.B) {
				var st Stats
				var ans []byte
				var res int
				var rss runtime.MemStats
				for b.Loop() {
					var pend *Pending
					if ans, pend, st, err = srv.Answer(q, Verdict, rand.Reader); err != nil {
						b.Fatal(err)
					}
					reply, err := c.Reveal(ans)
					if err != nil {
						b.Fatal(err)
					}
					if res, err = pend.Result(reply); err != nil {
						b.Logf("WRONG REPLY: %v", err)
						res = -1
					}
				}
				runtime.ReadMemStats(&rss)
				// A wrong verdict is logged and reported as verdict-ok 0
				// rather than failing, so that the timings still print.
				ok := 1.0
				if res != want {
					ok = 0
					b.Logf("WRONG VERDICT: %d for %s query %s, want %d", res, kind, img.name, want)
				}
				b.ReportMetric(ok, "verdict-ok")
				b.ReportMetric(st.Total().Seconds(), "cpu-s/op")
				b.ReportMetric(st.Hash.Seconds(), "hash-cpu-s/op")
				b.ReportMetric(st.Match.Seconds(), "match-cpu-s/op")
				b.ReportMetric(st.Reveal.Seconds(), "reveal-cpu-s/op")
				b.ReportMetric(st.Bootstrap.Seconds(), "boot-cpu-s/op")
				b.ReportMetric(float64(rss.HeapSys), "heap-sys-B")
				b.ReportMetric(float64(st.Bootstraps), "boots/op")
				b.ReportMetric(float64(len(ans)), "down-B/op")
				b.ReportMetric(float64(8*revealSlots), "reply-B/op")
			})
		}
	}
}

// queryKinds lists PRIVMATCH_HASHMATCH_QUERIES (default "listed"):
// listed runs a photo whose hash is in the database at distance T, t-1
// and t+1 at distances T-1 (a match) and T+1 (none), unlisted a photo far
// from every entry.
func queryKinds() []string {
	s := os.Getenv(envDefault + "_QUERIES")
	if s == "" {
		return []string{"listed"}
	}
	return strings.Split(s, ",")
}
