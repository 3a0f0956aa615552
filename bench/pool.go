package bench

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// parallel runs work(i) for every i in [0, n) on up to workers goroutines
// (0 or less: GOMAXPROCS). The function work returns, if not nil, is run
// under one lock, so it may merge into shared results; progress, if not
// nil, is then called under the same lock with the number of items done.
// It stops handing out items when ctx is done and returns ctx.Err().
func parallel(ctx context.Context, n, workers int, progress func(done, total int), work func(i int) (merge func())) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	var next atomic.Int64
	done := 0
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				merge := work(i)
				mu.Lock()
				if merge != nil {
					merge()
				}
				done++
				if progress != nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
