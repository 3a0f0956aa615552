package threshold

import (
	"errors"
	"testing"
)

// TestShuffleUniform feeds the slot shuffle every pair of random bytes
// once (a fixed reader) and counts the permutations: each of the six must
// come out exactly equally often. The old draw, pb % (i+1), gave one
// permutation pair 86/85 of the time of the others.
func TestShuffleUniform(t *testing.T) {
	counts := map[[3]int]int{}
	for b1 := 0; b1 < 256; b1++ {
		if b1 >= 255 {
			// Rejected for n = 3: the sampler reads another byte, which
			// the pairs with b1 < 255 already cover.
			continue
		}
		for b2 := 0; b2 < 256; b2++ {
			stream := []byte{byte(b1), byte(b2)}
			next := func() (byte, error) {
				if len(stream) == 0 {
					return 0, errors.New("stream exhausted")
				}
				b := stream[0]
				stream = stream[1:]
				return b, nil
			}
			perm, err := shuffle(next)
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

// TestUniformBelowRejects: a byte at or above the largest multiple of n is
// rejected and the next one used; a reader error comes back.
func TestUniformBelowRejects(t *testing.T) {
	stream := []byte{255, 254, 7}
	next := func() (byte, error) {
		if len(stream) == 0 {
			return 0, errors.New("stream exhausted")
		}
		b := stream[0]
		stream = stream[1:]
		return b, nil
	}
	if j, err := uniformBelow(next, 3); err != nil || j != 254%3 {
		t.Errorf("uniformBelow = %d, %v; want %d (255 rejected)", j, err, 254%3)
	}
	if j, err := uniformBelow(next, 256); err != nil || j != 7 {
		t.Errorf("n = 256: %d, %v; want 7", j, err)
	}
	if _, err := uniformBelow(next, 3); err == nil {
		t.Error("reader error not returned")
	}
}
