package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/privmatch/privmatch/phash"
)

// hashBytes is the leaf encoding of a perceptual hash:
// uvarint len(kind) || kind || bits (uint16) || hash bytes.
func hashBytes(h phash.Hash) []byte {
	k := h.Kind()
	b := binary.AppendUvarint(nil, uint64(len(k)))
	b = append(b, k...)
	b = binary.BigEndian.AppendUint16(b, uint16(h.Bits()))
	return append(b, h.Bytes()...)
}

// List is one organisation's append-only list of hashes, committed by an
// RFC 9162 tree whose leaves are the hashes in the order they were added.
type List struct {
	Name   string
	Hashes []phash.Hash
	tree   *Tree
	index  map[phash.Hash]uint64
}

// NewList returns an empty list.
func NewList(name string) *List {
	return &List{Name: name, tree: NewTree(nil), index: map[phash.Hash]uint64{}}
}

// Add appends hashes; a hash already listed is skipped.
func (l *List) Add(hs ...phash.Hash) {
	var leaves []Hash
	for _, h := range hs {
		if _, dup := l.index[h]; dup {
			continue
		}
		l.index[h] = uint64(len(l.Hashes))
		l.Hashes = append(l.Hashes, h)
		leaves = append(leaves, LeafHash(hashBytes(h)))
	}
	l.tree.Append(leaves...)
}

// Tree is the list's Merkle tree.
func (l *List) Tree() *Tree { return l.tree }

// Head is the list's current tree head, at epoch 0 with an empty
// history: Publisher.Publish numbers it.
func (l *List) Head() TreeHead {
	return TreeHead{Log: l.Name, Size: l.tree.Size(), Root: l.tree.Root(), History: EmptyRoot}
}

// Index returns where h sits in the list.
func (l *List) Index(h phash.Hash) (uint64, bool) {
	i, ok := l.index[h]
	return i, ok
}

// Source says that a list vouches for an entry, and where in the list.
type Source struct {
	List  string
	Index uint64
}

// Entry is one database entry with its provenance.
type Entry struct {
	Hash    phash.Hash
	Sources []Source
}

// leaf encodes the entry: the hash, the number of sources (uvarint),
// then per source uvarint len(name) || name || index (uint64). Every
// length is a uvarint, so the encoding is injective at any length. The
// provenance is committed with the hash.
func (e Entry) leaf() []byte {
	b := hashBytes(e.Hash)
	b = binary.AppendUvarint(b, uint64(len(e.Sources)))
	for _, s := range e.Sources {
		b = binary.AppendUvarint(b, uint64(len(s.List)))
		b = append(b, s.List...)
		b = binary.BigEndian.AppendUint64(b, s.Index)
	}
	return b
}

// Database is the server's hash database: entries sorted by hash bytes,
// committed by an RFC 9162 tree over their leaf encodings. It is a
// snapshot, rebuilt per version, not an append-only log (sorting moves
// entries); the lists it is drawn from are the append-only logs.
type Database struct {
	Name    string
	Entries []Entry
	tree    *Tree
}

// NewDatabase sorts the entries (and each entry's sources) and builds the
// tree.
func NewDatabase(name string, entries []Entry) *Database {
	es := append([]Entry(nil), entries...)
	for i := range es {
		src := append([]Source(nil), es[i].Sources...)
		sort.Slice(src, func(a, b int) bool { return src[a].List < src[b].List })
		es[i].Sources = src
	}
	sort.Slice(es, func(a, b int) bool { return bytes.Compare(hashBytes(es[a].Hash), hashBytes(es[b].Hash)) < 0 })
	return &Database{Name: name, Entries: es, tree: NewTree(entryLeaves(es))}
}

func entryLeaves(es []Entry) []Hash {
	leaves := make([]Hash, len(es))
	for i, e := range es {
		leaves[i] = LeafHash(e.leaf())
	}
	return leaves
}

// Intersection builds the database of hashes that at least minLists of
// the lists carry, each entry naming every list that carries it. With
// minLists = len(lists) it is the strict intersection (Apple's rule for
// two jurisdictions).
func Intersection(name string, lists []*List, minLists int) (*Database, error) {
	if minLists < 1 || minLists > len(lists) {
		return nil, fmt.Errorf("audit: intersection: need 1 <= minLists <= %d, got %d", len(lists), minLists)
	}
	names := map[string]bool{}
	for _, l := range lists {
		if names[l.Name] || len(l.Name) > MaxLogName {
			return nil, fmt.Errorf("audit: intersection: list name %q repeated or too long", l.Name)
		}
		names[l.Name] = true
	}
	srcs := map[phash.Hash][]Source{}
	for _, l := range lists {
		for i, h := range l.Hashes {
			srcs[h] = append(srcs[h], Source{List: l.Name, Index: uint64(i)})
		}
	}
	var es []Entry
	for h, s := range srcs {
		if len(s) >= minLists {
			es = append(es, Entry{Hash: h, Sources: s})
		}
	}
	return NewDatabase(name, es), nil
}

// Tree is the database's Merkle tree.
func (d *Database) Tree() *Tree { return d.tree }

// Head is the database's tree head, at epoch 0 with an empty history:
// Publisher.Publish numbers it.
func (d *Database) Head() TreeHead {
	return TreeHead{Log: d.Name, Size: d.tree.Size(), Root: d.tree.Root(), History: EmptyRoot}
}

// Hashes returns the entries' hashes in database order.
func (d *Database) Hashes() []phash.Hash {
	out := make([]phash.Hash, len(d.Entries))
	for i, e := range d.Entries {
		out[i] = e.Hash
	}
	return out
}

// EntryProof is what a device needs to check one entry: its inclusion in
// the database and, per source, its inclusion in that list's tree at the
// size of the list's signed head.
type EntryProof struct {
	Index    uint64
	Database []Hash
	Sources  [][]Hash
}

// Prove returns the proofs for entry i against the lists' current heads.
func (d *Database) Prove(i uint64, lists map[string]*List) (EntryProof, error) {
	if i >= uint64(len(d.Entries)) {
		return EntryProof{}, fmt.Errorf("audit: prove entry %d of %d", i, len(d.Entries))
	}
	p := EntryProof{Index: i}
	var err error
	if p.Database, err = d.tree.InclusionProof(i, d.tree.Size()); err != nil {
		return p, err
	}
	for _, s := range d.Entries[i].Sources {
		l := lists[s.List]
		if l == nil {
			return p, fmt.Errorf("audit: prove entry %d: unknown list %q", i, s.List)
		}
		sp, err := l.tree.InclusionProof(s.Index, l.tree.Size())
		if err != nil {
			return p, err
		}
		p.Sources = append(p.Sources, sp)
	}
	return p, nil
}

// Policy is what a device checks a database against: the publishers'
// keys and the intersection rule.
type Policy struct {
	// DatabaseKey verifies the database's signed head.
	DatabaseKey ed25519.PublicKey
	// ListKeys verifies each list's signed head, by list name.
	ListKeys map[string]ed25519.PublicKey
	// MinLists is how many distinct lists must vouch for every entry.
	MinLists int
}

// VerifyEntry checks one entry on the device: the database head's
// signature, the entry's inclusion in the database, and that at least
// MinLists distinct lists with valid signed heads include the hash at the
// claimed index.
func (pol Policy) VerifyEntry(e Entry, p EntryProof, db SignedHead, lists map[string]SignedHead) error {
	if err := db.Verify(pol.DatabaseKey); err != nil {
		return err
	}
	return pol.verifyEntry(e, p, db, pol.validLists(lists))
}

// validLists keeps the list heads whose signatures verify.
func (pol Policy) validLists(lists map[string]SignedHead) map[string]SignedHead {
	ok := map[string]SignedHead{}
	for name, h := range lists {
		if key := pol.ListKeys[name]; key != nil && h.Log == name && h.Verify(key) == nil {
			ok[name] = h
		}
	}
	return ok
}

func (pol Policy) verifyEntry(e Entry, p EntryProof, db SignedHead, lists map[string]SignedHead) error {
	if err := VerifyInclusion(p.Index, db.Size, LeafHash(e.leaf()), p.Database, db.Root); err != nil {
		return fmt.Errorf("audit: entry %d: %w", p.Index, err)
	}
	if len(p.Sources) != len(e.Sources) {
		return fmt.Errorf("audit: entry %d: %d source proofs for %d sources", p.Index, len(p.Sources), len(e.Sources))
	}
	seen := map[string]bool{}
	leaf := LeafHash(hashBytes(e.Hash))
	for j, s := range e.Sources {
		h, ok := lists[s.List]
		if !ok || seen[s.List] || VerifyInclusion(s.Index, h.Size, leaf, p.Sources[j], h.Root) != nil {
			continue
		}
		seen[s.List] = true
	}
	if len(seen) < pol.MinLists {
		return fmt.Errorf("%w: entry %d (%v) is vouched for by %d verified lists, policy needs %d", ErrProvenance, p.Index, e.Hash, len(seen), pol.MinLists)
	}
	return nil
}

// VerifyAll is the device's full check of a database it received in the
// clear: the recomputed root over all entries must equal the signed
// head's, and every entry must satisfy the intersection rule. It costs one
// leaf hash per entry, one inclusion check per entry and source, and one
// signature check per head.
func (pol Policy) VerifyAll(entries []Entry, proofs []EntryProof, db SignedHead, lists map[string]SignedHead) error {
	if err := db.Verify(pol.DatabaseKey); err != nil {
		return err
	}
	if uint64(len(entries)) != db.Size || len(proofs) != len(entries) {
		return fmt.Errorf("%w: %d entries and %d proofs for a head of size %d", ErrProof, len(entries), len(proofs), db.Size)
	}
	for i := 1; i < len(entries); i++ {
		if bytes.Compare(hashBytes(entries[i-1].Hash), hashBytes(entries[i].Hash)) >= 0 {
			return fmt.Errorf("audit: entries %d and %d out of order or repeated", i-1, i)
		}
	}
	if RootOf(entryLeaves(entries)) != db.Root {
		return fmt.Errorf("%w: recomputed root differs from the signed head's", ErrProof)
	}
	valid := pol.validLists(lists)
	for i, e := range entries {
		if proofs[i].Index != uint64(i) {
			return fmt.Errorf("audit: proof %d is for entry %d", i, proofs[i].Index)
		}
		if err := pol.verifyEntry(e, proofs[i], db, valid); err != nil {
			return err
		}
	}
	return nil
}

// ErrProvenance is wrapped when an entry fails the intersection rule.
var ErrProvenance = fmt.Errorf("audit: provenance rule not met")
