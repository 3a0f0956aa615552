// Package audit makes a scanning server's hash database checkable: the
// server publishes a signed commitment to what it scans for, and devices
// and auditors verify that what they received is what was published, that
// everyone received the same, and that every entry is vouched for by
// enough independent lists.
//
// Start here:
//
//	a, b := audit.NewList("list/a"), audit.NewList("list/b") // append-only logs
//	a.Add(hs...); b.Add(gs...)
//	db, _ := audit.Intersection("db", []*audit.List{a, b}, 2) // entries in both
//	head, _ := audit.Sign(db.Head(), serverKey)                // published
//	p, _ := db.Prove(i, lists)                                 // per entry
//	err := policy.VerifyEntry(db.Entries[i], p, head, listHeads)
//
// Commitments are RFC 9162 Merkle trees (SHA-256, leaf prefix 0x00, node
// prefix 0x01, left subtree the largest power of two), with RFC 9162
// inclusion and consistency proofs. Lists are append-only logs: between
// two of a list's signed heads a consistency proof shows nothing was
// removed or changed. The database is a snapshot sorted by hash, its
// leaves the hash and its provenance (which lists carry it and where).
// Tree heads are signed with ed25519. Two parties that compare the heads
// they received (CompareHeads) detect a split view: two signed heads of
// one size with different roots, or of different sizes with no
// consistency proof, are the publisher's signed proof of equivocation.
//
// For a blinded table (the oprf-psi and threshold-psi setup, whose rows
// the device cannot relate to hashes) the commitment is the root over the
// table's rows (RootOfRecords): the device recomputes it over the whole
// table it downloaded and compares it with the signed head, so a table
// sent to one device only is caught when heads are compared.
//
// What a head reveals: the number of entries and, across versions, how
// many were added; never the entries (leaves are SHA-256 of the entry,
// though anyone holding a candidate hash and the full entry list can test
// it, and the device holding a blinded table sees only its size). What it
// does not prove: that the listed images are what the lists say they are;
// the intersection rule bounds what one list operator alone can add.
package audit

import (
	"crypto/ed25519"
	"fmt"
)

// VerifyTable recomputes the root over a table's fixed-size rows and
// checks it against the signed head: the device's full-table check.
func VerifyTable(rows []byte, rowSize int, head SignedHead, pub ed25519.PublicKey) error {
	if err := head.Verify(pub); err != nil {
		return err
	}
	if rowSize <= 0 || uint64(len(rows)/rowSize) != head.Size {
		return fmt.Errorf("%w: table of %d bytes in rows of %d, head says %d rows", ErrProof, len(rows), rowSize, head.Size)
	}
	r, err := RootOfRecords(rows, rowSize)
	if err != nil {
		return err
	}
	if r != head.Root {
		return fmt.Errorf("%w: table root differs from the signed head's", ErrProof)
	}
	return nil
}
