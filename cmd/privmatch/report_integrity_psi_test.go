package main

import (
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

func init() {
	thresholdVoucherLen = func(t *testing.T) int {
		t.Helper()
		p, err := psi.NewThresholdPSI(psi.ThresholdParams{K: 5, SyntheticRate: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		db, err := psi.Synth(phash.PDQKind, 256, 8, 1)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := p.NewServer(db, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := psi.RunSetup(srv, cli); err != nil {
			t.Fatal(err)
		}
		q, err := cli.NewQuery(db.Hashes[0])
		if err != nil {
			t.Fatal(err)
		}
		m, err := q.Start()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return len(enc)
	}
}
