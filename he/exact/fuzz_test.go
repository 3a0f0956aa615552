package exact

import (
	"bytes"
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/he/internal/core"
)

// Fuzz targets: every decoder of outside bytes either returns an error or
// an object that re-encodes to exactly the input (round trip).

func fuzzParams(f *testing.F) Parameters {
	l := PN12Test
	hetest.AllowInsecure()
	p, err := NewParameters(l)
	if err != nil {
		f.Fatal(err)
	}
	return p
}

func FuzzUnmarshalCiphertext(f *testing.F) {
	p := fuzzParams(f)
	sk := newSecretKey(p)
	sc, _ := newEncryptor(sk, nil).EncryptSeeded([]uint64{1, 2, 3}, 0)
	ct, _ := sc.Expand()
	b, _ := ct.MarshalBinary()
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := unmarshalCiphertext(p, in, p.MaxLevel())
		if err != nil {
			return
		}
		if c.BinarySize() != len(in) {
			t.Fatalf("BinarySize %d for %d input bytes", c.BinarySize(), len(in))
		}
		out, _ := c.MarshalBinary()
		if !bytes.Equal(out, in) {
			t.Fatal("round trip differs")
		}
	})
}

func FuzzUnmarshalSeededCiphertext(f *testing.F) {
	p := fuzzParams(f)
	sk := newSecretKey(p)
	sc, _ := newEncryptor(sk, nil).EncryptSeeded([]uint64{1, 2, 3}, 1)
	b, _ := sc.MarshalBinary()
	f.Add(b)
	f.Add(b[:core.HeaderLen+3])
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := unmarshalSeededCiphertext(p, in, 1)
		if err != nil {
			return
		}
		out, _ := c.MarshalBinary()
		if !bytes.Equal(out, in) || c.BinarySize() != len(in) {
			t.Fatal("round trip differs")
		}
		if _, err := c.Expand(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeReply(f *testing.F) {
	p := fuzzParams(f)
	f.Add(encodeReply(p, []uint64{0, 1, 65536, 12345}))
	f.Add([]byte("PM"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := decodeReply(p, in, 4)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeReply(p, v), in) {
			// Padding bits of the last byte may differ; the values must not.
			v2, err := decodeReply(p, encodeReply(p, v), 4)
			if err != nil || len(v2) != len(v) {
				t.Fatal("re-encoding failed")
			}
			for i := range v {
				if v[i] != v2[i] {
					t.Fatal("round trip differs")
				}
			}
		}
	})
}

func FuzzUnmarshalEvaluationKeys(f *testing.F) {
	p := fuzzParams(f)
	// Whole keys are megabytes; seed with headers and short bodies, which
	// exercise every length check. The full decode is covered by
	// TestEvaluationKeysWire.
	hdr := putHeader(nil, core.KindExactEvalKey, p)
	f.Add(append(append([]byte{}, hdr...), 3, 3, 0, 0, 0, 0))
	f.Add(append(append([]byte{}, hdr...), 200, 1, 0xff, 0xff, 0xff, 0xff))
	f.Add(hdr[:5])
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := unmarshalEvaluationKeys(p, in); err == nil {
			t.Fatal("accepted keys from a short fuzz input")
		}
	})
}

func FuzzExactFinish(f *testing.F) {
	p := fuzzParams(f)
	cli, err := NewClient(p, nil)
	if err != nil {
		f.Fatal(err)
	}
	hdr := putHeader(nil, core.KindExactAnswer, p)
	f.Add(append(append([]byte{}, hdr...), 1))
	f.Add(append(append([]byte{}, hdr...), 9, 1, 2, 3))
	f.Add(append(append([]byte{}, hdr...), MaxPartitions+1, 1, 2, 3))
	// A full-length answer of 5 partitions (two ciphertexts) with every
	// coefficient out of range in the second one.
	five := append(append([]byte{}, hdr...), 5)
	five = append(five, make([]byte, compressedSize(p))...)
	five[len(five)-compressedSize(p)] = 1 // scale 1
	for range compressedSize(p) {
		five = append(five, 0xff)
	}
	f.Add(five)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, st, err := cli.Query([32]byte{})
		if err != nil {
			t.Fatal(err)
		}
		parts := 0
		if len(in) > core.HeaderLen {
			parts = int(in[core.HeaderLen])
		}
		reply, err := cli.Finish(st, in)
		if err != nil {
			return
		}
		if parts < 1 || parts > MaxPartitions || len(in) != AnswerSize(p, parts) {
			t.Fatalf("accepted %d-byte answer with %d partitions, want %d bytes", len(in), parts, AnswerSize(p, parts))
		}
		if len(reply) != ReplySize(p, parts) {
			t.Fatalf("reply of %d bytes for %d partitions, want %d", len(reply), parts, ReplySize(p, parts))
		}
	})
}

func FuzzUnmarshalBinnedKeys(f *testing.F) {
	hetest.AllowInsecure()
	p, err := NewParameters(PN12BTest)
	if err != nil {
		f.Fatal(err)
	}
	// Whole keys are megabytes; seed with headers and short bodies, which
	// exercise every length check. The full decode is covered by
	// TestBinnedMembership (keys parsed, then used).
	hdr := putHeader(nil, core.KindExactBinKeys, p)
	f.Add(append(append([]byte{}, hdr...), 3, 0, 0, 0))
	f.Add(append(append([]byte{}, hdr...), 200, 0xff, 0xff))
	f.Add(hdr[:5])
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := unmarshalBinnedKeys(p, in, 3); err == nil {
			t.Fatal("accepted keys from a short fuzz input")
		}
	})
}

func FuzzBinnedFinish(f *testing.F) {
	hetest.AllowInsecure()
	p, err := NewParameters(PN12BTest)
	if err != nil {
		f.Fatal(err)
	}
	cli, err := NewBinnedClient(p, 3, nil)
	if err != nil {
		f.Fatal(err)
	}
	hdr := putHeader(nil, core.KindExactBinAns, p)
	f.Add(append(append([]byte{}, hdr...), 1, 2, 3))
	// Full length, scale 1, then every coefficient of c1 out of range.
	full := append(append([]byte{}, hdr...), make([]byte, compressedSize(p))...)
	full[core.HeaderLen] = 1
	f.Add(append([]byte{}, full...))
	for i := len(full) / 2; i < len(full); i++ {
		full[i] = 0xff
	}
	f.Add(full)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, st, err := cli.Query([32]byte{})
		if err != nil {
			t.Fatal(err)
		}
		reply, err := cli.Finish(st, in)
		if err != nil {
			return
		}
		if len(in) != BinnedAnswerSize(p) {
			t.Fatalf("accepted a %d-byte answer, want %d bytes", len(in), BinnedAnswerSize(p))
		}
		if _, err := decodeReply(p, reply, 2*BinSize(p)); err != nil {
			t.Fatalf("reply does not decode: %v", err)
		}
	})
}
