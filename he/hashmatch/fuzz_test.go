package hashmatch

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// fuzzParams are small INSECURE parameters: the decoders depend only on
// sizes and moduli.
func fuzzParams(f *testing.F) Params {
	f.Helper()
	p, err := newInsecureParams(insecureLiteral)
	if err != nil {
		f.Fatal(err)
	}
	return p
}

// FuzzQuery checks that a query decodes only at its exact size and, when
// it does, re-encodes to the same bytes (a clean error otherwise).
func FuzzQuery(f *testing.F) {
	p := fuzzParams(f)
	c, err := NewClient(p, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	luma := make([]float64, nLuma)
	for i := range luma {
		luma[i] = float64(i % 256)
	}
	q, err := c.QueryLuma(luma)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(q)
	f.Add(q[:len(q)-1])
	f.Add([]byte{})
	bad := bytes.Clone(q)
	for i := seedLen; i < seedLen+8; i++ {
		bad[i] = 0xff
	}
	f.Add(bad)
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := p.expandQuery(data)
		if err != nil {
			return
		}
		back := appendPoly(append([]byte(nil), data[:seedLen]...), ct.Value[0], p.residual.MaxLevel())
		if !bytes.Equal(back, data) {
			t.Fatal("query does not round-trip")
		}
	})
}

// FuzzAnswer checks that the client rejects malformed answers with an
// error and that an accepted answer round-trips through the wire form.
func FuzzAnswer(f *testing.F) {
	p := fuzzParams(f)
	c, err := NewClient(p, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	good := make([]byte, AnswerSize(p))
	f.Add(good)
	f.Add(good[:10])
	bad := bytes.Clone(good)
	for i := 0; i < 8; i++ {
		bad[i] = 0xff
	}
	f.Add(bad)
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := p.decodeAnswer(data)
		if err != nil {
			if _, err2 := c.Reveal(data); err2 == nil {
				t.Fatal("Reveal accepted an answer decodeAnswer rejects")
			}
			return
		}
		back, err := p.encodeAnswer(ct)
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("answer does not round-trip: %v", err)
		}
		_, _ = c.Reveal(data) // a clean error or a reply; never a panic
	})
}
