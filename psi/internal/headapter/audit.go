package headapter

import (
	"fmt"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/kit"
)

// Source is what an HE server's signed head commits (psi.Auditable): the
// distinct hashes it answers from, their kind and length, and the
// threshold it applies. The device never sees the hashes: it checks the
// head and the parameters only.
type Source struct {
	Kind      phash.Kind
	Bits      int
	Threshold int
	Hashes    []phash.Hash
}

// SourceOf is db's distinct hashes at the given threshold.
func SourceOf(db *psi.Database, threshold int) *Source {
	seen := make(map[phash.Hash]bool, len(db.Hashes))
	s := &Source{Kind: db.Kind, Bits: db.Bits, Threshold: threshold}
	for _, h := range db.Hashes {
		if !seen[h] {
			seen[h] = true
			s.Hashes = append(s.Hashes, h)
		}
	}
	return s
}

// AuditParams are the parameters an HE protocol's head commits:
// protocol, hash kind and length, threshold, no table (RowSize 0), and
// the encoding of the parameters message the server sends at setup (the
// preset and its geometry) as the one setting, named "setup".
func AuditParams(name string, kind phash.Kind, bits, threshold int, setup psi.Message) (audit.Params, error) {
	b, err := setup.MarshalBinary()
	if err != nil {
		return audit.Params{}, fmt.Errorf("psi: %s: audit parameters: %w", name, err)
	}
	return audit.Params{Protocol: name, Algorithm: string(kind), Bits: bits, Threshold: threshold,
		Settings: []audit.Setting{{Name: "setup", Value: b}}}, nil
}

// AuditHead is the head a publisher signs for this server: the database
// of its Source's hashes (audit.NewDatabase: sorted, no provenance) and
// AuditParams.
func (s *Server[K, V]) AuditHead(log string) (audit.TreeHead, error) {
	if s.Source == nil {
		return audit.TreeHead{}, fmt.Errorf("psi: %s: server has no database to commit", s.Name)
	}
	p, err := AuditParams(s.Name, s.Source.Kind, s.Source.Bits, s.Source.Threshold, s.Setup)
	if err != nil {
		return audit.TreeHead{}, err
	}
	es := make([]audit.Entry, len(s.Source.Hashes))
	for i, h := range s.Source.Hashes {
		es[i] = audit.Entry{Hash: h}
	}
	th := audit.NewDatabase(log, es).Head()
	th.Params = p.Digest()
	return th, nil
}

// Audited returns a copy of the server whose setup message is an
// Audited: the parameters with head and link.
func (s *Server[K, V]) Audited(head audit.SignedHead, link audit.HeadProof) (psi.Server, error) {
	return s.AuditedCopy(head, link)
}

// AuditedCopy is Audited with the copy's own type, for a protocol that
// wraps the server (he-hash-match's setup limits).
func (s *Server[K, V]) AuditedCopy(head audit.SignedHead, link audit.HeadProof) (*Server[K, V], error) {
	if _, isAudited := s.Setup.(*Audited); isAudited {
		return nil, fmt.Errorf("psi: %s: server already serves a head", s.Name)
	}
	c := *s
	c.Setup = &Audited{Name: s.Name, Params: s.Setup, Head: head, Link: link}
	return &c, nil
}

// Audited is the setup message of an audited HE server: the signed head
// and the link from the device's head (kit.MarshalAudited's framing),
// then the protocol's parameters message.
type Audited struct {
	Name   string
	Params psi.Message
	Head   audit.SignedHead
	Link   audit.HeadProof
}

// Kind names the message, such as "he-exact/audited-params".
func (a *Audited) Kind() string { return a.Name + "/audited-params" }

// BinarySize is 8 plus the head's, the link's and the parameters' sizes.
func (a *Audited) BinarySize() int { return kit.AuditedSize(a.Head, a.Link, a.Params.BinarySize()) }

// MarshalBinary writes the head, the link and the parameters.
func (a *Audited) MarshalBinary() ([]byte, error) {
	return kit.MarshalAudited(a.Head, a.Link, a.Params)
}

// UnmarshalBinary decodes the head and the link, and the parameters into
// a.Params (an empty message of the protocol's parameters type). It
// verifies nothing.
func (a *Audited) UnmarshalBinary(b []byte) error {
	head, link, err := kit.UnmarshalAudited(a.Kind(), b, a.Params)
	if err != nil {
		return err
	}
	a.Head, a.Link = head, link
	return nil
}

// ExpectParams is a client's empty setup message: params, or an Audited
// around it when the client holds an audit device dev.
func ExpectParams(name string, dev *audit.Device, params func() psi.Message) func() psi.Message {
	if dev == nil {
		return params
	}
	return func() psi.Message { return &Audited{Name: name, Params: params()} }
}

// Served splits the setup message a client received into the protocol's
// parameters and, when audited, the Audited around them (nil otherwise);
// it refuses a message that is audited when the client holds no audit
// device dev, or the other way round.
func Served(name string, m psi.Message, dev *audit.Device) (psi.Message, *Audited, error) {
	served, audited := m.(*Audited)
	if audited {
		m = served.Params
	}
	if audited != (dev != nil) {
		return nil, nil, fmt.Errorf("psi: %s client: setup got %T", name, m)
	}
	return m, served, nil
}

// CheckServed is the device's audit check on an audited setup message a
// of protocol name, for hashes of kind and bits, with the threshold as
// the client read it from the parameters. The device is not safe for
// concurrent use: the caller holds its client's lock.
func CheckServed(dev *audit.Device, name string, kind phash.Kind, bits, threshold int, a *Audited) error {
	p, err := AuditParams(name, kind, bits, threshold, a.Params)
	if err != nil {
		return err
	}
	if err := dev.Setup(audit.Served{Head: a.Head, Link: a.Link, Params: p}); err != nil {
		return fmt.Errorf("psi: %s client: served database is not the published one: %w", name, err)
	}
	return nil
}

// Claims are the ledger claims the HE protocols share, for the package
// directory dir ("psi/heexact"): what the attack suite and the audited
// setup test check, leaving out the attacks named in except.
func Claims(dir string, except ...string) []psi.Claim {
	return psi.AttackClaims(dir, claims, except...)
}

var claims = []psi.AttackRow{
	{Attack: "echo-server", Adversary: psi.MaliciousServer, Holds: true, Statement: "a naive echo (the query's bytes sent back as the answer) is refused by the client's decoder; the well-formed echo named above is not"},
	{Attack: "timing", Adversary: psi.Network, Holds: true, Statement: "the server's computing time per query does not differ between matches and non-matches beyond noise (rank test over many queries); an observer still sees when queries happen"},
	{Attack: "adaptive-client", Adversary: psi.MaliciousClient, Holds: true, Statement: "a client that alters its reply sees the same reaction for a listed and an unlisted hash, and its session goes on: the server's reaction does not tell it the match bit"},
	{Attack: "replayed", Adversary: psi.Network, Holds: false, Statement: "psi's transport does not authenticate: a network attacker can replay a client's query into a later query of the same session, the client replies honestly, and the server records the replayed hash's verdict (under another session's keys the replay records no match); run it under TLS"},
	{Attack: "TestAuditedSetup", Adversary: psi.MaliciousServer, Holds: true, Statement: "with Options.Audit the device refuses at setup a head not signed by the publisher, an older head than it has seen, a second head for its epoch (a split view) and parameters other than the head commits"},
	{Attack: "TestAuditedSetup", Adversary: psi.MaliciousServer, Holds: false, Statement: "the device never sees the database: a server that answers from another list than the one its signed head commits passes the audit check (it checks the head and the parameters only)"},
}

// Ledger is an HE adapter's ledger: its embedded ledger.json with the
// placeholders of fill written in (kit.Fill), then the transport claims
// and Claims of dir.
func Ledger(ledgerJSON []byte, dir string, fill ...string) psi.Ledger {
	led := kit.Ledger(kit.Fill(ledgerJSON, fill...), dir)
	led.Claims = append(led.Claims, Claims(dir)...)
	return led
}
