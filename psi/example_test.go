package psi_test

import (
	"fmt"
	"log"

	"github.com/privmatch/privmatch/psi"
)

// ExampleRun is the package doc's start-here snippet: one oprf-psi query
// in process, setup included.
func ExampleRun() {
	db, err := psi.Synth("pdq", 256, 1000, 1)
	if err != nil {
		log.Fatal(err)
	}
	h := db.Hashes[10]

	p, _ := psi.ByName("oprf-psi")
	srv, _ := p.NewServer(db, psi.Options{})
	cli, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
	tr, err := psi.Run(srv, cli, h)
	if err != nil {
		log.Fatal(err)
	}
	s := tr.Summary()
	fmt.Println(s.Protocol, s.SetupBytes, s.UpBytes, s.DownBytes, s.Rounds)
	fmt.Println("server:", tr.ServerOutcome, "client:", tr.ClientOutcome, "result to:", p.Ledger().ResultTo)
	// Output:
	// oprf-psi 45108 240 0 1
	// server: match client: unknown result to: server
}

// ExampleOpen runs several queries after one setup on an in-process
// connection.
func ExampleOpen() {
	db, err := psi.Synth("pdq", 256, 100, 2)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := psi.ByName("plaintext-server")
	srv, _ := p.NewServer(db, psi.Options{})
	cli, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
	conn, _, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	other, _ := psi.Synth("pdq", 256, 1, 3)
	for _, h := range append(db.Hashes[:2], other.Hashes[0]) {
		tr, err := conn.Query(h)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tr.ClientOutcome, tr.UpBytes(), tr.DownBytes())
	}
	// Output:
	// match 32 1
	// match 32 1
	// no match 32 1
}
