package he_test

import (
	"errors"
	"fmt"

	"github.com/privmatch/privmatch/he"
)

// A BGV literal within the 128-bit bound is accepted; one above it is
// refused with the one ErrInsecure, whatever engine asked.
func ExampleNewParameters() {
	p, err := he.NewParameters(he.Literal{Name: "demo", LogN: 14, LogQ: []int{55, 33, 33, 33, 33, 33, 33, 33, 33, 52}, LogP: []int{33, 33}, T: 65537})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Name(), p.N(), p.SecurityBits())
	_, err = he.NewParameters(he.Literal{Name: "wide", LogN: 12, LogQ: []int{55, 33, 33, 52}, LogP: []int{33}, T: 65537})
	fmt.Println(errors.Is(err, he.ErrInsecure))
	// Output:
	// demo 16384 128
	// true
}
