package psitest

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/privmatch/privmatch/psi"
)

// ImageCase is one query of TestImageProtocol: an image and whether the
// plaintext decision (its hash within the threshold of a listed hash) is
// a match.
type ImageCase struct {
	Name  string
	Image image.Image
	Match bool
}

// TestImageProtocol is the conformance suite of a psi.ImageProtocol, whose
// client queries images: the ledger's claims are well formed and name
// tests that exist; the roles report the protocol's name; one session's
// queries (each case, in order) give the outcomes the cases want on the
// sides the ledger says learn them; every message's BinarySize equals its
// encoding, survives a round trip and refuses truncations and an extra
// byte; message sizes do not depend on the outcome; the client refuses
// hashes and a nil image; and the first case runs again over TCP (Serve,
// Dial, QueryImage) with the server's outcome reported. The session is
// closed before the TCP run, so a server holding one session at a time
// passes.
func TestImageProtocol(t *testing.T, p psi.Protocol, db *psi.Database, opts psi.Options, cases []ImageCase) {
	if _, ok := p.(psi.ImageProtocol); !ok {
		t.Fatalf("%s is not a psi.ImageProtocol", p.Name())
	}
	led := p.Ledger()
	if led.Protocol != p.Name() {
		t.Errorf("ledger names %q, want %q", led.Protocol, p.Name())
	}
	CheckLedgerClaims(t, p)
	srv, err := p.NewServer(db, opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	ic, ok := cli.(psi.ImageClient)
	if !ok {
		t.Fatalf("client %T is not a psi.ImageClient", cli)
	}
	if srv.Protocol() != p.Name() || cli.Protocol() != p.Name() {
		t.Fatalf("roles report protocol %q/%q, want %q", srv.Protocol(), cli.Protocol(), p.Name())
	}
	all, sess := SetupExchange(t, srv, cli)
	sizes := map[string]int{}
	for _, tc := range cases {
		ss, err := sess.NewQuery()
		if err != nil {
			t.Fatalf("%s: server query: %v", tc.Name, err)
		}
		cs, err := ic.NewImageQuery(tc.Image)
		if err != nil {
			t.Fatalf("%s: client query: %v", tc.Name, err)
		}
		msgs := Steps(t, cs, ss)
		all = append(all, msgs...)
		for _, m := range msgs {
			if n, seen := sizes[m.Sent.Kind()]; seen && n != len(m.Bytes) {
				t.Errorf("%s: %s of %d bytes, an earlier query's was %d", tc.Name, m.Sent.Kind(), len(m.Bytes), n)
			}
			sizes[m.Sent.Kind()] = len(m.Bytes)
		}
		checkOutcomes(t, tc.Name, led, tc.Match, cs.Outcome(), ss.Outcome())
	}
	if err := sess.Close(); err != nil {
		t.Errorf("close session: %v", err)
	}
	t.Run("messages", func(t *testing.T) {
		for _, m := range all {
			checkMessage(t, m)
		}
	})
	t.Run("hash-refused", func(t *testing.T) {
		if _, err := cli.NewQuery(db.Hashes[0]); err == nil {
			t.Error("image client accepted a hash query")
		}
		if _, err := ic.NewImageQuery(nil); err == nil {
			t.Error("image client accepted a nil image")
		}
	})
	if len(cases) > 0 {
		t.Run("tcp", func(t *testing.T) { testImageTCP(t, srv, cli, db, cases[0], led) })
	}
}

// checkOutcomes compares each side's outcome with the wanted match bit
// and with what the ledger says the side learns.
func checkOutcomes(t *testing.T, name string, led psi.Ledger, want bool, co, so psi.Outcome) {
	t.Helper()
	for _, o := range []struct {
		side string
		o    psi.Outcome
	}{{"client", co}, {"server", so}} {
		if o.o.Known && o.o.Match != want {
			t.Errorf("%s: %s outcome %v, want match=%v", name, o.side, o.o, want)
		}
		if o.o.Known != led.Learns(o.side, want, psi.FactMatchBit) {
			t.Errorf("%s: %s knows=%v but ledger says learns match bit=%v", name, o.side, o.o.Known, led.Learns(o.side, want, psi.FactMatchBit))
		}
	}
	if !co.Known && !so.Known {
		t.Errorf("%s: neither side learned the result", name)
	}
}

// testImageTCP runs one image query over loopback TCP and checks the
// outcome the server reports.
func testImageTCP(t *testing.T, srv psi.Server, cli psi.Client, db *psi.Database, tc ImageCase, led psi.Ledger) {
	served := Serve(t, srv, db, psi.ServeOptions{})
	c, _, err := psi.Dial(context.Background(), served.Addr, cli, db.Kind, db.Bits, psi.DialOptions{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	tr, err := c.QueryImage(tc.Image)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if tr.ClientOutcome.Known != led.Learns("client", tc.Match, psi.FactMatchBit) {
		t.Errorf("client outcome %v disagrees with the ledger", tr.ClientOutcome)
	}
	ss := served.Wait(time.Minute, func(ss []psi.Session) bool { return len(ss) > 0 })
	served.Stop()
	if len(ss) == 0 {
		t.Fatal("server reported no session")
	}
	if ss[0].Err != nil {
		t.Fatalf("server session: %v", ss[0].Err)
	}
	checkOutcomes(t, tc.Name+" over TCP", led, tc.Match, tr.ClientOutcome, ss[0].Transcript.ServerOutcome)
}
