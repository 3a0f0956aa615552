package psi_test

import (
	"fmt"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// BenchmarkRun measures one whole in-process query through the driver
// (encoding, decoding, every step of both roles, the pipe between them)
// on a connection whose setup is done.
func BenchmarkRun(b *testing.B) {
	for _, name := range []string{"oprf-psi", "he-exact"} {
		p, err := psi.ByName(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("proto=%s/db=2^16", p.Name()), func(b *testing.B) {
			s := getServer(b, p, 16)
			cli, err := p.NewClient(s.db.Kind, s.db.Bits, psi.Options{})
			if err != nil {
				b.Fatal(err)
			}
			conn, _, err := psi.Open(s.srv, cli, s.db.Kind, s.db.Bits)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			h := s.db.Hashes[len(s.db.Hashes)/2]
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.Query(h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
