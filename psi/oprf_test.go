package psi_test

import (
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestOPRFSizesAndPayload(t *testing.T) {
	db := psitest.Database(t, 1000, 11)
	srv, err := psi.OPRFPSI.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := psi.OPRFPSI.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := psi.RunSetup(srv, cli); err != nil {
		t.Fatal(err)
	}
	m, _ := srv.Setup()
	if want := 52 + 32*(1300+1); m.BinarySize() != want {
		t.Errorf("table %d bytes, want %d", m.BinarySize(), want)
	}
	for _, tc := range []struct {
		name string
		h    phash.Hash
		want bool
	}{{"listed", db.Hashes[500], true}, {"near-miss", psitest.FlipBit(t, db.Hashes[500], 0), false}} {
		cq, err := cli.NewQuery(tc.h)
		if err != nil {
			t.Fatal(err)
		}
		v, err := cq.Start()
		if err != nil {
			t.Fatal(err)
		}
		if v.BinarySize() != 240 {
			t.Errorf("voucher %d bytes, want 240", v.BinarySize())
		}
		sq, _ := srv.NewQuery()
		in := sq.Expect()
		b, _ := v.MarshalBinary()
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if _, err := sq.Step(in); err != nil {
			t.Fatal(err)
		}
		if o := sq.Outcome(); !o.Known || o.Match != tc.want {
			t.Errorf("%s: server outcome %v", tc.name, o)
		}
		if got := psi.MatchedHash(sq); tc.want && got != tc.h || !tc.want && !got.IsZero() {
			t.Errorf("%s: server learned hash %v", tc.name, got)
		}
		if cq.Outcome().Known {
			t.Errorf("%s: device learned the result", tc.name)
		}
	}
}

// A table blinded under another server's key never opens: the key, not the
// table layout, decides.
func TestOPRFOtherKeyDoesNotMatch(t *testing.T) {
	db := psitest.Database(t, 50, 12)
	a, err := psi.OPRFPSI.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := psi.OPRFPSI.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli, _ := psi.OPRFPSI.NewClient(db.Kind, db.Bits, psi.Options{})
	if _, err := psi.RunSetup(a, cli); err != nil {
		t.Fatal(err)
	}
	tr, err := psi.RunQuery(b, cli, db.Hashes[1])
	if err != nil {
		t.Fatal(err)
	}
	if tr.ServerOutcome.Match {
		t.Error("voucher built on server A's table opened at server B")
	}
	tr, err = psi.RunQuery(a, cli, db.Hashes[1])
	if err != nil || !tr.ServerOutcome.Match {
		t.Errorf("control: %v %v", err, tr.ServerOutcome)
	}
}

func TestOPRFRejectsBadTable(t *testing.T) {
	db := psitest.Database(t, 20, 13)
	srv, _ := psi.OPRFPSI.NewServer(db, psi.Options{})
	m, _ := srv.Setup()
	b, _ := m.MarshalBinary()
	// Corrupt L to the identity (all zero bytes encode it).
	bad := append([]byte(nil), b...)
	for i := 20; i < 52; i++ {
		bad[i] = 0
	}
	cli, _ := psi.OPRFPSI.NewClient(db.Kind, db.Bits, psi.Options{})
	in := cli.SetupMessage()
	if err := in.UnmarshalBinary(bad); err != nil {
		t.Fatal(err)
	}
	if err := cli.Setup(in); err == nil {
		t.Error("identity L accepted")
	}
	// Corrupt every row: the device's query fails cleanly.
	bad = append([]byte(nil), b...)
	for i := 52; i < len(bad); i++ {
		bad[i] = 0xff
	}
	in = cli.SetupMessage()
	if err := in.UnmarshalBinary(bad); err != nil {
		t.Fatal(err)
	}
	if err := cli.Setup(in); err != nil {
		t.Fatal(err)
	}
	cq, err := cli.NewQuery(db.Hashes[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cq.Start(); err == nil {
		t.Error("invalid table rows accepted")
	}
}
