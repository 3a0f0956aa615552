package phash_test

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

func TestParseHashRoundTrip(t *testing.T) {
	cases := []struct {
		kind phash.Kind
		bits int
		hex  string
	}{
		{"pdq", 256, "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"},
		{"ahash", 64, "43d3e3010110fa3a"},
		{"colorhash", 42, "07e00008000"},
		{"x", 1, "1"},
		{"x", 5, "1f"},
	}
	for _, tc := range cases {
		h, err := phash.ParseHash(tc.kind, tc.bits, tc.hex)
		if err != nil {
			t.Fatalf("%s: %v", tc.hex, err)
		}
		if h.String() != tc.hex || h.Bits() != tc.bits || h.Kind() != tc.kind {
			t.Fatalf("round trip %s/%d:%s gave %s", tc.kind, tc.bits, tc.hex, h.Qualified())
		}
		q, err := phash.ParseQualified(h.Qualified())
		if err != nil || q != h {
			t.Fatalf("qualified round trip of %s: %v %v", h.Qualified(), q, err)
		}
		up, err := phash.ParseHash(tc.kind, tc.bits, strings.ToUpper(tc.hex))
		if err != nil || up != h {
			t.Fatalf("uppercase parse: %v", err)
		}
	}
}

func TestParseHashErrors(t *testing.T) {
	bad := []struct {
		bits int
		hex  string
	}{
		{64, "43d3e3010110fa3"},   // too short
		{64, "43d3e3010110fa3a0"}, // too long
		{64, "43d3e3010110fa3g"},  // not hex
		{42, "87e00008000"},       // bit above 42 set
		{0, ""},
		{257, strings.Repeat("0", 65)},
		{-1, "0"},
	}
	for _, tc := range bad {
		if _, err := phash.ParseHash("k", tc.bits, tc.hex); err == nil {
			t.Errorf("ParseHash(%d, %q) accepted", tc.bits, tc.hex)
		}
	}
	for _, s := range []string{"", "pdq", "pdq/256", "pdq/x:00", "/8:00", "pdq/08:00", "pdq/8:0"} {
		if _, err := phash.ParseQualified(s); err == nil {
			t.Errorf("ParseQualified(%q) accepted", s)
		}
	}
}

func TestDistance(t *testing.T) {
	a, _ := phash.ParseHash("ahash", 64, "ffffffffffffffff")
	b, _ := phash.ParseHash("ahash", 64, "0000000000000001")
	if d, err := phash.Distance(a, b); err != nil || d != 63 {
		t.Fatalf("distance %d, %v; want 63", d, err)
	}
	c, _ := phash.ParseHash("dhash", 64, "0000000000000001")
	if _, err := phash.Distance(a, c); !errors.Is(err, phash.ErrMismatch) {
		t.Fatalf("different kinds: %v", err)
	}
	e, _ := phash.ParseHash("ahash", 60, "000000000000001")
	if _, err := phash.Distance(b, e); !errors.Is(err, phash.ErrMismatch) {
		t.Fatalf("different lengths: %v", err)
	}
	if _, err := phash.Distance(phash.Hash{}, a); !errors.Is(err, phash.ErrMismatch) {
		t.Fatalf("zero hash: %v", err)
	}
}

func TestBitsAndWords(t *testing.T) {
	// imagehash order: the first bit is the most significant printed bit.
	bitsIn := make([]bool, 42)
	bitsIn[0], bitsIn[41], bitsIn[5] = true, true, true
	h, err := phash.FromBits("colorhash", bitsIn)
	if err != nil {
		t.Fatal(err)
	}
	// 42 bits: value 2^41 + 2^36 + 1, printed in 11 hex digits.
	if want := fmt.Sprintf("%011x", uint64(1)<<41|uint64(1)<<36|1); h.String() != want {
		t.Fatalf("FromBits printed %s, want %s", h, want)
	}
	if !h.Bit(41) || !h.Bit(36) || !h.Bit(0) || h.Bit(1) || h.Bit(42) || h.Bit(-1) {
		t.Fatal("Bit disagrees with FromBits")
	}
	w := h.Words()
	if w[0] != 1<<41|1<<36|1 || w[1]|w[2]|w[3] != 0 {
		t.Fatalf("Words = %x", w)
	}
	p, _ := phash.ParseHash("pdq", 256, "8000000000000000000000000000000000000000000000000000000000000003")
	pw := p.Words()
	if pw[0] != 3 || pw[3] != 1<<63 || bits.OnesCount64(pw[1]|pw[2]) != 0 {
		t.Fatalf("256-bit Words = %x", pw)
	}
}

func FuzzParseHash(f *testing.F) {
	f.Add("pdq", 256, "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add("colorhash", 42, "07e00008000")
	f.Add("x", 3, "7")
	f.Fuzz(func(t *testing.T, kind string, n int, s string) {
		h, err := phash.ParseHash(phash.Kind(kind), n, s)
		if err != nil {
			return
		}
		if !strings.EqualFold(h.String(), s) {
			t.Fatalf("parsed %q, prints %q", s, h.String())
		}
		back, err := phash.ParseQualified(h.Qualified())
		if err != nil || back != h {
			t.Fatalf("qualified round trip of %q failed: %v", h.Qualified(), err)
		}
	})
}
