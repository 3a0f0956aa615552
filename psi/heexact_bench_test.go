package psi_test

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/privmatch/privmatch/psi"
)

// BenchmarkHEExact measures he-exact's per-query client work as a whole:
// role=client is Start (blind the hash), Step on the OPRF evaluation
// (unblind, encrypt the query, encode it) and Step on the server's answer
// (decode, decrypt, encode the reply), where BenchmarkPSI's role=client
// times only the first flight, common to every protocol. The server's
// messages are recorded once outside the loop (the evaluation unblinds to
// another item under a fresh blind, at the same cost). db=2^22 (minutes of load: the
// OPRF and the layout of 2^22 entries) runs only with PSI_BENCH_2P22=1. Pin the
// process (taskset -c 0) for one-core figures.
func BenchmarkHEExact(b *testing.B) {
	sizes := []int{16, 18, 20}
	if os.Getenv("PSI_BENCH_2P22") == "1" {
		sizes = append(sizes, 22)
	}
	for _, logN := range sizes {
		b.Run(fmt.Sprintf("db=2^%d/role=client", logN), func(b *testing.B) {
			p, err := psi.ByName("he-exact")
			if err != nil {
				b.Fatal(err)
			}
			q := prepareQuery(b, p, logN)
			_, down := record(b, q.srv, q.cli, q.h)
			b.ReportAllocs()
			c0 := processCPU()
			for b.Loop() {
				cq, err := q.cli.NewQuery(q.h)
				if err != nil {
					b.Fatal(err)
				}
				m, err := cq.Start()
				for _, d := range down {
					if err != nil {
						break
					}
					if _, err = m.MarshalBinary(); err != nil {
						break
					}
					a := cq.Expect()
					if err = a.UnmarshalBinary(d); err == nil {
						m, err = cq.Step(a)
					}
				}
				if err == nil {
					_, err = m.MarshalBinary()
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
			q.metrics(b)
		})
	}
}

// processCPU returns the process's user+system CPU time, a steadier cost
// measure than wall time on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
