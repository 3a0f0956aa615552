package hehamminglsh

import (
	_ "embed"
	"strconv"
	"sync"

	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/headapter"
)

//go:embed ledger.json
var ledgerJSON []byte

// Ledger is the protocol's ledger, kept as data in ledger.json with the
// client's key size under P64 filled in.
func (lshProtocol) Ledger() psi.Ledger {
	return headapter.Ledger(ledgerJSON, "psi/hehamminglsh", "{keys_size}", strconv.Itoa(keysSize()))
}

// keysSize is the size of a client's keys under P64, or -1 if it does
// not build.
var keysSize = sync.OnceValue(func() int {
	p, err := hamminglsh.NewParameters(hamminglsh.P64)
	if err != nil {
		return -1
	}
	return p.KeysSize()
})
