package hehamming

import (
	"testing"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/psitest"
)

// FuzzHEHammingParams: the params decoder either refuses bytes or decodes
// them to a message that re-encodes to the same bytes.
func FuzzHEHammingParams(f *testing.F) {
	for _, m := range []Params{
		{Preset: hamming.H14.Name, HashBits: 256, Threshold: 31, Outputs: 1},
		{Preset: hamming.H12Insecure.Name, HashBits: 64, Threshold: 0, Outputs: 8},
	} {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &Params{}, b) })
}

// FuzzHEHammingBlobs: keys, query, answer and reply decoders accept exactly
// their parameter-fixed length and round-trip it; anything else is a
// clean error. Real sizes are 35 kB to 91 MB, so the fuzzer runs the
// decoders at small sizes; the protocol tests decode real messages.
func FuzzHEHammingBlobs(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, 12), uint8(12))
	f.Fuzz(func(t *testing.T, b []byte, size uint8) {
		for _, k := range []string{"keys", "query", "answer", "reply"} {
			psitest.CheckFixedSize(t, headapter.NewBlob(heHammingName+"/"+k, int(size)), b, int(size))
		}
	})
}
