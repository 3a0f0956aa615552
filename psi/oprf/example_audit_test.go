package oprf_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/oprf"
)

// The operator builds the table, publishes its signed head (which devices
// receive out of band) and serves the table with it; a device built with
// Options.Audit checks the table at setup and refuses another one.
func ExampleNewAuditedServer() {
	db, _ := psi.Synth("pdq", 256, 100, 1)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	publisher, _ := audit.NewPublisher("table/example", priv)
	k, _ := oprf.BuildTable(db, rand.Reader)
	th, _ := oprf.TableHead("table/example", k.Table, k.Kind, k.Bits)
	head, _ := publisher.Publish(th)
	srv, _ := oprf.NewAuditedServer(k, head, audit.HeadProof{})

	dev, _ := audit.NewDevice(pub, head) // the device's published head
	cli, _ := oprf.Protocol.NewClient(db.Kind, db.Bits, psi.Options{Audit: dev})
	_, err := psi.Run(srv, cli, db.Hashes[0])
	fmt.Println("published table:", err)

	other, _ := oprf.BuildTable(db, rand.Reader) // same list, another key
	srv, _ = oprf.NewAuditedServer(other, head, audit.HeadProof{})
	cli, _ = oprf.Protocol.NewClient(db.Kind, db.Bits, psi.Options{Audit: dev})
	_, err = psi.Run(srv, cli, db.Hashes[0])
	fmt.Println("another table refused:", errors.Is(err, audit.ErrParams))
	// Output:
	// published table: <nil>
	// another table refused: true
}
