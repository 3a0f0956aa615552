package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"
)

// tableOf returns n rows of 32 bytes drawn from tag, and their root.
func tableOf(tag string, n int) ([]byte, Hash) {
	rows := make([]byte, 0, 32*n)
	for i := range n {
		l := LeafHash([]byte(fmt.Sprint(tag, i)))
		rows = append(rows, l[:]...)
	}
	r, _ := RootOfRecords(rows, 32)
	return rows, r
}

// publishTables publishes one table head per size, from tag.
func publishTables(t *testing.T, p *Publisher, tag string, sizes ...int) []SignedHead {
	t.Helper()
	var out []SignedHead
	for _, n := range sizes {
		_, r := tableOf(fmt.Sprint(tag, n), n)
		h, err := p.Publish(TreeHead{Log: "table", Size: uint64(n), Root: r})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub, key
}

// Honest snapshots of growing and shrinking sizes link at every pair of
// epochs, in either order; the proofs survive encoding.
func TestPublisherLinks(t *testing.T) {
	pub, key := newKey(t)
	p, err := NewPublisher("table", key)
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{5, 9, 9, 4, 30, 31, 64, 2, 100}
	hs := publishTables(t, p, "v", sizes...)
	for i := range hs {
		if hs[i].Epoch != uint64(i) {
			t.Fatalf("head %d has epoch %d", i, hs[i].Epoch)
		}
		for j := i; j < len(hs); j++ {
			hp, err := p.Link(uint64(i), uint64(j), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := hp.MarshalBinary()
			if err != nil || len(b) != hp.BinarySize() {
				t.Fatalf("encode %d->%d: %v", i, j, err)
			}
			var q HeadProof
			if err := q.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if err := CompareHeads(hs[i], hs[j], pub, false, q); err != nil {
				t.Errorf("%d->%d: %v", i, j, err)
			}
			if err := CompareHeads(hs[j], hs[i], pub, false, q); err != nil {
				t.Errorf("%d->%d reversed: %v", i, j, err)
			}
			if i < j && len(q.Inclusion) > 0 {
				q.Inclusion[0][1] ^= 1
				var sv *SplitView
				if err := CompareHeads(hs[i], hs[j], pub, false, q); !errors.As(err, &sv) || sv.Conclusive {
					t.Errorf("%d->%d altered proof: %v", i, j, err)
				}
			}
		}
	}
	if _, err := p.Publish(TreeHead{Log: "other"}); err == nil {
		t.Error("head of another log published")
	}
	if _, err := p.Link(3, 2, nil); err == nil {
		t.Error("backward link")
	}
}

// A server that forks its history: every way it can show two devices
// different tables is caught when they compare heads. On the code before
// epochs, heads of different sizes compared as nil (no split view).
func TestSplitViews(t *testing.T) {
	pub, key := newKey(t)
	honest, _ := NewPublisher("table", key)
	fork, _ := NewPublisher("table", key)
	// Both start from the same published epochs 0 and 1 (ed25519 is
	// deterministic: the same heads byte for byte).
	h := publishTables(t, honest, "v", 10, 20)
	f := publishTables(t, fork, "v", 10, 20)
	if h[1] != f[1] {
		t.Fatal("forks differ before the fork")
	}
	// Then epoch 2: honest 30 rows; device A is shown a larger table of
	// 40 rows that is not an extension of anything published.
	h = append(h, publishTables(t, honest, "v", 30)...)
	f = append(f, publishTables(t, fork, "evil", 40)...)
	// Honest epoch 3 for everyone else.
	h = append(h, publishTables(t, honest, "v", 35)...)

	cases := []struct {
		name       string
		a, b       SignedHead
		proof      func() HeadProof
		conclusive bool
	}{
		{"same epoch, larger table to device A", h[2], f[2], func() HeadProof { return HeadProof{} }, true},
		{"forked epoch 2 against honest epoch 3", f[2], h[3], func() HeadProof { p, _ := honest.Link(2, 3, nil); return p }, false},
		{"forked epoch 2 against honest epoch 3, fork's own proof", f[2], h[3], func() HeadProof { p, _ := fork.Link(1, 2, nil); return p }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sv *SplitView
			err := CompareHeads(c.a, c.b, pub, false, c.proof())
			if !errors.As(err, &sv) {
				t.Fatalf("got %v, want a split view", err)
			}
			if sv.Conclusive != c.conclusive {
				t.Errorf("conclusive %v, want %v: %v", sv.Conclusive, c.conclusive, err)
			}
		})
	}
	// Every proof the two publishers can produce fails to link the fork
	// to the honest epoch 3.
	for _, p := range []*Publisher{honest, fork} {
		n := uint64(len(p.heads))
		for i := uint64(0); i < n; i++ {
			for j := i; j < n; j++ {
				hp, _ := p.Link(i, j, nil)
				if CompareHeads(f[2], h[3], pub, false, hp) == nil {
					t.Errorf("fork linked by a proof %d->%d", i, j)
				}
			}
		}
	}
	// Same size, different roots at one epoch.
	_, r := tableOf("x", 20)
	same := h[1].TreeHead
	same.Root = r
	other, _ := Sign(same, key)
	var sv *SplitView
	if err := CompareHeads(h[1], other, pub, false, HeadProof{}); !errors.As(err, &sv) || !sv.Conclusive {
		t.Errorf("same epoch and size, different roots: %v", err)
	}
}

// An append-only log: a later epoch that shrank, or changed at one size,
// is conclusive; a rewritten prefix fails the tree proof.
func TestAppendOnlySplitViews(t *testing.T) {
	pub, key := newKey(t)
	leaves := func(tag string, n int) []Hash {
		var ls []Hash
		for i := range n {
			ls = append(ls, LeafHash([]byte(fmt.Sprint(tag, i))))
		}
		return ls
	}
	tr := NewTree(leaves("a", 10))
	p, _ := NewPublisher("list/a", key)
	h0, _ := p.Publish(TreeHead{Log: "list/a", Size: tr.Size(), Root: tr.Root()})
	tr.Append(leaves("b", 7)...)
	h1, _ := p.Publish(TreeHead{Log: "list/a", Size: tr.Size(), Root: tr.Root()})
	link, err := p.Link(0, 1, tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := CompareHeads(h0, h1, pub, true, link); err != nil {
		t.Fatalf("honest growth: %v", err)
	}
	if len(link.Tree) == 0 {
		t.Fatal("no tree proof")
	}

	// Epoch 2 as shown to one device: the first 10 entries with one
	// replaced, then 12 more (a larger tree, inconsistent with epoch 0).
	bad := leaves("a", 10)
	bad[3] = LeafHash([]byte("inserted"))
	btr := NewTree(append(bad, leaves("c", 12)...))
	hb, _ := p.Publish(TreeHead{Log: "list/a", Size: btr.Size(), Root: btr.Root()})
	lb, _ := p.Link(0, 2, btr)
	var sv *SplitView
	if err := CompareHeads(h0, hb, pub, true, lb); !errors.As(err, &sv) || sv.Conclusive {
		t.Errorf("prefix-inconsistent larger tree: %v", err)
	}
	// The history links it (the publisher signed it), only the tree
	// proof fails: the snapshot check alone would not see it.
	if err := CompareHeads(h0, hb, pub, false, HeadProof{Inclusion: lb.Inclusion, History: lb.History}); err != nil {
		t.Errorf("history link: %v", err)
	}

	shrunk, _ := p.Publish(TreeHead{Log: "list/a", Size: 5, Root: NewTree(leaves("a", 5)).Root()})
	ls, _ := p.Link(1, 3, nil)
	if err := CompareHeads(h1, shrunk, pub, true, ls); !errors.As(err, &sv) || !sv.Conclusive {
		t.Errorf("shrunk log: %v", err)
	}
	changed, _ := p.Publish(TreeHead{Log: "list/a", Size: h1.Size, Root: hb.Root})
	lc, _ := p.Link(1, 4, nil)
	if err := CompareHeads(h1, changed, pub, true, lc); !errors.As(err, &sv) || !sv.Conclusive {
		t.Errorf("same size, other root: %v", err)
	}
}

// Heads no honest publisher signs are refused at signing and verifying.
func TestHeadWellFormed(t *testing.T) {
	pub, key := newKey(t)
	for name, h := range map[string]TreeHead{
		"epoch 0 with history": {Log: "t", Size: 1, History: LeafHash(nil)},
		"empty with root":      {Log: "t", Root: LeafHash(nil), History: EmptyRoot},
		"zero history":         {Log: "t", Size: 1},
	} {
		if _, err := Sign(h, key); err == nil {
			t.Errorf("%s: signed", name)
		}
		s := SignedHead{TreeHead: h}
		copy(s.Sig[:], ed25519.Sign(key, h.signedBytes()))
		if s.Verify(pub) == nil {
			t.Errorf("%s: verified", name)
		}
	}
	s, err := Sign(TreeHead{Log: "t", Epoch: 3, Size: 2, Root: LeafHash(nil), History: LeafHash(nil)}, key)
	if err != nil || s.Verify(pub) != nil {
		t.Fatalf("well-formed head: %v", err)
	}
	b, _ := s.MarshalBinary()
	var d SignedHead
	if err := d.UnmarshalBinary(b); err != nil || d != s || len(b) != s.BinarySize() {
		t.Fatalf("round trip: %v", err)
	}
	for _, mut := range []func(*SignedHead){
		func(h *SignedHead) { h.Epoch++ },
		func(h *SignedHead) { h.Params[0] ^= 1 },
		func(h *SignedHead) { h.History[0] ^= 1 },
	} {
		c := s
		mut(&c)
		if !errors.Is(c.Verify(pub), ErrSignature) {
			t.Error("altered head verified")
		}
	}
}
