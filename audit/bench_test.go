package audit

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
)

// benchLeaves returns n distinct leaf hashes.
func benchLeaves(n int) []Hash {
	leaves := make([]Hash, n)
	var buf [8]byte
	for i := range leaves {
		binary.BigEndian.PutUint64(buf[:], uint64(i))
		leaves[i] = LeafHash(buf[:])
	}
	return leaves
}

// BenchmarkAudit measures, per database size 2^16..2^24: building the
// tree (role=build, one iteration at large sizes), the device's
// verification of one inclusion proof and of a consistency proof from a
// head 1% smaller (role=device), with proof sizes as metrics, and the
// device's full recomputation of the root (role=recompute). 2^24 runs only
// with PRIVMATCH_BENCH_2_24=1 (about 1.5 GB).
func BenchmarkAudit(b *testing.B) {
	sizes := []int{16, 18, 20, 22}
	if os.Getenv("PRIVMATCH_BENCH_2_24") == "1" {
		sizes = append(sizes, 24)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	for _, lg := range sizes {
		n := 1 << lg
		var leaves []Hash
		var tr *Tree
		setup := func() {
			if tr == nil {
				leaves = benchLeaves(n)
				tr = NewTree(leaves)
			}
		}
		name := fmt.Sprintf("db=2^%d", lg)
		b.Run(name+"/role=build", func(b *testing.B) {
			setup()
			for b.Loop() {
				NewTree(leaves)
			}
		})
		b.Run(name+"/role=device/proof=inclusion", func(b *testing.B) {
			setup()
			i := uint64(n / 3)
			p, _ := tr.InclusionProof(i, uint64(n))
			root := tr.Root()
			enc, _ := MarshalProof(p)
			b.ReportAllocs()
			for b.Loop() {
				if err := VerifyInclusion(i, uint64(n), leaves[i], p, root); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(enc)), "proof-B")
		})
		b.Run(name+"/role=device/proof=consistency", func(b *testing.B) {
			setup()
			m := uint64(n - n/100)
			p, _ := tr.ConsistencyProof(m, uint64(n))
			r1, _ := tr.RootAt(m)
			r2 := tr.Root()
			enc, _ := MarshalProof(p)
			b.ReportAllocs()
			for b.Loop() {
				if err := VerifyConsistency(m, uint64(n), r1, r2, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(enc)), "proof-B")
		})
		b.Run(name+"/role=device/check=signed-head", func(b *testing.B) {
			setup()
			h, _ := Sign(TreeHead{Log: "db", Size: uint64(n), Root: tr.Root(), History: EmptyRoot}, key)
			for b.Loop() {
				if err := h.Verify(pub); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(h.BinarySize()), "head-B")
		})
		b.Run(name+"/role=recompute", func(b *testing.B) {
			setup()
			rows := make([]byte, 32*n)
			for i, l := range leaves {
				copy(rows[32*i:], l[:])
			}
			for b.Loop() {
				if _, err := RootOfRecords(rows, 32); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHeadLink measures the device's comparison of two heads of a
// table log 2^10 epochs long (CompareHeads: two signatures, the older
// head's inclusion in the newer history and the histories' consistency),
// with the linking proof's size as a metric.
func BenchmarkHeadLink(b *testing.B) {
	pub, key, _ := ed25519.GenerateKey(nil)
	p, err := NewPublisher("table", key)
	if err != nil {
		b.Fatal(err)
	}
	const epochs = 1 << 10
	for i := range epochs {
		if _, err := p.Publish(TreeHead{Log: "table", Size: uint64(i + 1), Root: LeafHash([]byte{byte(i)})}); err != nil {
			b.Fatal(err)
		}
	}
	older, _ := p.Head(epochs / 3)
	newer, _ := p.Head(epochs - 1)
	link, err := p.Link(older.Epoch, newer.Epoch, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("epochs=2^10/role=device", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := CompareHeads(older, newer, pub, false, link); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(link.BinarySize()), "proof-B")
		b.ReportMetric(float64(newer.BinarySize()), "head-B")
	})
}
