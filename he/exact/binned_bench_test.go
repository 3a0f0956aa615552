package exact

import (
	"fmt"
	"testing"
)

// BenchmarkBinned measures one query of the binned circuit (PN13B) against
// a database of random 256-bit hashes, per role: role=server is Answer
// (expansion, bin products, fold); role=client is Query plus Finish. The
// setup logs the bins and the answer's noise margin; load-s is
// NewBinnedServer's wall time. For
// one-core figures pin the process (taskset -c 1).
func BenchmarkBinned(b *testing.B) {
	for _, logN := range []int{16, 18, 20} {
		var f *binnedFixture
		var kb int
		setup := func(b *testing.B) *binnedFixture {
			if f == nil {
				f = newBinnedFixture(b, PN13B, 1<<logN)
				kb = BinnedKeysSize(f.p, f.srv.Bins())
				checkBinnedNoise(b, f)
			}
			return f
		}
		report := func(b *testing.B) {
			b.ReportMetric(float64(QuerySize(f.p)), "query-B/op")
			b.ReportMetric(float64(BinnedAnswerSize(f.p)), "answer-B/op")
			b.ReportMetric(float64(BinnedReplySize(f.p)), "reply-B/op")
			b.ReportMetric(float64(QuerySize(f.p)+BinnedAnswerSize(f.p)+BinnedReplySize(f.p)), "total-B/op")
			b.ReportMetric(float64(kb), "keys-B")
			b.ReportMetric(float64(f.srv.Bins()), "bins")
			b.ReportMetric(float64(f.srv.EncodedBytes()), "db-B")
			b.ReportMetric(f.load.Seconds(), "load-s")
		}
		b.Run(fmt.Sprintf("db=2^%d/preset=PN13B/role=server", logN), func(b *testing.B) {
			f := setup(b)
			benchServer(b, f.cli.Query, f.db[3], func(q []byte) error {
				_, _, err := f.srv.Answer(f.keys, q)
				return err
			})
			report(b)
		})
		b.Run(fmt.Sprintf("db=2^%d/preset=PN13B/role=client", logN), func(b *testing.B) {
			f := setup(b)
			ans, _, vst := f.reply(b, f.db[3])
			b.ReportAllocs()
			var reply []byte
			c0 := cpuTime()
			for b.Loop() {
				_, st, err := f.cli.Query(f.db[3])
				if err != nil {
					b.Fatal(err)
				}
				if reply, err = f.cli.Finish(st, ans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
			report(b)
			if m, err := f.srv.Verdict(vst, reply); err != nil || !m {
				b.Fatalf("verdict %v %v", m, err)
			}
		})
	}
}
