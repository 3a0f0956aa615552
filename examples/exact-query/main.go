// Command exact-query runs one private exact-membership query end to end
// with the "he-exact" protocol (BGV homomorphic encryption), in process, and
// prints its transcript and leakage ledger: a listed hash, then one that
// differs from it in a single bit.
//
//	go run ./examples/exact-query
package main

import (
	"fmt"
	"log"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	_ "github.com/privmatch/privmatch/psi/protocols" // the registry's protocols
)

func main() {
	// A synthetic database of 4096 random 256-bit PDQ-kind hashes.
	db, err := psi.Synth(phash.PDQKind, 256, 4096, 1)
	if err != nil {
		log.Fatal(err)
	}
	p, err := psi.ByName("he-exact")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		log.Fatal(err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// Setup once: parameters down, the client's evaluation keys up.
	conn, setup, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Printf("setup: %d bytes down, %d bytes up (one-time keys)\n\n", setup.SetupBytes()-setup.SetupUpBytes(), setup.SetupUpBytes())

	listed := db.Hashes[17]
	b := listed.Bytes()
	b[0] ^= 0x01 // one bit away: not listed
	nearMiss, err := phash.NewHash(listed.Kind(), listed.Bits(), b)
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []struct {
		name string
		h    phash.Hash
	}{{"listed hash", listed}, {"one bit off", nearMiss}} {
		tr, err := conn.Query(q.h)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("== %s %s\n%s\n", q.name, q.h, tr)
	}
	fmt.Println(p.Ledger())
}
