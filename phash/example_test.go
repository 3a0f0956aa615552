package phash_test

import (
	"fmt"
	"strings"

	"github.com/privmatch/privmatch/phash"
)

func ExampleNames() {
	fmt.Println(strings.Join(phash.Names(), "\n"))
	// Output:
	// pdq
	// pdq-ref512
	// ahash8
	// ahash16
	// dhash8
	// dhash16
	// dhashv8
	// phash8
	// phash16
	// phash-simple8
	// whash8
	// colorhash
	// goimagehash-ahash
	// goimagehash-dhash
	// goimagehash-phash
}
