package audit

import (
	"bytes"
	"errors"
	"testing"
)

// oprfParams are parameters shaped like oprf-psi's: seed and L.
func oprfParams(seed byte) Params {
	return Params{Protocol: "oprf-psi", Algorithm: "pdq", Bits: 256, RowSize: 32,
		Settings: []Setting{{"seed", bytes.Repeat([]byte{seed}, 16)}, {"L", bytes.Repeat([]byte{7}, 32)}}}
}

// tableServer publishes successive tables with their parameters.
type tableServer struct {
	pub  *Publisher
	rows [][]byte
	par  []Params
}

func (s *tableServer) publish(t *testing.T, tag string, n int, par Params) SignedHead {
	t.Helper()
	rows, root := tableOf(tag, n)
	h, err := s.pub.Publish(TreeHead{Log: "table", Size: uint64(n), Root: root, Params: par.Digest()})
	if err != nil {
		t.Fatal(err)
	}
	s.rows, s.par = append(s.rows, rows), append(s.par, par)
	return h
}

// served is what the server hands a device whose newest head is at
// epoch from, serving epoch e.
func (s *tableServer) served(t *testing.T, from, e uint64) Served {
	t.Helper()
	h, err := s.pub.Head(e)
	if err != nil {
		t.Fatal(err)
	}
	var link HeadProof
	if from < e {
		if link, err = s.pub.Link(from, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	par := s.par[e]
	par.Settings = append([]Setting(nil), par.Settings...)
	return Served{Head: h, Link: link, Params: par, Rows: append([]byte(nil), s.rows[e]...)}
}

func TestCheckServed(t *testing.T) {
	pk, key := newKey(t)
	p, _ := NewPublisher("table", key)
	srv := &tableServer{pub: p}
	h0 := srv.publish(t, "v0", 100, oprfParams(1))
	h1 := srv.publish(t, "v1", 130, oprfParams(2))
	h2 := srv.publish(t, "v2", 90, oprfParams(3))
	if err := CheckServed(pk, h0, srv.served(t, 0, 0)); err != nil {
		t.Fatalf("published table: %v", err)
	}
	for _, from := range []SignedHead{h0, h1, h2} {
		if err := CheckServed(pk, from, srv.served(t, from.Epoch, 2)); err != nil {
			t.Fatalf("table at epoch 2 from %d, linked: %v", from.Epoch, err)
		}
	}
	otherPK, otherKey := newKey(t)
	forged, _ := Sign(h2.TreeHead, otherKey)

	cases := []struct {
		name   string
		pub    SignedHead
		change func(*Served)
		want   error
	}{
		{"row changed", h0, func(s *Served) { s.Rows[32*40+5] ^= 1 }, ErrProof},
		{"row added", h0, func(s *Served) { s.Rows = append(s.Rows, make([]byte, 32)...) }, ErrProof},
		{"row dropped", h0, func(s *Served) { s.Rows = s.Rows[:len(s.Rows)-32] }, ErrProof},
		{"partial row", h0, func(s *Served) { s.Rows = s.Rows[:len(s.Rows)-1] }, ErrProof},
		{"other cuckoo seed", h0, func(s *Served) { s.Params = oprfParams(9) }, ErrParams},
		{"other L", h0, func(s *Served) { s.Params.Settings[1].Value = bytes.Repeat([]byte{8}, 32) }, ErrParams},
		{"other threshold", h0, func(s *Served) { s.Params.Threshold = 31 }, ErrParams},
		{"other algorithm", h0, func(s *Served) { s.Params.Algorithm = "dhash" }, ErrParams},
		{"other row size", h0, func(s *Served) { s.Params.RowSize = 16 }, ErrParams},
		{"rows without a table", h0, func(s *Served) { s.Params.RowSize = 0 }, ErrParams},
		{"head signed by another key", h0, func(s *Served) { s.Head = forged }, ErrSignature},
		{"replayed older epoch", h1, func(s *Served) { *s = srv.served(t, 0, 0) }, ErrStale},
		{"newer epoch without a link", h0, func(s *Served) { s.Link = HeadProof{} }, nil},
		{"newer epoch, link altered", h1, func(s *Served) { s.Link.History[0][0] ^= 1 }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := srv.served(t, c.pub.Epoch, 2)
			c.change(&s)
			err := CheckServed(pk, c.pub, s)
			if err == nil {
				t.Fatal("accepted")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
			if c.want == nil {
				var sv *SplitView
				if !errors.As(err, &sv) {
					t.Errorf("got %v, want a split view", err)
				}
			}
		})
	}
	if err := CheckServed(otherPK, h0, srv.served(t, 0, 0)); !errors.Is(err, ErrSignature) {
		t.Errorf("published head under another key: %v", err)
	}
	// A server-held database: no rows, head and parameters only.
	hp := Params{Protocol: "he-exact", Algorithm: "pdq", Bits: 256}
	dbh := srv.publish(t, "v3", 50, hp)
	if err := CheckServed(pk, h1, Served{Head: dbh, Link: mustLink(t, p, 1, 3), Params: hp}); err != nil {
		t.Errorf("server-held database: %v", err)
	}
	hp.Threshold = 1
	if err := CheckServed(pk, h1, Served{Head: dbh, Link: mustLink(t, p, 1, 3), Params: hp}); !errors.Is(err, ErrParams) {
		t.Errorf("server-held database, other threshold: %v", err)
	}
}

func mustLink(t *testing.T, p *Publisher, a, b uint64) HeadProof {
	t.Helper()
	l, err := p.Link(a, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Two devices, one shown a forked table: the device remembers what it
// accepted, refuses a replay, and gossip between the two devices exposes
// the fork.
func TestDeviceGossip(t *testing.T) {
	pk, key := newKey(t)
	honest, _ := NewPublisher("table", key)
	fork, _ := NewPublisher("table", key)
	hs, fs := &tableServer{pub: honest}, &tableServer{pub: fork}
	h0 := hs.publish(t, "v0", 64, oprfParams(1))
	fs.publish(t, "v0", 64, oprfParams(1))
	hs.publish(t, "v1", 80, oprfParams(2))
	fs.publish(t, "evil", 90, oprfParams(2)) // device A's epoch 1
	hs.publish(t, "v2", 100, oprfParams(3))

	a, err := NewDevice(pk, h0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewDevice(pk, h0)
	if err := a.Setup(fs.served(t, 0, 1)); err != nil {
		t.Fatalf("device A alone cannot tell the fork: %v", err)
	}
	if err := b.Setup(hs.served(t, 0, 2)); err != nil {
		t.Fatal(err)
	}
	if a.Newest().Epoch != 1 || b.Newest().Epoch != 2 {
		t.Fatalf("epochs %d, %d", a.Newest().Epoch, b.Newest().Epoch)
	}
	if err := a.Setup(hs.served(t, 0, 0)); !errors.Is(err, ErrStale) {
		t.Errorf("replay to A: %v", err)
	}
	var sv *SplitView
	if err := a.Gossip(b.Newest(), mustLink(t, honest, 1, 2)); !errors.As(err, &sv) {
		t.Errorf("A gossips with B: %v", err)
	}
	// B, shown only the honest history, accepts an honest peer at
	// epoch 1 and keeps its newer head.
	c, _ := NewDevice(pk, h0)
	if err := c.Setup(hs.served(t, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Gossip(c.Newest(), mustLink(t, honest, 1, 2)); err != nil || b.Newest().Epoch != 2 {
		t.Errorf("honest gossip: %v, epoch %d", err, b.Newest().Epoch)
	}
	if err := c.Gossip(b.Newest(), mustLink(t, honest, 1, 2)); err != nil || c.Newest().Epoch != 2 {
		t.Errorf("honest gossip, newer peer: %v, epoch %d", err, c.Newest().Epoch)
	}
}
