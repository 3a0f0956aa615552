package bench

import (
	"context"
	"testing"
)

func TestParallel(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 100} {
		seen := make([]int, 50)
		last := 0
		err := parallel(context.Background(), len(seen), workers, func(done, total int) {
			if done != last+1 || total != len(seen) {
				t.Errorf("workers=%d: progress %d/%d after %d", workers, done, total, last)
			}
			last = done
		}, func(i int) func() {
			return func() { seen[i]++ }
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("workers=%d: item %d run %d times", workers, i, c)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := 0
	if err := parallel(ctx, 10, 2, nil, func(int) func() { ran++; return nil }); err == nil || ran != 0 {
		t.Fatalf("cancelled: err %v, %d items run", err, ran)
	}
}
