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
// role=client is Start (encrypt the query, encode it) plus Step on the
// server's answer (decode, decrypt, encode the reply), where BenchmarkPSI's
// role=client times only the first flight, common to every protocol. The
// answer is computed once outside the loop. db=2^22 (16 partitions, four
// answer ciphertexts) runs only with PSI_BENCH_2P22=1. Pin the
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
			msgs := clientMessages(b, q.cli, q.h)
			ansBytes := serverSide(b, q.srv, msgs)
			b.ReportAllocs()
			c0 := processCPU()
			for b.Loop() {
				if step(b, clientSide(b, q.cli, q.h), ansBytes) == nil {
					b.Fatal("he-exact client sent no reply")
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
