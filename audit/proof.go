package audit

import (
	"encoding/binary"
	"fmt"
)

// MaxProofLen bounds a decoded proof: 64 hashes covers trees of 2^64
// leaves.
const MaxProofLen = 64

// ProofSize is the encoded length of a proof of n hashes: 1 + 32n.
func ProofSize(n int) int { return 1 + 32*n }

// MarshalProof encodes a proof as a count byte and the hashes.
func MarshalProof(p []Hash) ([]byte, error) {
	if len(p) > MaxProofLen {
		return nil, fmt.Errorf("audit: encode proof: %d hashes", len(p))
	}
	b := make([]byte, 0, ProofSize(len(p)))
	b = append(b, byte(len(p)))
	for _, h := range p {
		b = append(b, h[:]...)
	}
	return b, nil
}

// UnmarshalProof decodes exactly one proof.
func UnmarshalProof(b []byte) ([]Hash, error) {
	if len(b) < 1 || int(b[0]) > MaxProofLen || len(b) != ProofSize(int(b[0])) {
		return nil, fmt.Errorf("audit: decode proof: %d bytes", len(b))
	}
	p := make([]Hash, b[0])
	for i := range p {
		copy(p[i][:], b[1+32*i:])
	}
	return p, nil
}

// MarshalEntryProof encodes an entry proof: index (uint64), the database
// proof, the number of source proofs, then each.
func MarshalEntryProof(p EntryProof) ([]byte, error) {
	if len(p.Sources) > 255 {
		return nil, fmt.Errorf("audit: encode entry proof: %d sources", len(p.Sources))
	}
	b := binary.BigEndian.AppendUint64(nil, p.Index)
	d, err := MarshalProof(p.Database)
	if err != nil {
		return nil, err
	}
	b = append(append(b, d...), byte(len(p.Sources)))
	for _, s := range p.Sources {
		e, err := MarshalProof(s)
		if err != nil {
			return nil, err
		}
		b = append(b, e...)
	}
	return b, nil
}

// UnmarshalEntryProof decodes exactly one entry proof.
func UnmarshalEntryProof(b []byte) (EntryProof, error) {
	var p EntryProof
	bad := func(what string) (EntryProof, error) {
		return EntryProof{}, fmt.Errorf("audit: decode entry proof: %s", what)
	}
	if len(b) < 9 {
		return bad("truncated")
	}
	p.Index = binary.BigEndian.Uint64(b)
	b = b[8:]
	next := func() ([]Hash, bool) {
		if len(b) < 1 || int(b[0]) > MaxProofLen || len(b) < ProofSize(int(b[0])) {
			return nil, false
		}
		n := ProofSize(int(b[0]))
		h, err := UnmarshalProof(b[:n])
		b = b[n:]
		return h, err == nil
	}
	var ok bool
	if p.Database, ok = next(); !ok {
		return bad("database proof")
	}
	if len(b) < 1 {
		return bad("truncated")
	}
	ns := int(b[0])
	b = b[1:]
	for i := 0; i < ns; i++ {
		s, ok := next()
		if !ok {
			return bad(fmt.Sprintf("source proof %d", i))
		}
		p.Sources = append(p.Sources, s)
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return p, nil
}

// HeadProof links an older signed head of a log to a newer one
// (Publisher.Link, checked by CompareHeads).
type HeadProof struct {
	// Inclusion is the older head's HistoryLeaf at index older.Epoch in
	// the newer head's history of newer.Epoch leaves.
	Inclusion []Hash
	// History is the consistency proof of the history from older.Epoch
	// to newer.Epoch leaves; empty when older.Epoch is 0.
	History []Hash
	// Tree is, for an append-only log, the consistency proof of the log
	// from older.Size to newer.Size; empty otherwise.
	Tree []Hash
}

// BinarySize is the encoded length: three proofs, each a count byte and
// its hashes.
func (p HeadProof) BinarySize() int {
	return ProofSize(len(p.Inclusion)) + ProofSize(len(p.History)) + ProofSize(len(p.Tree))
}

// MarshalBinary encodes the three proofs in order.
func (p HeadProof) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, p.BinarySize())
	for _, q := range [][]Hash{p.Inclusion, p.History, p.Tree} {
		e, err := MarshalProof(q)
		if err != nil {
			return nil, fmt.Errorf("audit: encode head proof: %w", err)
		}
		b = append(b, e...)
	}
	return b, nil
}

// UnmarshalBinary decodes exactly one head proof; it does not verify it.
func (p *HeadProof) UnmarshalBinary(b []byte) error {
	var out [3][]Hash
	for i, name := range []string{"inclusion", "history", "tree"} {
		if len(b) < 1 || int(b[0]) > MaxProofLen || len(b) < ProofSize(int(b[0])) {
			return fmt.Errorf("audit: decode head proof: %s proof truncated or too long", name)
		}
		n := ProofSize(int(b[0]))
		q, err := UnmarshalProof(b[:n])
		if err != nil {
			return fmt.Errorf("audit: decode head proof: %w", err)
		}
		out[i], b = q, b[n:]
	}
	if len(b) != 0 {
		return fmt.Errorf("audit: decode head proof: %d trailing bytes", len(b))
	}
	p.Inclusion, p.History, p.Tree = out[0], out[1], out[2]
	return nil
}
