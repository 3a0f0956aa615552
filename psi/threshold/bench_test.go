package threshold_test

import (
	"fmt"
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// BenchmarkThreshold measures threshold-psi per image: the device's time
// to build a voucher (role=client), the server's time to process one
// (role=server, for a listed and an unlisted hash) and the voucher size,
// against a 2^16-entry table. Reconstruction cost is BenchmarkDecodeShares.
func BenchmarkThreshold(b *testing.B) {
	const logN = 16
	p, err := threshold.New(threshold.Defaults)
	if err != nil {
		b.Fatal(err)
	}
	db := psitest.Database(b, 1<<logN, 9)
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cli, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
	psitest.SetupExchange(b, srv, cli)
	name := fmt.Sprintf("proto=threshold-psi/k=%d/db=2^%d", threshold.Defaults.K, logN)
	b.Run(name+"/role=client", func(b *testing.B) {
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
	})
	for _, tc := range []struct {
		name string
		i    int
		flip bool
	}{{"listed", 2, false}, {"unlisted", 3, true}} {
		b.Run(name+"/role=server/hash="+tc.name, func(b *testing.B) {
			h := db.Hashes[tc.i]
			if tc.flip {
				h = psitest.FlipBit(b, h, 5)
			}
			// Fresh vouchers from a fresh account each, k-1 per account so
			// no reconstruction runs: the server refuses a repeated share.
			c2, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
			_, sess := psitest.SetupExchange(b, srv, c2)
			var enc [][]byte
			for i := 0; i < threshold.Defaults.K-1; i++ {
				cq, _ := c2.NewQuery(h)
				m, _ := cq.Start()
				e, _ := m.MarshalBinary()
				enc = append(enc, e)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == len(enc) {
					b.StopTimer()
					c2, _ = p.NewClient(db.Kind, db.Bits, psi.Options{})
					psitest.SetupExchange(b, srv, c2)
					for j := range enc {
						cq, _ := c2.NewQuery(h)
						m, _ := cq.Start()
						enc[j], _ = m.MarshalBinary()
					}
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
