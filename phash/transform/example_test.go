package transform_test

import (
	"fmt"

	"github.com/privmatch/privmatch/phash/transform"
)

// The transforms and the strengths of the standard suite.
func ExampleAll() {
	for _, t := range transform.All() {
		fmt.Println(t.Name, t.Suite)
	}
	// Output:
	// jpeg [95 75 50 30]
	// resize [0.25 0.5 2]
	// crop [0.01 0.02 0.05 0.1 0.2]
	// pad [0.02 0.05 0.1 0.2]
	// rotate [1 2 4 6 10 90]
	// flip-h [1]
	// flip-v [1]
	// blur [0.5 1 2 4]
	// sharpen [0.5 1 2]
	// noise [2 5 10 20]
	// gamma [0.5 0.8 1.25 2]
	// brightness [-0.2 -0.1 0.1 0.2]
	// contrast [0.5 0.8 1.25 1.5]
	// grayscale [1]
	// text [0.05 0.1 0.2]
	// logo [0.01 0.05 0.1]
	// screenshot [0.9 0.75 0.5]
}
