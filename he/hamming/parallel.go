package hamming

import "github.com/privmatch/privmatch/he/internal/core"

// parallel runs f(w, i) for i in [0, n) on up to workers goroutines
// (core.Parallel).
func parallel(workers, n int, f func(w, i int)) { core.Parallel(workers, n, f) }

// parallelErr is parallel for an f that can fail (core.ParallelErr).
func parallelErr(workers, n int, f func(w, i int) error) error {
	return core.ParallelErr(workers, n, f)
}
