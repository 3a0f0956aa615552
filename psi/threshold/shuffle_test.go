package threshold

import (
	"errors"
	"testing"
)

var errRejected = errors.New("sampler asked for another byte")

// fixed returns a reader of exactly the given bytes, then errRejected.
func fixed(bs ...byte) func() (byte, error) {
	return func() (byte, error) {
		if len(bs) == 0 {
			return 0, errRejected
		}
		b := bs[0]
		bs = bs[1:]
		return b, nil
	}
}

// TestUniformBelowExact: for every n, the draws that end on their first
// byte (a rejected byte leads to a fresh, independent draw) cover every
// residue equally often, so the result is exactly uniform. b % n alone
// gave residues below 256 % n one extra byte each.
func TestUniformBelowExact(t *testing.T) {
	for n := 1; n <= 256; n++ {
		counts := make([]int, n)
		rejected := 0
		for b := 0; b < 256; b++ {
			j, err := uniformBelow(fixed(byte(b)), n)
			if errors.Is(err, errRejected) {
				rejected++
				continue
			}
			if err != nil || j < 0 || j >= n {
				t.Fatalf("n %d, byte %d: %d, %v", n, b, j, err)
			}
			counts[j]++
		}
		for j, c := range counts {
			if c != counts[0] {
				t.Fatalf("n %d: residue %d drawn for %d bytes, residue 0 for %d", n, j, c, counts[0])
			}
		}
		if rejected != 256%n {
			t.Errorf("n %d: %d bytes rejected, want %d", n, rejected, 256%n)
		}
	}
}

// TestShuffleUniform feeds the slot shuffle every pair of bytes once (a
// fixed reader) and counts the permutations over the pairs it accepts:
// each of the six comes out exactly equally often. The old draw,
// pb % (i+1), favoured some permutations (86 to 85).
func TestShuffleUniform(t *testing.T) {
	counts := map[[3]int]int{}
	for b1 := 0; b1 < 256; b1++ {
		for b2 := 0; b2 < 256; b2++ {
			perm, err := shuffle(fixed(byte(b1), byte(b2)))
			if errors.Is(err, errRejected) {
				continue
			}
			if err != nil {
				t.Fatalf("bytes %d, %d: %v", b1, b2, err)
			}
			counts[perm]++
		}
	}
	if len(counts) != 6 {
		t.Fatalf("%d distinct permutations, want 6: %v", len(counts), counts)
	}
	for p, n := range counts {
		if n != 255*256/6 {
			t.Errorf("permutation %v drawn %d times, want %d", p, n, 255*256/6)
		}
	}
}

// TestUniformBelowRetries: a rejected byte is skipped and the next used.
func TestUniformBelowRetries(t *testing.T) {
	if j, err := uniformBelow(fixed(255, 254), 3); err != nil || j != 254%3 {
		t.Errorf("uniformBelow = %d, %v; want %d (255 rejected)", j, err, 254%3)
	}
}
