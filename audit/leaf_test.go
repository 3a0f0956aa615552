package audit

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// parseLeaf inverts Entry.leaf: a left inverse proves the encoding
// injective.
func parseLeaf(b []byte) (Entry, bool) {
	// Each reader consumes from b; after the first short read ok stays
	// false and every later read returns nothing (fixed: zeros).
	ok := true
	take := func(n uint64) []byte {
		if !ok || uint64(len(b)) < n {
			ok = false
			return nil
		}
		s := b[:n]
		b = b[n:]
		return s
	}
	fixed := func(n int) []byte {
		if s := take(uint64(n)); ok {
			return s
		}
		return make([]byte, n)
	}
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if !ok || n <= 0 {
			ok = false
			return 0
		}
		b = b[n:]
		return v
	}
	kind := take(uv())
	bits := int(binary.BigEndian.Uint16(fixed(2)))
	hb := take(uint64(bits+7) / 8)
	if !ok {
		return Entry{}, false
	}
	h, err := phash.NewHash(phash.Kind(kind), bits, hb)
	if err != nil {
		return Entry{}, false
	}
	e := Entry{Hash: h}
	for i, ns := uint64(0), uv(); ok && i < ns; i++ {
		name := take(uv())
		idx := binary.BigEndian.Uint64(fixed(8))
		if ok {
			e.Sources = append(e.Sources, Source{List: string(name), Index: idx})
		}
	}
	return e, ok && len(b) == 0
}

// collidingEntries are two different entries whose leaves were equal
// under the one-byte lengths of the code before this change: 257 sources
// with empty names against one source whose 2304-byte name spells the
// first 256 of them.
func collidingEntries(t *testing.T) (Entry, Entry) {
	h := testHash(t, 1)
	a := Entry{Hash: h}
	var tail []byte
	for i := range 257 {
		a.Sources = append(a.Sources, Source{List: "", Index: uint64(i)})
		tail = binary.BigEndian.AppendUint64(append(tail, 0), uint64(i))
	}
	// tail is 257 * (0 || index); b's one source has a 2304-byte name
	// (length byte 2304 % 256 = 0) that is tail[1:2305], and index the
	// last 8 bytes.
	b := Entry{Hash: h, Sources: []Source{{List: string(tail[1:2305]), Index: binary.BigEndian.Uint64(tail[2305:])}}}
	return a, b
}

// oldLeaf is the encoding before this change, kept to show the test
// would have failed on it.
func oldLeaf(e Entry) []byte {
	k := e.Hash.Kind()
	b := append([]byte{byte(len(k))}, k...)
	b = binary.BigEndian.AppendUint16(b, uint16(e.Hash.Bits()))
	b = append(b, e.Hash.Bytes()...)
	b = append(b, byte(len(e.Sources)))
	for _, s := range e.Sources {
		b = append(b, byte(len(s.List)))
		b = append(b, s.List...)
		b = binary.BigEndian.AppendUint64(b, s.Index)
	}
	return b
}

func TestEntryLeafInjective(t *testing.T) {
	a, b := collidingEntries(t)
	if !bytes.Equal(oldLeaf(a), oldLeaf(b)) {
		t.Fatal("the constructed pair does not collide under the old encoding")
	}
	if bytes.Equal(a.leaf(), b.leaf()) {
		t.Fatal("two different entries share a leaf")
	}
	for _, e := range []Entry{a, b, {Hash: testHash(t, 2)}, {Hash: testHash(t, 3), Sources: []Source{{strings.Repeat("x", 300), 7}}}} {
		l := e.leaf()
		if got, ok := parseLeaf(l); !ok || !reflect.DeepEqual(got, e) {
			t.Errorf("leaf of %d sources does not parse back", len(e.Sources))
		}
		// The parser is strict: no proper prefix of a leaf parses.
		for n := range len(l) {
			if _, ok := parseLeaf(l[:n]); ok {
				t.Fatalf("leaf of %d sources: its first %d of %d bytes parse", len(e.Sources), n, len(l))
			}
		}
	}
	// Names and counts under 128 encode as before: list and database
	// roots built from short names are unchanged.
	short := Entry{Hash: testHash(t, 4), Sources: []Source{{"list/a", 3}, {"list/b", 9}}}
	if !bytes.Equal(short.leaf(), oldLeaf(short)) {
		t.Error("short entries changed encoding")
	}
}

// fuzzEntry builds an entry from fuzz bytes: each 3-byte group is a
// source whose name is a byte repeated up to 1023 times; up to 600
// sources, so counts and names cross 256.
func fuzzEntry(t *testing.T, b []byte, fill uint16) Entry {
	e := Entry{Hash: testHash(t, int(fill%3))}
	for i := 0; len(b) >= 3 && i < 600; i++ {
		n := int(binary.BigEndian.Uint16(b)) % 1024
		e.Sources = append(e.Sources, Source{List: strings.Repeat(string(b[2:3]), n), Index: uint64(i) * uint64(fill)})
		b = b[3:]
	}
	if fill%5 == 0 { // many sources from few bytes
		for i := range int(fill % 400) {
			e.Sources = append(e.Sources, Source{Index: uint64(i)})
		}
	}
	return e
}

func FuzzEntryLeafInjective(f *testing.F) {
	f.Add([]byte{1, 0, 'a'}, uint16(1), []byte{1, 0, 'a'}, uint16(2))
	f.Add([]byte{}, uint16(260), []byte{9, 0, 0}, uint16(5))
	f.Add([]byte{0, 0, 0}, uint16(255), []byte{0, 0, 0, 0, 0, 0}, uint16(355))
	f.Fuzz(func(t *testing.T, x []byte, fx uint16, y []byte, fy uint16) {
		a, b := fuzzEntry(t, x, fx), fuzzEntry(t, y, fy)
		la, lb := a.leaf(), b.leaf()
		if !reflect.DeepEqual(a, b) && bytes.Equal(la, lb) {
			t.Fatalf("entries of %d and %d sources share a leaf", len(a.Sources), len(b.Sources))
		}
		if got, ok := parseLeaf(la); !ok || !reflect.DeepEqual(got, a) {
			t.Fatalf("leaf of %d sources does not parse back", len(a.Sources))
		}
	})
}

func FuzzParamsInjective(f *testing.F) {
	f.Add("oprf-psi", "pdq", 256, 0, 32, "seed", []byte{1}, "", "pdq", 256, 0, 32, "seed", []byte{2})
	f.Add("a", "", 0, 0, 0, "", []byte(nil), "", "a", 0, 0, 0, "", []byte(nil))
	f.Fuzz(func(t *testing.T, pa, aa string, ba, ta, ra int, na string, va []byte, pb, ab string, bb, tb, rb int, nb string, vb []byte) {
		mk := func(p, a string, b, th, r int, n string, v []byte, rep int) Params {
			q := Params{Protocol: p, Algorithm: a, Bits: b, Threshold: th, RowSize: r}
			for range rep {
				q.Settings = append(q.Settings, Setting{n, v})
			}
			return q
		}
		x := mk(pa, aa, ba, ta, ra, na, va, len(va)%3)
		y := mk(pb, ab, bb, tb, rb, nb, vb, len(vb)%3)
		if !reflect.DeepEqual(x, y) && bytes.Equal(x.encode(nil), y.encode(nil)) {
			t.Fatalf("distinct params share an encoding: %v / %v", x, y)
		}
	})
}
