package hamming_test

import (
	"fmt"

	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hetest"
)

// The whole protocol once, on the insecure test preset shrunk to N = 2^10
// so that it runs in seconds (TESTS ONLY; production uses hamming.H14).
func Example() {
	hetest.AllowInsecure()
	lit := hamming.H12Insecure
	lit.Name, lit.LogN = "H10Insecure", 10
	p, err := hamming.NewParameters(lit)
	if err != nil {
		panic(err)
	}
	db := make([][32]byte, 100)
	for i := range db {
		db[i][0], db[i][1] = byte(i), byte(3*i)
	}
	srv, err := hamming.NewServer(p, db, hamming.Options{})
	if err != nil {
		panic(err)
	}
	c, err := hamming.NewClient(p, nil)
	if err != nil {
		panic(err)
	}
	kb, err := c.Setup() // once per client
	if err != nil {
		panic(err)
	}
	keys, err := hamming.ParseKeys(p, kb)
	if err != nil {
		panic(err)
	}
	far := [32]byte{}
	for i := range far {
		far[i] = 0xff
	}
	for _, x := range [][32]byte{db[7], far} {
		q, cst, err := c.Query(x, srv.Outputs())
		if err != nil {
			panic(err)
		}
		ans, sst, err := srv.Answer(keys, q)
		if err != nil {
			panic(err)
		}
		reply, err := c.Finish(cst, ans)
		if err != nil {
			panic(err)
		}
		match, _, err := srv.Verdict(sst, reply)
		if err != nil {
			panic(err)
		}
		want, _ := hamming.Match(db, x, 256, p.Literal().Threshold)
		fmt.Println(match, want)
	}
	// Output:
	// true true
	// false false
}
