package hamming

import "sync"

// parallel runs f(w, i) for i in [0, n) on up to workers goroutines; w is the
// goroutine's index, so that f can use a per-goroutine evaluator.
func parallel(workers, n int, f func(w, i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(0, i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(w, i)
			}
		}(w)
	}
	wg.Wait()
}

// parallelErr is parallel for an f that can fail: it runs every task and
// returns the first error of the lowest-numbered goroutine that had one.
func parallelErr(workers, n int, f func(w, i int) error) error {
	errs := make([]error, max(workers, 1))
	parallel(workers, n, func(w, i int) {
		if err := f(w, i); err != nil && errs[w] == nil {
			errs[w] = err
		}
	})
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
