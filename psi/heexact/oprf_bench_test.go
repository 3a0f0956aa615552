package heexact

import (
	"testing"

	"github.com/privmatch/privmatch/psi/psitest"
)

// BenchmarkOPRF measures the OPRF front alone, what it adds to every
// he-exact query and to the server's load: role=client is blinding one
// hash and unblinding an evaluation into the engine's item, role=server
// one evaluation (decode, check, multiply, encode), role=load the full
// evaluation of one listed hash when the server loads, per entry.
func BenchmarkOPRF(b *testing.B) {
	k, err := newOPRFKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	h := psitest.Database(b, 1, 1).Hashes[0]
	q := &oprfClientQuery{c: &heExactClient{}, h: h}
	var reqB, ev []byte
	req, err := q.Start()
	if err == nil {
		reqB, err = req.MarshalBinary()
	}
	if err == nil {
		ev, err = k.evaluate(reqB)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Run("role=client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			q := &oprfClientQuery{c: &heExactClient{}, h: h}
			if _, err := q.Start(); err != nil {
				b.Fatal(err)
			}
			if _, err := q.unblind(ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("role=server", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.evaluate(reqB); err != nil {
				b.Fatal(err)
			}
		}
	})
	in := [][32]byte{heExactItem(h)}
	b.Run("role=load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.items(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
