package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

func testHash(t testing.TB, i int) phash.Hash {
	t.Helper()
	b := sha256.Sum256([]byte(fmt.Sprint("h", i)))
	h, err := phash.NewHash("pdq", 256, b[:])
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type world struct {
	a, b         *List
	db           *Database
	dbKey        ed25519.PrivateKey
	pol          Policy
	head         SignedHead
	heads        map[string]SignedHead
	lists        map[string]*List
	listA, listB ed25519.PrivateKey
}

// newWorld: list A holds 0..59, list B holds 20..79; the database is their
// intersection 20..59.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{a: NewList("list/a"), b: NewList("list/b")}
	for i := 0; i < 60; i++ {
		w.a.Add(testHash(t, i))
	}
	for i := 79; i >= 20; i-- {
		w.b.Add(testHash(t, i))
	}
	var err error
	w.db, err = Intersection("db", []*List{w.a, w.b}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.db.Entries) != 40 {
		t.Fatalf("intersection has %d entries", len(w.db.Entries))
	}
	keys := map[string]ed25519.PublicKey{}
	var pub ed25519.PublicKey
	pub, w.dbKey, _ = ed25519.GenerateKey(nil)
	pa, ka, _ := ed25519.GenerateKey(nil)
	pb, kb, _ := ed25519.GenerateKey(nil)
	w.listA, w.listB = ka, kb
	keys["list/a"], keys["list/b"] = pa, pb
	w.pol = Policy{DatabaseKey: pub, ListKeys: keys, MinLists: 2}
	w.head, _ = Sign(w.db.Head(), w.dbKey)
	ha, _ := Sign(w.a.Head(), ka)
	hb, _ := Sign(w.b.Head(), kb)
	w.heads = map[string]SignedHead{"list/a": ha, "list/b": hb}
	w.lists = map[string]*List{"list/a": w.a, "list/b": w.b}
	return w
}

func (w *world) proofs(t *testing.T, db *Database) []EntryProof {
	t.Helper()
	var ps []EntryProof
	for i := range db.Entries {
		p, err := db.Prove(uint64(i), w.lists)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

func TestDatabaseVerifies(t *testing.T) {
	w := newWorld(t)
	ps := w.proofs(t, w.db)
	if err := w.pol.VerifyAll(w.db.Entries, ps, w.head, w.heads); err != nil {
		t.Fatal(err)
	}
	for i, e := range w.db.Entries {
		if err := w.pol.VerifyEntry(e, ps[i], w.head, w.heads); err != nil {
			t.Fatal(err)
		}
		b, _ := MarshalEntryProof(ps[i])
		q, err := UnmarshalEntryProof(b)
		if err != nil || w.pol.VerifyEntry(e, q, w.head, w.heads) != nil {
			t.Fatalf("entry proof round trip: %v", err)
		}
	}
}

// Tampering the device must catch.
func TestDatabaseTampering(t *testing.T) {
	w := newWorld(t)
	ps := w.proofs(t, w.db)
	t.Run("entry-changed", func(t *testing.T) {
		es := append([]Entry(nil), w.db.Entries...)
		es[7].Hash = testHash(t, 1000)
		if w.pol.VerifyAll(es, ps, w.head, w.heads) == nil {
			t.Error("changed entry accepted")
		}
		if w.pol.VerifyEntry(es[7], ps[7], w.head, w.heads) == nil {
			t.Error("changed entry's proof accepted")
		}
	})
	t.Run("entry-added", func(t *testing.T) {
		// The server adds an entry only list A carries, and re-signs.
		es := append([]Entry(nil), w.db.Entries...)
		i, _ := w.a.Index(testHash(t, 3))
		es = append(es, Entry{Hash: testHash(t, 3), Sources: []Source{{"list/a", i}}})
		db2 := NewDatabase("db", es)
		head2, _ := Sign(db2.Head(), w.dbKey)
		if w.pol.VerifyAll(w.db.Entries, ps, head2, w.heads) == nil {
			t.Error("old entries verified against the new head")
		}
		err := w.pol.VerifyAll(db2.Entries, w.proofs(t, db2), head2, w.heads)
		if !errors.Is(err, ErrProvenance) {
			t.Errorf("single-list entry: %v, want provenance failure", err)
		}
		// Claiming list B vouches for it, at some index, fails B's proof.
		for k := range es[len(es)-1:] {
			es[len(es)-1+k].Sources = append(es[len(es)-1+k].Sources, Source{"list/b", 4})
		}
		db3 := NewDatabase("db", es)
		head3, _ := Sign(db3.Head(), w.dbKey)
		if err := w.pol.VerifyAll(db3.Entries, w.proofs(t, db3), head3, w.heads); !errors.Is(err, ErrProvenance) {
			t.Errorf("forged source: %v, want provenance failure", err)
		}
		// A 1-of-2 policy accepts it: the rule, not the tree, is what
		// stops one list operator.
		loose := w.pol
		loose.MinLists = 1
		if err := loose.VerifyAll(db2.Entries, w.proofs(t, db2), head2, w.heads); err != nil {
			t.Errorf("1-of-2 policy: %v", err)
		}
	})
	t.Run("split-view", func(t *testing.T) {
		es := append([]Entry(nil), w.db.Entries...)
		es[0].Hash = testHash(t, 2000)
		other, _ := Sign(NewDatabase("db", es).Head(), w.dbKey)
		var sv *SplitView
		if err := CompareHeads(w.head, other, w.pol.DatabaseKey, false, HeadProof{}); !errors.As(err, &sv) || !sv.Conclusive {
			t.Errorf("same epoch, different roots: %v", err)
		}
		if err := CompareHeads(w.head, w.head, w.pol.DatabaseKey, false, HeadProof{}); err != nil {
			t.Errorf("same head: %v", err)
		}
		forged := other
		forged.Sig[0] ^= 1
		if err := CompareHeads(w.head, forged, w.pol.DatabaseKey, false, HeadProof{}); !errors.Is(err, ErrSignature) {
			t.Errorf("bad signature: %v", err)
		}
	})
	t.Run("list-rewritten", func(t *testing.T) {
		// List A grows honestly; a proof links the heads.
		pub, err := NewPublisher("list/a", w.listA)
		if err != nil {
			t.Fatal(err)
		}
		old, _ := pub.Publish(w.a.Head())
		w.a.Add(testHash(t, 500), testHash(t, 501))
		grown, _ := pub.Publish(w.a.Head())
		p, err := pub.Link(0, 1, w.a.Tree())
		if err != nil {
			t.Fatal(err)
		}
		if err := CompareHeads(old, grown, w.pol.ListKeys["list/a"], true, p); err != nil {
			t.Errorf("honest growth: %v", err)
		}
		// A rewritten list (one old entry replaced) of the same new size.
		r := NewList("list/a")
		for i, h := range w.a.Hashes {
			if i == 10 {
				h = testHash(t, 900)
			}
			r.Add(h)
		}
		// The publisher signs it as epoch 1 for some devices; its
		// history proof is genuine, the tree proof cannot be.
		h := r.Head()
		h.Epoch, h.History = 1, grown.History
		rew, _ := Sign(h, w.listA)
		p2 := p
		p2.Tree, _ = r.Tree().ConsistencyProof(old.Size, rew.Size)
		var sv *SplitView
		if err := CompareHeads(old, rew, w.pol.ListKeys["list/a"], true, p2); !errors.As(err, &sv) {
			t.Errorf("rewritten history: %v", err)
		}
	})
}
