package threshold

import (
	"bytes"
	mrand "math/rand/v2"
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

// TestDetectorExactlyK: with k genuine and z <= S synthetic rows in any
// order, no row closes a dependency before the k-th genuine one, and that
// one's support is exactly the k genuine rows; with k-1 genuine rows none
// does. Beyond S synthetic rows the guarantee ends (the last case shows a
// dependency among synthetic rows), which is why S = MaxOpened - k.
func TestDetectorExactlyK(t *testing.T) {
	for _, tc := range []struct{ k, s, g, z int }{
		{1, 2, 1, 0}, {1, 2, 1, 2}, {2, 4, 2, 4}, {3, 6, 3, 0}, {3, 6, 3, 6}, {5, 10, 5, 10}, {8, 16, 8, 16},
		{5, 10, 4, 10}, {8, 16, 7, 16},
	} {
		for _, interleave := range []bool{false, true} {
			rows := SampleRows(tc.k, tc.s, tc.g, tc.z)
			genuine := make([]bool, len(rows))
			order := make([]int, len(rows))
			for i := range order {
				order[i] = i
			}
			if interleave {
				// Synthetic rows first, then alternate.
				mrand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			} else {
				order = append(order[tc.g:], order[:tc.g]...)
			}
			var in [][]group.Scalar
			lastGenuine := -1
			for i, o := range order {
				in = append(in, rows[o])
				genuine[i] = o < tc.g
				if genuine[i] {
					lastGenuine = i
				}
			}
			at, sup := Detect(in)
			if tc.g < tc.k {
				if at >= 0 {
					t.Errorf("%+v: dependency at row %d with %d genuine rows", tc, at, tc.g)
				}
				continue
			}
			if at != lastGenuine || len(sup) != tc.k {
				t.Errorf("%+v interleave=%v: dependency at row %d (support %d), want at the k-th genuine row %d", tc, interleave, at, len(sup), lastGenuine)
				continue
			}
			for _, r := range sup {
				if !genuine[r] {
					t.Errorf("%+v: synthetic row %d in the support", tc, r)
				}
			}
		}
	}
	// z = S + k synthetic rows alone fill the space: a dependency among
	// synthetic rows appears, so the bound z <= S is real.
	if at, _ := Detect(SampleRows(3, 4, 0, 8)); at < 0 {
		t.Error("8 synthetic rows in dimension 6 closed no dependency")
	}
}

// lagrangeAtZero gives f(0) from any k points of f.
func TestLagrangeAtZero(t *testing.T) {
	for _, k := range []int{1, 2, 5, 17} {
		f := randScalars(t, k)
		xs := randScalars(t, k)
		ys := make([]group.Scalar, k)
		for i, x := range xs {
			ys[i] = polyEval(f, x)
		}
		if !lagrangeAtZero(xs, ys).IsEqual(f[0]) {
			t.Errorf("k=%d: wrong f(0)", k)
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
	f.Add(make([]byte, 448+64))
	f.Add(bytes.Repeat([]byte{0xe2}, 448+64))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		thresholdCheckDecode(t, &Voucher{bits: 256, s: 2}, b)
		thresholdCheckDecode(t, &Voucher{bits: 64, s: 0}, b)
	})
}

func FuzzSetupMessage(f *testing.F) {
	f.Add(append([]byte{0, 30, 0, 0, 0, 1, 0, 46}, make([]byte, ec.TableHeader+16*ec.ElemSize)...))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { thresholdCheckDecode(t, &SetupMessage{}, b) })
}

func FuzzAuditedSetup(f *testing.F) {
	f.Add(append([]byte{0, 3, 0, 0, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0}, make([]byte, ec.TableHeader+16*ec.ElemSize)...))
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) { thresholdCheckDecode(t, &AuditedSetup{}, b) })
}
