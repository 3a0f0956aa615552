// Command similarity-query runs one private similarity query end to end
// with the "he-hamming" protocol (BGV homomorphic encryption, preset PN14,
// 128-bit), in process, and prints its transcript and leakage ledger: a
// hash 20 bits away from a listed one, which matches at threshold 31. The
// server learns the match bit; the client learns nothing.
//
// Key generation (a 46 MB upload) comes first, then the server's time for
// the one query, which is the same for every database size up to 2^17 (one
// group of entries); the README gives measured figures.
//
//	go run ./examples/similarity-query
package main

import (
	"fmt"
	"log"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	_ "github.com/privmatch/privmatch/psi/protocols" // the registry's protocols
)

func main() {
	// A synthetic database of 1000 random 256-bit PDQ-kind hashes.
	db, err := psi.Synth(phash.PDQKind, 256, 1000, 1)
	if err != nil {
		log.Fatal(err)
	}
	p, err := psi.ByName("he-hamming")
	if err != nil {
		log.Fatal(err)
	}
	// PDQ's usual match threshold: at most 31 of 256 bits differ.
	opts := psi.Options{Threshold: 31}
	t0 := time.Now()
	srv, err := p.NewServer(db, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("server: %d hashes preprocessed in %.1f s\n", len(db.Hashes), time.Since(t0).Seconds())
	cli, err := p.NewClient(db.Kind, db.Bits, opts)
	if err != nil {
		log.Fatal(err)
	}
	// Setup once: parameters down, the client's keys up.
	t0 = time.Now()
	conn, setup, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Printf("setup: %d bytes down, %d bytes up (one-time keys), %.1f s\n\n",
		setup.SetupBytes()-setup.SetupUpBytes(), setup.SetupUpBytes(), time.Since(t0).Seconds())

	// The query: a listed hash with 20 bits flipped (a re-encoded or
	// slightly edited copy of a listed image would look like this).
	listed := db.Hashes[17]
	b := listed.Bytes()
	for i := 0; i < 20; i++ {
		b[i] ^= 0x80
	}
	query, err := phash.NewHash(listed.Kind(), listed.Bits(), b)
	if err != nil {
		log.Fatal(err)
	}
	d, err := phash.Distance(listed, query)
	if err != nil {
		log.Fatal(err)
	}
	tr, err := conn.Query(query)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("== query %s (distance %d from listed %s)\n%s", query, d, listed, tr)
	fmt.Printf("server learned: %s; client learned: %s\n\n", tr.ServerOutcome, tr.ClientOutcome)
	if !tr.ServerOutcome.Known || !tr.ServerOutcome.Match {
		log.Fatalf("distance %d at threshold 31 did not match", d)
	}
	fmt.Println(p.Ledger())
}
