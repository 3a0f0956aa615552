package ec

import "testing"

// TestRowsBucketed: the table length every device sees is 1.3n+1 padded
// to one of eight buckets per doubling, so it names n only to within about
// 9/8 (before, m = floor(1.3n)+1 gave n exactly), and padding costs at
// most an eighth more rows.
func TestRowsBucketed(t *testing.T) {
	distinct := map[int]bool{}
	prev := 0
	for n := 0; n < 1<<17; n++ {
		base := int(float64(n)*expansion) + 1
		if base < MinRows {
			base = MinRows
		}
		m := Rows(n)
		if m < base || 8*m > 9*base+8*8 {
			t.Fatalf("Rows(%d) = %d for base %d: want base <= m <= 9/8 base (+ rounding)", n, m, base)
		}
		if m < prev {
			t.Fatalf("Rows(%d) = %d below Rows(%d) = %d", n, m, n-1, prev)
		}
		prev = m
		if n >= 1<<16 {
			distinct[m] = true
		}
	}
	// n in [2^16, 2^17): 1.3n spans one doubling, about 8 buckets.
	if len(distinct) > 10 {
		t.Errorf("%d distinct table sizes for n in [2^16, 2^17), want at most 10", len(distinct))
	}
	// The n that share a table size with n = 100,000.
	lo, hi := 100000, 100000
	for Rows(lo-1) == Rows(100000) {
		lo--
	}
	for Rows(hi+1) == Rows(100000) {
		hi++
	}
	if hi-lo < 5000 {
		t.Errorf("table size %d names n in [%d, %d] only: too fine", Rows(100000), lo, hi)
	}
	t.Logf("table size %d for every n in [%d, %d]", Rows(100000), lo, hi)
}
