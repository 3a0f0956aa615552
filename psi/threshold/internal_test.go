package threshold

import (
	"bytes"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
)

func randScalars(t *testing.T, n int) []group.Scalar {
	t.Helper()
	out := make([]group.Scalar, n)
	for i := range out {
		s, err := ec.Scalar(ec.Rand(psi.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

// Berlekamp-Welch finds f with up to floor((m-k)/2) wrong points and
// refuses beyond; it never returns a wrong polynomial.
func TestDecodeShares(t *testing.T) {
	for _, tc := range []struct{ k, g, z int }{
		{1, 1, 0}, {3, 3, 0}, {3, 5, 2}, {5, 9, 4}, {5, 8, 4}, {5, 4, 0}, {5, 5, 1}, {7, 20, 13}, {7, 20, 14},
	} {
		f := randScalars(t, tc.k)
		xs := randScalars(t, tc.g+tc.z)
		ys := make([]group.Scalar, len(xs))
		for i, x := range xs {
			ys[i] = polyEval(f, x)
		}
		copy(ys[tc.g:], randScalars(t, tc.z))
		got, err := decodeShares(xs, ys, tc.k)
		want := tc.g >= tc.k+tc.z
		if (err == nil) != want {
			t.Errorf("k=%d g=%d z=%d: err %v, want success %v", tc.k, tc.g, tc.z, err, want)
			continue
		}
		if err == nil {
			for i := range f {
				if !got[i].IsEqual(f[i]) {
					t.Errorf("k=%d g=%d z=%d: wrong coefficient %d", tc.k, tc.g, tc.z, i)
				}
			}
		}
	}
}

// thresholdCheckDecode: bytes either fail to decode, or decode to a
// message that re-encodes to the same bytes with BinarySize their length.
func thresholdCheckDecode(t *testing.T, m psi.Message, b []byte) {
	if err := m.UnmarshalBinary(b); err != nil {
		return
	}
	again, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("%s: decoded but does not re-encode: %v", m.Kind(), err)
	}
	if !bytes.Equal(again, b) || m.BinarySize() != len(b) {
		t.Fatalf("%s: round trip changed the bytes or size", m.Kind())
	}
}

func FuzzVoucher(f *testing.F) {
	f.Add(make([]byte, 528))
	f.Add(bytes.Repeat([]byte{0xe2}, 528))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		thresholdCheckDecode(t, &Voucher{bits: 256}, b)
		thresholdCheckDecode(t, &Voucher{bits: 64}, b)
	})
}

func FuzzSetupMessage(f *testing.F) {
	f.Add(append([]byte{0, 30, 0, 0, 0, 1}, make([]byte, ec.TableHeader+16*ec.ElemSize)...))
	f.Add([]byte{0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { thresholdCheckDecode(t, &SetupMessage{}, b) })
}
