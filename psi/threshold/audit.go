package threshold

import (
	"encoding/binary"
	"fmt"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/oprf"
)

// TableParams are the matching parameters a threshold-psi table's signed
// head commits: oprf-psi's (hash, rows, cuckoo seed and L) under this
// protocol's name, with the policy (k, the synthetic rate, S) as
// settings, so a device checks the policy against the head as well as
// against its own.
func TableParams(t *SetupMessage, kind phash.Kind, bits int) audit.Params {
	p := oprf.TableParams(&t.Table, kind, bits)
	p.Protocol = thresholdName
	p.Settings = append(p.Settings,
		audit.Setting{Name: "k", Value: binary.BigEndian.AppendUint16(nil, uint16(t.K))},
		audit.Setting{Name: "rate", Value: binary.BigEndian.AppendUint32(nil, t.Rate32)},
		audit.Setting{Name: "S", Value: binary.BigEndian.AppendUint16(nil, uint16(t.S))})
	return p
}

// TableHead is the tree head a publisher signs for the server's setup
// (Publish sets its epoch and history): oprf-psi's root over the rows,
// with TableParams' digest.
func TableHead(log string, t *SetupMessage, kind phash.Kind, bits int) (audit.TreeHead, error) {
	h, err := oprf.TableHead(log, &t.Table, kind, bits)
	if err != nil {
		return audit.TreeHead{}, err
	}
	h.Params = TableParams(t, kind, bits).Digest()
	return h, nil
}

// NewAuditedServer serves threshold-psi under policy p over the keyed
// table k (oprf.BuildTable) with the signed head of its setup (TableHead)
// and, when head is newer than the devices' one, the link proof. Its
// setup message is an AuditedSetup, which a client built with
// Options.Audit expects.
func NewAuditedServer(p Params, k *oprf.Keyed, head audit.SignedHead, link audit.HeadProof) (*Server, error) {
	q, err := newProtocol(p)
	if err != nil {
		return nil, err
	}
	s, err := q.server(k)
	if err != nil {
		return nil, err
	}
	s.down = auditedSetup(s.setup, head, link)
	return s, nil
}

func auditedSetup(t *SetupMessage, head audit.SignedHead, link audit.HeadProof) *AuditedSetup {
	return &AuditedSetup{K: t.K, Rate32: t.Rate32, S: t.S,
		Audited: oprf.AuditedTable{Table: t.Table, Head: head, Link: link}}
}

var _ psi.Auditable = (*Server)(nil)

// AuditHead is TableHead of the server's setup (psi.Auditable).
func (s *Server) AuditHead(log string) (audit.TreeHead, error) {
	return TableHead(log, s.setup, s.kind, s.bits)
}

// Audited returns a server under the same policy and keyed table whose
// setup is an AuditedSetup with head and link (psi.Auditable, for
// privmatch serve --audit). Its accounts start empty.
func (s *Server) Audited(head audit.SignedHead, link audit.HeadProof) (psi.Server, error) {
	return &Server{
		k: s.k, rate32: s.rate32, maxOpened: s.maxOpened, s: s.s, kind: s.kind, bits: s.bits, a: s.a, keyed: s.keyed,
		setup: s.setup, down: auditedSetup(s.setup, head, link),
		accounts: map[AccountID][]*thresholdAccount{},
	}, nil
}

// AuditedSetup is the setup message of an audited server: the policy,
// then oprf-psi's AuditedTable (signed head, link, table).
type AuditedSetup struct {
	K       int
	Rate32  uint32
	S       int
	Audited oprf.AuditedTable
}

// Kind names the message.
func (*AuditedSetup) Kind() string { return thresholdName + "/audited-setup" }

// BinarySize is 8 plus the audited table's size.
func (a *AuditedSetup) BinarySize() int { return thresholdSetupHeader + a.Audited.BinarySize() }

// MarshalBinary writes the policy as SetupMessage does, then the audited
// table.
func (a *AuditedSetup) MarshalBinary() ([]byte, error) {
	return marshalPolicy(a.Kind(), a.K, a.Rate32, a.S, &a.Audited)
}

// UnmarshalBinary checks the policy's ranges and decodes the audited
// table; it verifies nothing.
func (a *AuditedSetup) UnmarshalBinary(b []byte) error {
	var t oprf.AuditedTable
	k, rate, s, err := unmarshalPolicy(a.Kind(), b, &t)
	if err != nil {
		return err
	}
	a.K, a.Rate32, a.S, a.Audited = k, rate, s, t
	return nil
}

// checkServed runs the device's audit check on an audited setup: the
// parameters are read from the message itself, the rows are the ones the
// device will use.
func (c *Client) checkServed(a *AuditedSetup) (*SetupMessage, error) {
	t := &SetupMessage{K: a.K, Rate32: a.Rate32, S: a.S, Table: a.Audited.Table}
	err := c.audit.Setup(audit.Served{
		Head:   a.Audited.Head,
		Link:   a.Audited.Link,
		Params: TableParams(t, c.kind, c.bits),
		Rows:   t.Table.Rows,
	})
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: served table is not the published one: %w", thresholdName, err)
	}
	return t, nil
}

var _ psi.Message = (*AuditedSetup)(nil)

// NewSetup is the setup message a server under policy p serves over
// table t: what a publisher signs (TableHead) before the server starts.
func NewSetup(p Params, t *oprf.Table) (*SetupMessage, error) {
	q, err := newProtocol(p)
	if err != nil {
		return nil, err
	}
	return &SetupMessage{K: q.k, Rate32: q.rate32, S: q.s, Table: *t}, nil
}
