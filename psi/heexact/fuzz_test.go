package heexact

import (
	"bytes"
	"testing"

	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/psitest"
)

// FuzzHEExactParams: the params decoder either refuses bytes or decodes
// them to a message that re-encodes to the same bytes.
func FuzzHEExactParams(f *testing.F) {
	for _, l := range exact.Presets() {
		for _, n := range []int{4, 16, exact.MaxPartitions, 664} {
			m := &Params{Literal: l, Partitions: n}
			if l.Binned {
				m = &Params{Literal: l, Bins: n}
			}
			if b, err := m.MarshalBinary(); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &Params{}, b) })
}

// FuzzHEExactBlobs: keys, OPRF, query, answer and reply decoders accept exactly
// their parameter-fixed length and round-trip it; anything else is a
// clean error. Real sizes are hundreds of kB, so the fuzzer runs the
// decoders at small sizes; the protocol tests decode real messages.
func FuzzHEExactBlobs(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, 33), uint8(33))
	f.Fuzz(func(t *testing.T, b []byte, size uint8) {
		for _, k := range []string{"keys", "oprf-request", "oprf-eval", "query", "answer", "reply"} {
			psitest.CheckFixedSize(t, headapter.NewBlob(heExactName+"/"+k, int(size)), b, int(size))
		}
	})
}

// FuzzOPRFElement: the decoder of the OPRF request and evaluation either
// refuses bytes or accepts exactly a canonical non-identity element,
// which re-encodes to the same 32 bytes.
func FuzzOPRFElement(f *testing.F) {
	k, err := newOPRFKey(nil)
	if err != nil {
		f.Fatal(err)
	}
	g := oprfSuite.Group()
	b, _ := g.RandomElement(nil).MarshalBinaryCompress()
	f.Add(b)
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseElement(b, "element")
		if err != nil {
			if _, err2 := k.evaluate(b); err2 == nil {
				t.Fatal("evaluate accepted an element parseElement refuses")
			}
			return
		}
		if e.IsIdentity() {
			t.Fatal("identity accepted")
		}
		if re, err := e.MarshalBinaryCompress(); err != nil || !bytes.Equal(re, b) {
			t.Fatalf("%x re-encodes to %x, %v", b, re, err)
		}
		if out, err := k.evaluate(b); err != nil || len(out) != OPRFSize {
			t.Fatalf("evaluate: %d bytes, %v", len(out), err)
		}
	})
}
