package psitest

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestAuditedSetup runs the device's audit check at setup
// (psi.Options.Audit) against p's server, which must be psi.Auditable,
// over TCP. A publisher signs the head of a database (epoch 0) and of
// another database (epoch 1). The device accepts the published head, and
// then a newer one with the link from it; it refuses, naming why, an
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
	auditedSetup(t, p, auditSuite{db: db, other: other, timeout: attackTimeout,
		listed:      hashQueries([]phash.Hash{db.Hashes[7]}),
		otherListed: hashQueries([]phash.Hash{other.Hashes[3]}),
		refused:     hashQueries([]phash.Hash{db.Hashes[7]}),
	})
}

// TestAuditedSetupImage is TestAuditedSetup for a psi.ImageProtocol,
// whose server holds hashes of its own kind: db and other are two such
// databases, opts the options of both roles (the suite adds the device),
// and listed, when not nil, an image whose hash db lists within the
// threshold, which the honest session queries. With listed nil the
// honest sessions run their setups alone (the check is made at setup),
// and the server answering from another list under the published head
// is not run: with no query it cannot tell, so the ledger must state the
// weakness. The two honest sessions share one client, so a protocol
// whose keys take long to make makes them once. Call it from a test
// named TestAuditedSetup.
func TestAuditedSetupImage(t *testing.T, p psi.Protocol, db, other *psi.Database, opts psi.Options, listed image.Image) {
	s := auditSuite{db: db, other: other, opts: opts, timeout: imageTimeout}
	if listed != nil {
		s.listed = []query{{img: listed}}
		s.refused = s.listed
	}
	auditedSetup(t, p, s)
}

// auditSuite is what TestAuditedSetup's sessions use: two databases, the
// options of both roles, and the queries of the honest session on each
// database, and of the refused sessions (nil: setups alone).
type auditSuite struct {
	db, other                    *psi.Database
	opts                         psi.Options
	listed, otherListed, refused []query
	timeout                      time.Duration // frame deadline
}

func auditedSetup(t *testing.T, p psi.Protocol, s auditSuite) {
	db := s.db
	auditable := func(db *psi.Database) psi.Auditable {
		srv, err := p.NewServer(db, s.opts)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := srv.(psi.Auditable)
		if !ok {
			t.Fatalf("%s: server %T is not psi.Auditable", p.Name(), srv)
		}
		return a
	}
	srvA, srvB := auditable(db), auditable(s.other)
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
	device := func(seen audit.SignedHead) (psi.Client, *audit.Device) {
		dev, err := audit.NewDevice(pub, seen)
		if err != nil {
			t.Fatal(err)
		}
		opts := s.opts
		opts.Audit = dev
		cli, err := p.NewClient(db.Kind, db.Bits, opts)
		if err != nil {
			t.Fatalf("audited client: %v", err)
		}
		return cli, dev
	}
	run := func(cli psi.Client, srv psi.Server, qs []query) Attempt {
		sv := Serve(t, srv, db, psi.ServeOptions{Timeout: s.timeout})
		defer sv.Stop()
		return attack(t, sv, cli, db.Kind, db.Bits, nil, qs)
	}
	t.Run("honest", func(t *testing.T) {
		cli, dev := device(h0)
		at := run(cli, serving(srvA, h0, audit.HeadProof{}), s.listed)
		if at.Failed() {
			t.Fatalf("published head: %s", at)
		}
		for _, o := range append(at.ServerOutcomes, at.Outcomes...) {
			if o.Known && !o.Match {
				t.Errorf("listed query after an audited setup: outcome %v", o)
			}
		}
		if dev.Newest().Epoch != 0 {
			t.Errorf("device at epoch %d after the published head, want 0", dev.Newest().Epoch)
		}
		if at := run(cli, serving(srvB, h1, link(0, 1)), s.otherListed); at.Failed() {
			t.Fatalf("newer head with its link: %s", at)
		}
		if dev.Newest().Epoch != 1 {
			t.Errorf("device at epoch %d after the newer head, want 1", dev.Newest().Epoch)
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
			cli, _ := device(tc.seen)
			at := run(cli, tc.srv, s.refused)
			if at.Err == nil || !tc.want(at.Err) {
				t.Fatalf("setup ended %s; want a refusal of this kind", at)
			}
			t.Logf("refused: %v", at.Err)
		})
	}
	t.Run("other list under the head", func(t *testing.T) {
		if len(s.refused) > 0 {
			cli, _ := device(h0)
			at := run(cli, serving(srvB, h0, audit.HeadProof{}), s.refused)
			t.Logf("a server answering from another list under the published head: %s", at)
			if at.Err != nil {
				return
			}
		} else {
			t.Log("no query to run: a server answering from another list under the published head is accepted at setup")
		}
		for _, c := range p.Ledger().Claims {
			if c.Adversary == psi.MaliciousServer && !c.Holds && strings.Contains(c.Statement, "another list") {
				return
			}
		}
		t.Error("the audit check accepted a server answering from another list, and the ledger does not state it")
	})
}
