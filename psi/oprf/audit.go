package oprf

import (
	"fmt"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"
)

// TableParams are the matching parameters a table's signed head commits
// (audit.Params): protocol, hash kind and length, exact matching, rows of
// one encoded element, and the cuckoo seed and public key L as settings.
// The row count is the head's Size.
func TableParams(t *Table, kind phash.Kind, bits int) audit.Params {
	return audit.Params{
		Protocol:  oprfName,
		Algorithm: string(kind),
		Bits:      bits,
		RowSize:   ec.ElemSize,
		Settings: []audit.Setting{
			{Name: "seed", Value: append([]byte(nil), t.Seed[:]...)},
			{Name: "L", Value: append([]byte(nil), t.L[:]...)},
		},
	}
}

// TableHead is the tree head a publisher signs for a table (Publish sets
// its epoch and history): the root over the table's rows and the digest
// of TableParams.
func TableHead(log string, t *Table, kind phash.Kind, bits int) (audit.TreeHead, error) {
	root, err := audit.RootOfRecords(t.Rows, ec.ElemSize)
	if err != nil {
		return audit.TreeHead{}, fmt.Errorf("psi: %s: table root: %w", oprfName, err)
	}
	return audit.TreeHead{
		Log:    log,
		Size:   uint64(t.NumRows()),
		Root:   root,
		Params: TableParams(t, kind, bits).Digest(),
	}, nil
}

// NewAuditedServer serves the keyed table k (from BuildTable) with its
// signed head and, when head is newer than the one devices were given,
// the proof linking the two (audit.Publisher.Link). Its setup message is
// an AuditedTable, which a client built with Options.Audit expects.
func NewAuditedServer(k *Keyed, head audit.SignedHead, link audit.HeadProof) (psi.Server, error) {
	if k == nil || k.Table == nil {
		return nil, fmt.Errorf("psi: %s: nil keyed table", oprfName)
	}
	if err := kit.CheckKind(k.Kind, k.Bits); err != nil {
		return nil, err
	}
	dummy := make([]byte, len(k.Kind)+3+kit.HashBytes(k.Bits))
	return &oprfServer{kind: k.Kind, bits: k.Bits, a: k.Key, table: k.Table, keyed: k, dummy: dummy,
		down: &AuditedTable{Table: *k.Table, Head: head, Link: link}}, nil
}

// AuditedTable is the setup message of an audited oprf-psi server: the
// table with the signed head that commits it and the link from the
// published head. Encoded as the head's and the link's lengths (uint32
// big-endian) and bytes, then the table.
type AuditedTable struct {
	Table Table
	Head  audit.SignedHead
	Link  audit.HeadProof
}

// Kind names the message.
func (*AuditedTable) Kind() string { return oprfName + "/audited-table" }

// BinarySize is 8 plus the head's, the link's and the table's sizes.
func (a *AuditedTable) BinarySize() int {
	return kit.AuditedSize(a.Head, a.Link, a.Table.BinarySize())
}

// MarshalBinary writes the head, the link and the table.
func (a *AuditedTable) MarshalBinary() ([]byte, error) {
	return kit.MarshalAudited(a.Head, a.Link, &a.Table)
}

// UnmarshalBinary decodes exactly one AuditedTable; it verifies nothing.
func (a *AuditedTable) UnmarshalBinary(b []byte) error {
	var out AuditedTable
	var err error
	if out.Head, out.Link, err = kit.UnmarshalAudited(a.Kind(), b, &out.Table); err != nil {
		return err
	}
	*a = out
	return nil
}

// checkServed runs the device's audit check on an audited setup message:
// the parameters are read from the table itself (seed, L), the rows are
// the ones the device will use.
func (c *oprfClient) checkServed(a *AuditedTable) error {
	err := c.audit.Setup(audit.Served{
		Head:   a.Head,
		Link:   a.Link,
		Params: TableParams(&a.Table, c.kind, c.bits),
		Rows:   a.Table.Rows,
	})
	if err != nil {
		return fmt.Errorf("psi: %s client: served table is not the published one: %w", oprfName, err)
	}
	return nil
}

// AuditHead is TableHead of the server's table (psi.Auditable).
func (s *oprfServer) AuditHead(log string) (audit.TreeHead, error) {
	return TableHead(log, s.table, s.kind, s.bits)
}

// Audited serves the same keyed table with head and link
// (NewAuditedServer; psi.Auditable).
func (s *oprfServer) Audited(head audit.SignedHead, link audit.HeadProof) (psi.Server, error) {
	return NewAuditedServer(s.keyed, head, link)
}
