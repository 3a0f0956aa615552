package audit_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/privmatch/privmatch/audit"
)

// A device checks, at protocol setup, that the table a server serves is
// the one its operator published, with the published parameters.
func ExampleCheckServed() {
	pub, key, _ := ed25519.GenerateKey(nil)

	// The operator builds a table of 4 rows of 32 bytes, publishes its
	// head with the parameters devices match with, and serves it.
	rows := make([]byte, 4*32)
	for i := range rows {
		rows[i] = byte(i)
	}
	root, _ := audit.RootOfRecords(rows, 32)
	params := audit.Params{Protocol: "oprf-psi", Algorithm: "pdq", Bits: 256, RowSize: 32,
		Settings: []audit.Setting{{Name: "seed", Value: []byte("cuckoo seed 0001")}}}
	publisher, _ := audit.NewPublisher("table", key)
	published, _ := publisher.Publish(audit.TreeHead{Log: "table", Size: 4, Root: root, Params: params.Digest()})

	// The device got the published head out of band (and can gossip it);
	// the server serves the head, the parameters and the rows.
	served := audit.Served{Head: published, Params: params, Rows: rows}
	fmt.Println("as published:", audit.CheckServed(pub, published, served))

	// A server serving this device another cuckoo seed is caught.
	other := params
	other.Settings = []audit.Setting{{Name: "seed", Value: []byte("cuckoo seed 0002")}}
	served.Params = other
	fmt.Println("other seed:", errors.Is(audit.CheckServed(pub, published, served), audit.ErrParams))

	// So is one row changed.
	served.Params = params
	served.Rows = append([]byte(nil), rows...)
	served.Rows[40] ^= 1
	fmt.Println("row changed:", errors.Is(audit.CheckServed(pub, published, served), audit.ErrProof))
	// Output:
	// as published: <nil>
	// other seed: true
	// row changed: true
}
