package oprf_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/oprf"
	"github.com/privmatch/privmatch/psi/psitest"
)

// auditFixture is a publisher that has signed two tables of one database
// (epochs 0 and 1), with their keyed tables.
type auditFixture struct {
	db    *psi.Database
	pub   ed25519.PublicKey
	priv  ed25519.PrivateKey
	p     *audit.Publisher
	keyed [2]*oprf.Keyed
	heads [2]audit.SignedHead
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, err := audit.NewPublisher("table/test", priv)
	if err != nil {
		t.Fatal(err)
	}
	f := &auditFixture{db: psitest.Database(t, 40, 21), pub: pub, priv: priv, p: p}
	for e := range 2 {
		k, err := oprf.BuildTable(f.db, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		th, err := oprf.TableHead("table/test", k.Table, k.Kind, k.Bits)
		if err != nil {
			t.Fatal(err)
		}
		if f.heads[e], err = p.Publish(th); err != nil {
			t.Fatal(err)
		}
		f.keyed[e] = k
	}
	return f
}

// run sets up an audited client whose device has accepted the head of
// epoch seen against srv, and queries a listed hash.
func (f *auditFixture) run(t *testing.T, seen int, srv psi.Server) (*audit.Device, *psi.Transcript, error) {
	t.Helper()
	dev, err := audit.NewDevice(f.pub, f.heads[seen])
	if err != nil {
		t.Fatal(err)
	}
	cli, err := oprf.Protocol.NewClient(f.db.Kind, f.db.Bits, psi.Options{Audit: dev})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := psi.Run(srv, cli, f.db.Hashes[7])
	return dev, tr, err
}

func (f *auditFixture) server(t *testing.T, k *oprf.Keyed, head audit.SignedHead, link audit.HeadProof) psi.Server {
	t.Helper()
	srv, err := oprf.NewAuditedServer(k, head, link)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestAuditedSetupHonest: a server that serves the published table, or a
// newer published one with the link from the device's head, passes the
// device's setup check, and the query then matches.
func TestAuditedSetupHonest(t *testing.T) {
	f := newAuditFixture(t)
	dev, tr, err := f.run(t, 0, f.server(t, f.keyed[0], f.heads[0], audit.HeadProof{}))
	if err != nil {
		t.Fatalf("honest server, same head: %v", err)
	}
	if !tr.ServerOutcome.Match {
		t.Error("listed hash did not match after an audited setup")
	}
	if dev.Newest().Epoch != 0 {
		t.Errorf("device newest epoch %d, want 0", dev.Newest().Epoch)
	}
	link, err := f.p.Link(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err = f.run(t, 0, f.server(t, f.keyed[1], f.heads[1], link))
	if err != nil {
		t.Fatalf("honest server, newer head with link: %v", err)
	}
	if dev.Newest().Epoch != 1 {
		t.Errorf("device newest epoch %d after a newer head, want 1", dev.Newest().Epoch)
	}
}

// TestAuditedSetupRefusesTampering: setup fails, naming what did not
// match, when the server alters one row, serves the table under another
// seed or key L, replays an older head, serves a forked head of the device's epoch, or serves an unaudited
// table.
func TestAuditedSetupRefusesTampering(t *testing.T) {
	f := newAuditFixture(t)
	k := f.keyed[0]
	alter := func(edit func(*oprf.Table)) *oprf.Keyed {
		kk := *k
		tab := *k.Table
		tab.Rows = append([]byte(nil), k.Table.Rows...)
		edit(&tab)
		kk.Table = &tab
		return &kk
	}
	// An element that decodes: row 1 served in place of row 0.
	rowSwap := alter(func(t *oprf.Table) { copy(t.Rows[:32], k.Table.Rows[32:64]) })
	seed := alter(func(t *oprf.Table) { t.Seed[0] ^= 1 })
	otherL := alter(func(t *oprf.Table) { t.L = f.keyed[1].Table.L })
	for _, tc := range []struct {
		name string
		seen int
		srv  psi.Server
		want error
		text string
	}{
		{"one row altered", 0, f.server(t, rowSwap, f.heads[0], audit.HeadProof{}), audit.ErrProof, "root differs"},
		{"other seed", 0, f.server(t, seed, f.heads[0], audit.HeadProof{}), audit.ErrParams, "seed="},
		{"other L", 0, f.server(t, otherL, f.heads[0], audit.HeadProof{}), audit.ErrParams, " L="},
		{"other table under the head", 0, f.server(t, f.keyed[1], f.heads[0], audit.HeadProof{}), audit.ErrParams, "parameters differ"},
		{"stale head", 1, f.server(t, k, f.heads[0], audit.HeadProof{}), audit.ErrStale, "epoch 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.run(t, tc.seen, tc.srv)
			if !errors.Is(err, tc.want) {
				t.Fatalf("setup error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "not the published one") || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not name what differed (%q)", err, tc.text)
			}
		})
	}
	// A second head signed for the device's epoch (a forked log): a
	// split view, with both heads as evidence.
	fork, err := audit.NewPublisher("table/test", f.priv)
	if err != nil {
		t.Fatal(err)
	}
	th, err := oprf.TableHead("table/test", f.keyed[1].Table, f.db.Kind, f.db.Bits)
	if err != nil {
		t.Fatal(err)
	}
	forked, err := fork.Publish(th)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.run(t, 0, f.server(t, f.keyed[1], forked, audit.HeadProof{}))
	var sv *audit.SplitView
	if !errors.As(err, &sv) || !sv.Conclusive {
		t.Errorf("forked head of the same epoch: setup error %v, want a conclusive *audit.SplitView", err)
	}
	// A server that serves no audit material.
	plain, err := oprf.Protocol.NewServer(f.db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.run(t, 0, plain); err == nil {
		t.Error("unaudited server passed an audited client's setup")
	}
}

// TestAuditedSetupOverTCP: the audited setup runs between two endpoints
// over TCP: an honest server passes and the query matches; a server that
// alters one row is refused with the audit error.
func TestAuditedSetupOverTCP(t *testing.T) {
	f := newAuditFixture(t)
	kk := *f.keyed[0]
	tab := *kk.Table
	tab.Rows = append([]byte(nil), tab.Rows...)
	copy(tab.Rows[:32], tab.Rows[32:64])
	kk.Table = &tab
	for _, tc := range []struct {
		name string
		k    *oprf.Keyed
		want error
	}{{"honest", f.keyed[0], nil}, {"one row altered", &kk, audit.ErrProof}} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		srv := f.server(t, tc.k, f.heads[0], audit.HeadProof{})
		go func() { done <- psi.Serve(ctx, ln, srv, f.db.Kind, f.db.Bits, psi.ServeOptions{}) }()
		dev, err := audit.NewDevice(f.pub, f.heads[0])
		if err != nil {
			t.Fatal(err)
		}
		cli, err := oprf.Protocol.NewClient(f.db.Kind, f.db.Bits, psi.Options{Audit: dev})
		if err != nil {
			t.Fatal(err)
		}
		conn, _, err := psi.Dial(context.Background(), ln.Addr().String(), cli, f.db.Kind, f.db.Bits, psi.DialOptions{Timeout: 10 * time.Second})
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s: setup over TCP: %v", tc.name, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: setup over TCP gave %v, want %v", tc.name, err, tc.want)
		case err == nil:
			if _, err := conn.Query(f.db.Hashes[3]); err != nil {
				t.Errorf("%s: query after audited setup: %v", tc.name, err)
			}
			conn.Close()
		}
		cancel()
		<-done
	}
}
