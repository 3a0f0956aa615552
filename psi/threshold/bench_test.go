package threshold_test

import (
	"fmt"
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// BenchmarkThreshold measures threshold-psi per image under Defaults
// (k = 30, s = 1%, S = 46) against tables of 2^16 and 2^20 entries: the
// device's time to build a voucher (role=client, with the voucher and
// setup sizes as up-B/op and setup-B/op), and the server's time to
// process one (role=server, for a listed and an unlisted hash; k-1
// vouchers per account, so no reconstruction runs: BenchmarkDetect is
// that). Run one size at a time, e.g. -bench 'Threshold/db=2\^16'; the
// 2^20 table takes minutes to blind.
func BenchmarkThreshold(b *testing.B) {
	for _, logN := range []int{16, 20} {
		b.Run(fmt.Sprintf("db=2^%d", logN), func(b *testing.B) { benchThreshold(b, logN) })
	}
}

func benchThreshold(b *testing.B, logN int) {
	p := threshold.Protocol
	db := psitest.Database(b, 1<<logN, 9)
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cli, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
	msgs, _ := psitest.SetupExchange(b, srv, cli)
	setupBytes := len(msgs[0].Bytes)
	b.Run("role=client", func(b *testing.B) {
		b.ReportAllocs()
		size := 0
		for b.Loop() {
			cq, _ := cli.NewQuery(db.Hashes[1])
			m, err := cq.Start()
			if err != nil {
				b.Fatal(err)
			}
			size = m.BinarySize()
		}
		b.ReportMetric(float64(size), "up-B/op")
		b.ReportMetric(float64(setupBytes), "setup-B/op")
	})
	for _, tc := range []struct {
		name string
		flip bool
	}{{"listed", false}, {"unlisted", true}} {
		b.Run("role=server/hash="+tc.name, func(b *testing.B) {
			h := db.Hashes[2]
			if tc.flip {
				h = psitest.FlipBit(b, h, 5)
			}
			// Fresh vouchers, k-1 per account, so no reconstruction
			// runs and no share repeats.
			var sess psi.ServerSession
			var enc [][]byte
			refill := func() {
				c2, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
				_, sess = psitest.SetupExchange(b, srv, c2)
				enc = enc[:0]
				for i := 0; i < threshold.Defaults.K-1; i++ {
					cq, _ := c2.NewQuery(h)
					m, _ := cq.Start()
					e, _ := m.MarshalBinary()
					enc = append(enc, e)
				}
			}
			refill()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == len(enc) {
					b.StopTimer()
					refill()
					i = 0
					b.StartTimer()
				}
				sq, _ := sess.NewQuery()
				in := sq.Expect()
				if err := in.UnmarshalBinary(enc[i]); err != nil {
					b.Fatal(err)
				}
				if _, err := sq.Step(in); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkDetect is the server's detection over one account, k = 30 and
// S = 46 (Defaults): adding g genuine and z synthetic detectable-hash rows
// (synthetic first) until the k-th genuine row closes the dependency.
func BenchmarkDetect(b *testing.B) {
	for _, z := range []int{0, 10, 46} {
		b.Run(fmt.Sprintf("k=30/synthetic=%d", z), func(b *testing.B) {
			rows := threshold.SampleRows(30, 46, 30, z)
			rows = append(rows[30:], rows[:30]...)
			b.ReportAllocs()
			for b.Loop() {
				if at, _ := threshold.Detect(rows); at != len(rows)-1 {
					b.Fatalf("dependency at %d", at)
				}
			}
		})
	}
}
