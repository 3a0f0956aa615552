package audit

import (
	"encoding/hex"
	"fmt"
	"testing"
)

// refMTH is RFC 9162's definition, recursively over leaf data.
func refMTH(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return EmptyRoot
	case 1:
		return leaves[0]
	}
	k := largestPow2Below(uint64(len(leaves)))
	return NodeHash(refMTH(leaves[:k]), refMTH(leaves[k:]))
}

// The certificate-transparency reference vectors (RFC 6962 test data, also
// used by RFC 9162 implementations): roots of the first n of 8 leaves.
func TestRootKnownAnswers(t *testing.T) {
	data := []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	want := []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	var leaves []Hash
	for _, d := range data {
		b, _ := hex.DecodeString(d)
		leaves = append(leaves, LeafHash(b))
	}
	tr := NewTree(leaves)
	for n := 1; n <= 8; n++ {
		r, err := tr.RootAt(uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(r[:]); got != want[n-1] {
			t.Errorf("root of %d leaves %s, want %s", n, got, want[n-1])
		}
		if RootOf(leaves[:n]) != r {
			t.Errorf("RootOf(%d) differs from the tree's", n)
		}
	}
	if EmptyRoot != NewTree(nil).Root() {
		t.Error("empty root")
	}
}

// Every root, inclusion proof and consistency proof up to 70 leaves agrees
// with the RFC definition and verifies; any altered proof fails.
func TestProofsExhaustive(t *testing.T) {
	const N = 70
	var leaves []Hash
	for i := 0; i < N; i++ {
		leaves = append(leaves, LeafHash([]byte(fmt.Sprint(i))))
	}
	// Grown by Append in uneven steps, so Append's rebuild is exercised.
	tr := NewTree(nil)
	for i := 0; i < N; i += 1 + i%4 {
		tr.Append(leaves[i:min(N, i+1+i%4)]...)
	}
	if tr.Size() != N {
		t.Fatalf("size %d", tr.Size())
	}
	for n := uint64(1); n <= N; n++ {
		root := refMTH(leaves[:n])
		if r, _ := tr.RootAt(n); r != root {
			t.Fatalf("root at %d", n)
		}
		for i := uint64(0); i < n; i++ {
			p, err := tr.InclusionProof(i, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(i, n, leaves[i], p, root); err != nil {
				t.Fatalf("inclusion %d/%d: %v", i, n, err)
			}
			if VerifyInclusion(i, n, leaves[(i+1)%N], p, root) == nil {
				t.Fatalf("inclusion %d/%d: wrong leaf accepted", i, n)
			}
			if len(p) > 0 {
				q := append([]Hash(nil), p...)
				q[len(q)/2][3] ^= 1
				if VerifyInclusion(i, n, leaves[i], q, root) == nil {
					t.Fatalf("inclusion %d/%d: altered proof accepted", i, n)
				}
				if VerifyInclusion(i, n, leaves[i], p[:len(p)-1], root) == nil {
					t.Fatalf("inclusion %d/%d: short proof accepted", i, n)
				}
			}
			if VerifyInclusion(i, n, leaves[i], append(p, root), root) == nil {
				t.Fatalf("inclusion %d/%d: long proof accepted", i, n)
			}
		}
		for m := uint64(1); m <= n; m++ {
			p, err := tr.ConsistencyProof(m, n)
			if err != nil {
				t.Fatal(err)
			}
			r1 := refMTH(leaves[:m])
			if err := VerifyConsistency(m, n, r1, root, p); err != nil {
				t.Fatalf("consistency %d->%d: %v", m, n, err)
			}
			if m < n {
				q := append([]Hash(nil), p...)
				q[0][0] ^= 1
				if VerifyConsistency(m, n, r1, root, q) == nil {
					t.Fatalf("consistency %d->%d: altered proof accepted", m, n)
				}
				// A history rewritten before m: a different old root.
				other := r1
				other[5] ^= 1
				if VerifyConsistency(m, n, other, root, p) == nil {
					t.Fatalf("consistency %d->%d: other old root accepted", m, n)
				}
			}
		}
	}
}

func TestRootOfRecords(t *testing.T) {
	rows := make([]byte, 32*37)
	for i := range rows {
		rows[i] = byte(i * 7)
	}
	r, err := RootOfRecords(rows, 32)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []Hash
	for i := 0; i < 37; i++ {
		leaves = append(leaves, LeafHash(rows[32*i:32*i+32]))
	}
	if r != refMTH(leaves) {
		t.Error("records root")
	}
	if _, err := RootOfRecords(rows[:33], 32); err == nil {
		t.Error("partial record accepted")
	}
}
