package psitest

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestAuditedSetup runs the device's audit check at setup
// (psi.Options.Audit) against p's server, which must be psi.Auditable,
// over TCP. A publisher signs the head of a database (epoch 0) and of
// another database (epoch 1). The device accepts the published head, and
// a newer one with the link from its own; it refuses, naming why, an
// older head than it has seen (audit.ErrStale), a second head for its
// epoch (a conclusive *audit.SplitView), a head whose parameters are not
// the ones served (audit.ErrParams), a head signed with another key, and
// a server that sends no head. Last, a server answers from the other
// database under the first one's head: a protocol whose device checks
// the table's rows refuses it; one whose database stays on the server
// cannot, and its ledger must state that as a malicious-server weakness
// naming "another list". Call it from a test named TestAuditedSetup.
func TestAuditedSetup(t *testing.T, p psi.Protocol) {
	db, other := Database(t, 40, 21), Database(t, 40, 22)
	auditable := func(db *psi.Database) psi.Auditable {
		srv, err := p.NewServer(db, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, ok := srv.(psi.Auditable)
		if !ok {
			t.Fatalf("%s: server %T is not psi.Auditable", p.Name(), srv)
		}
		return a
	}
	srvA, srvB := auditable(db), auditable(other)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	log := "db/" + p.Name()
	publish := func(pr *audit.Publisher, a psi.Auditable, edit func(*audit.TreeHead)) audit.SignedHead {
		th, err := a.AuditHead(log)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(&th)
		}
		h, err := pr.Publish(th)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	publisher := func(key ed25519.PrivateKey) *audit.Publisher {
		pr, err := audit.NewPublisher(log, key)
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	pr := publisher(priv)
	h0, h1 := publish(pr, srvA, nil), publish(pr, srvB, nil)
	h2 := publish(pr, srvA, func(th *audit.TreeHead) { th.Params[0] ^= 1 })
	link := func(from, to uint64) audit.HeadProof {
		l, err := pr.Link(from, to, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	forked := publish(publisher(priv), srvB, nil)
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	strange := publish(publisher(otherKey), srvA, nil)
	serving := func(a psi.Auditable, h audit.SignedHead, l audit.HeadProof) psi.Server {
		srv, err := a.Audited(h, l)
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	run := func(seen audit.SignedHead, srv psi.Server, h phash.Hash) (Attempt, *audit.Device) {
		dev, err := audit.NewDevice(pub, seen)
		if err != nil {
			t.Fatal(err)
		}
		cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{Audit: dev})
		if err != nil {
			t.Fatalf("audited client: %v", err)
		}
		sv := Serve(t, srv, db, psi.ServeOptions{Timeout: attackTimeout})
		defer sv.Stop()
		return Attack(t, sv, cli, db.Kind, db.Bits, nil, h), dev
	}
	t.Run("honest", func(t *testing.T) {
		at, dev := run(h0, serving(srvA, h0, audit.HeadProof{}), db.Hashes[7])
		if at.Failed() {
			t.Fatalf("published head: %s", at)
		}
		for _, o := range append(at.ServerOutcomes, at.Outcomes...) {
			if o.Known && !o.Match {
				t.Errorf("listed hash after an audited setup: outcome %v", o)
			}
		}
		at, dev2 := run(h0, serving(srvB, h1, link(0, 1)), other.Hashes[3])
		if at.Failed() {
			t.Fatalf("newer head with its link: %s", at)
		}
		if dev.Newest().Epoch != 0 || dev2.Newest().Epoch != 1 {
			t.Errorf("device epochs %d and %d, want 0 and 1", dev.Newest().Epoch, dev2.Newest().Epoch)
		}
	})
	for _, tc := range []struct {
		name string
		seen audit.SignedHead
		srv  psi.Server
		want func(error) bool
	}{
		{"stale head", h1, serving(srvA, h0, audit.HeadProof{}), func(err error) bool { return errors.Is(err, audit.ErrStale) }},
		{"forked head", h0, serving(srvB, forked, audit.HeadProof{}), func(err error) bool {
			var sv *audit.SplitView
			return errors.As(err, &sv) && sv.Conclusive
		}},
		{"other parameters", h0, serving(srvA, h2, link(0, 2)), func(err error) bool { return errors.Is(err, audit.ErrParams) }},
		{"other key", h0, serving(srvA, strange, audit.HeadProof{}), func(err error) bool { return strings.Contains(err.Error(), "served head") }},
		{"no head", h0, srvA, func(err error) bool { return err != nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := run(tc.seen, tc.srv, db.Hashes[7])
			if at.Err == nil || !tc.want(at.Err) {
				t.Fatalf("setup ended %s; want a refusal of this kind", at)
			}
			t.Logf("refused: %v", at.Err)
		})
	}
	t.Run("other list under the head", func(t *testing.T) {
		at, _ := run(h0, serving(srvB, h0, audit.HeadProof{}), db.Hashes[7])
		t.Logf("a server answering from another list under the published head: %s", at)
		if at.Err != nil {
			return
		}
		for _, c := range p.Ledger().Claims {
			if c.Adversary == psi.MaliciousServer && !c.Holds && strings.Contains(c.Statement, "another list") {
				return
			}
		}
		t.Error("the audit check accepted a server answering from another list, and the ledger does not state it")
	})
}
