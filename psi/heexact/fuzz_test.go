package heexact

import (
	"testing"

	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/psitest"
)

// FuzzHEExactParams: the params decoder either refuses bytes or decodes
// them to a message that re-encodes to the same bytes.
func FuzzHEExactParams(f *testing.F) {
	for _, l := range exact.Presets() {
		for _, parts := range []int{4, 16, exact.MaxPartitions} {
			m := &Params{Literal: l, Partitions: parts}
			if b, err := m.MarshalBinary(); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &Params{}, b) })
}

// FuzzHEExactBlobs: keys, query, answer and reply decoders accept exactly
// their parameter-fixed length and round-trip it; anything else is a
// clean error. Real sizes are hundreds of kB, so the fuzzer runs the
// decoders at small sizes; the protocol tests decode real messages.
func FuzzHEExactBlobs(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, 33), uint8(33))
	f.Fuzz(func(t *testing.T, b []byte, size uint8) {
		for _, k := range []string{"keys", "query", "answer", "reply"} {
			psitest.CheckFixedSize(t, headapter.NewBlob(heExactName+"/"+k, int(size)), b, int(size))
		}
	})
}
