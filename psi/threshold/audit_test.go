package threshold_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/oprf"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// published is a publisher's view: two keyed tables of one database and
// the signed heads of their threshold-psi setups (epochs 0 and 1) under
// policy k = 3.
type published struct {
	db    *psi.Database
	pub   ed25519.PublicKey
	p     *audit.Publisher
	keyed [2]*oprf.Keyed
	heads [2]audit.SignedHead
}

var auditPolicy = threshold.Params{K: 3}

func publish(t *testing.T) *published {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &published{db: psitest.Database(t, 40, 23), pub: pub}
	if f.p, err = audit.NewPublisher("threshold/test", priv); err != nil {
		t.Fatal(err)
	}
	for e := range f.keyed {
		if f.keyed[e], err = oprf.BuildTable(f.db, rand.Reader); err != nil {
			t.Fatal(err)
		}
		f.heads[e] = f.sign(t, auditPolicy, f.keyed[e].Table)
	}
	return f
}

// sign publishes the setup of policy p over table tab as the next epoch.
func (f *published) sign(t *testing.T, p threshold.Params, tab *oprf.Table) audit.SignedHead {
	t.Helper()
	setup, err := threshold.NewSetup(p, tab)
	if err != nil {
		t.Fatal(err)
	}
	th, err := threshold.TableHead("threshold/test", setup, f.db.Kind, f.db.Bits)
	if err != nil {
		t.Fatal(err)
	}
	h, err := f.p.Publish(th)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// serve is an audited server under policy p over k with head and link.
func (f *published) serve(t *testing.T, p threshold.Params, k *oprf.Keyed, head audit.SignedHead, link audit.HeadProof) *threshold.Server {
	t.Helper()
	srv, err := threshold.NewAuditedServer(p, k, head, link)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// device is an audited client of auditPolicy whose device has accepted
// the head of epoch seen.
func (f *published) device(t *testing.T, seen int) (*threshold.Client, *audit.Device) {
	t.Helper()
	dev, err := audit.NewDevice(f.pub, f.heads[seen])
	if err != nil {
		t.Fatal(err)
	}
	p, err := threshold.New(auditPolicy)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := p.NewClient(f.db.Kind, f.db.Bits, psi.Options{Audit: dev})
	if err != nil {
		t.Fatal(err)
	}
	return cli.(*threshold.Client), dev
}

// reportK sends k listed hashes on conn, closes it, waits for the server
// (wait) and checks that it opened the account with k matches.
func reportK(t *testing.T, conn *psi.Conn, wait func(), srv *threshold.Server, cli *threshold.Client, db *psi.Database) {
	t.Helper()
	for i := 0; i < auditPolicy.K; i++ {
		if _, err := conn.Query(db.Hashes[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	wait()
	if rep := srv.Account(cli.Account()); !rep.Reconstructed || rep.Genuine != auditPolicy.K {
		t.Errorf("after an audited setup, %d listed vouchers: %+v", auditPolicy.K, rep)
	}
}

// alterTable returns k with a copy of its table changed by edit.
func alterTable(k *oprf.Keyed, edit func(*oprf.Table)) *oprf.Keyed {
	kk, tab := *k, *k.Table
	tab.Rows = append([]byte(nil), k.Table.Rows...)
	edit(&tab)
	kk.Table = &tab
	return &kk
}

// TestAuditedSetupHonest: a server that serves the published setup, or a
// newer published one with the link from the device's head, passes the
// device's check, and the account then opens at k.
func TestAuditedSetupHonest(t *testing.T) {
	f := publish(t)
	link, err := f.p.Link(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for e, l := range []audit.HeadProof{{}, link} {
		srv := f.serve(t, auditPolicy, f.keyed[e], f.heads[e], l)
		cli, dev := f.device(t, 0)
		conn, _, err := psi.Open(srv, cli, f.db.Kind, f.db.Bits)
		if err != nil {
			t.Fatalf("epoch %d: honest setup refused: %v", e, err)
		}
		reportK(t, conn, func() {}, srv, cli, f.db)
		if dev.Newest().Epoch != uint64(e) {
			t.Errorf("device's newest epoch %d, want %d", dev.Newest().Epoch, e)
		}
	}
}

// TestAuditedSetupRefusesTampering: setup fails, naming what differed,
// when the server alters one row, serves another seed or L, serves a
// policy other than the one the head commits, replays an older head, or
// serves no audit material.
func TestAuditedSetupRefusesTampering(t *testing.T) {
	f := publish(t)
	k := f.keyed[0]
	alter := func(edit func(*oprf.Table)) *oprf.Keyed { return alterTable(k, edit) }
	lower := threshold.Params{K: 2} // a lower k than the head commits
	cases := []struct {
		name string
		seen int
		srv  psi.Server
		want error
		text string
	}{
		{"one row altered", 0, f.serve(t, auditPolicy, alter(func(t *oprf.Table) { copy(t.Rows[:32], k.Table.Rows[32:64]) }), f.heads[0], audit.HeadProof{}), audit.ErrProof, "root differs"},
		{"other seed", 0, f.serve(t, auditPolicy, alter(func(t *oprf.Table) { t.Seed[0] ^= 1 }), f.heads[0], audit.HeadProof{}), audit.ErrParams, "seed="},
		{"other L", 0, f.serve(t, auditPolicy, alter(func(t *oprf.Table) { t.L = f.keyed[1].Table.L }), f.heads[0], audit.HeadProof{}), audit.ErrParams, " L="},
		{"policy not the signed one", 0, f.serve(t, lower, k, f.heads[0], audit.HeadProof{}), audit.ErrParams, "k="},
		{"stale head", 1, f.serve(t, auditPolicy, k, f.heads[0], audit.HeadProof{}), audit.ErrStale, "epoch 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cli, _ := f.device(t, tc.seen)
			_, _, err := psi.Open(tc.srv, cli, f.db.Kind, f.db.Bits)
			if !errors.Is(err, tc.want) {
				t.Fatalf("setup error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "not the published one") || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not name what differed (%q)", err, tc.text)
			}
		})
	}
	plain, err := threshold.New(auditPolicy)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := plain.NewServer(f.db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli, _ := f.device(t, 0)
	if _, _, err := psi.Open(srv, cli, f.db.Kind, f.db.Bits); err == nil {
		t.Error("an unaudited server passed an audited device's setup")
	}
}

// TestAuditedSetupOverTCP: the audited setup between two endpoints over
// TCP: the honest server passes and the account opens at k; a server that
// alters one row is refused with the audit error.
func TestAuditedSetupOverTCP(t *testing.T) {
	f := publish(t)
	swapped := alterTable(f.keyed[0], func(t *oprf.Table) { copy(t.Rows[:32], t.Rows[32:64]) })
	for _, tc := range []struct {
		name string
		k    *oprf.Keyed
		want error
	}{{"honest", f.keyed[0], nil}, {"one row altered", swapped, audit.ErrProof}} {
		srv := f.serve(t, auditPolicy, tc.k, f.heads[0], audit.HeadProof{})
		addr, stop := startServing(t, srv, f.db, psi.ServeOptions{})
		cli, _ := f.device(t, 0)
		conn, _, err := psi.Dial(context.Background(), addr, cli, f.db.Kind, f.db.Bits, psi.DialOptions{})
		if !errors.Is(err, tc.want) { // nil wants nil
			t.Errorf("%s: setup over TCP gave %v, want %v", tc.name, err, tc.want)
		}
		if err != nil {
			stop()
			continue
		}
		reportK(t, conn, func() { stop() }, srv, cli, f.db)
	}
}
