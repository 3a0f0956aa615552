package heexact_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/heexact"
	"github.com/privmatch/privmatch/psi/psitest"
)

// heServer is an he-exact server of db holding at most maxSessions
// clients' keys (0: the default).
func heServer(t *testing.T, db *psi.Database, maxSessions int) psi.Server {
	t.Helper()
	return must(heexact.Protocol.NewServer(db, psi.Options{MaxSessions: maxSessions}))(t)
}

// heClient is an he-exact client for db's hashes.
func heClient(t *testing.T, db *psi.Database) psi.Client {
	t.Helper()
	return must(heexact.Protocol.NewClient(db.Kind, db.Bits, psi.Options{}))(t)
}

// TestHEExactSessionLimit: a server holds at most MaxSessions clients'
// keys; closing one frees its slot.
func TestHEExactSessionLimit(t *testing.T) {
	db := psitest.Database(t, 50, 21)
	srv := heServer(t, db, 1)
	a, tr, err := psi.Open(srv, heClient(t, db), db.Kind, db.Bits)
	if err != nil {
		t.Fatal(err)
	}
	keys := must(heexact.SizesFor(50))(t).Keys
	if tr.SetupUpBytes() != keys || tr.UpBytes() != 0 {
		t.Errorf("setup up %d B (want the keys, %d B), query up %d B", tr.SetupUpBytes(), keys, tr.UpBytes())
	}
	if _, _, err := psi.Open(srv, heClient(t, db), db.Kind, db.Bits); !errors.Is(err, psi.ErrTooManySessions) {
		t.Fatalf("second session: %v, want ErrTooManySessions", err)
	}
	a.Close()
	b, _, err := psi.Open(srv, heClient(t, db), db.Kind, db.Bits)
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	b.Close()
}

// TestHEExactTamperedReply: a client that rewrites its reply is caught by
// the trap and check cells; the server's step ends like a normal one (no
// error for the client to see) with an Outcome that records the
// tampering and claims no result.
func TestHEExactTamperedReply(t *testing.T) {
	db := psitest.Database(t, 50, 22)
	srv := heServer(t, db, 0)
	cli := heClient(t, db)
	_, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	sq, b := psitest.ClientReply(t, cli, sess, db.Hashes[3])
	// Zero every value: each trap's expected value is a uniform mask, so
	// some trap changes except with negligible probability.
	bad := append([]byte(nil), b...)
	for i := len(bad) - 1; i >= len(bad)*3/4; i-- {
		bad[i] = 0
	}
	in := sq.Expect()
	if err := in.UnmarshalBinary(bad); err != nil {
		t.Fatal(err)
	}
	out, err := sq.Step(in)
	if err != nil || out != nil {
		t.Fatalf("tampered reply: message %v, error %v; want neither", out, err)
	}
	if o := sq.Outcome(); !o.Tampered || o.Match {
		t.Errorf("tampered reply: outcome %+v, want Tampered and no match", o)
	}
}

// TestHEExactClientRefusesParams: the client accepts only its own copy of
// a secure preset, whatever the server says.
func TestHEExactClientRefusesParams(t *testing.T) {
	good := exact.PN14S
	changed := good
	changed.LogQ = append([]int(nil), good.LogQ...)
	changed.LogQ[0]--
	unknown := good
	unknown.Name = "PN99"
	binned := exact.PN13B
	changedBinned := binned
	changedBinned.LogP = []int{40}
	for name, m := range map[string]*heexact.Params{
		"insecure":        {Literal: exact.PN12Test, Partitions: 1},
		"insecure binned": {Literal: exact.PN12BTest, Bins: 1},
		"changed":         {Literal: changed, Partitions: 1},
		"unknown":         {Literal: unknown, Partitions: 1},
		"changed binned":  {Literal: changedBinned, Bins: 1},
		"too many bins":   {Literal: binned, Bins: 8190},
	} {
		cli := heClient(t, psitest.Database(t, 1, 1))
		if err := psitest.OfferSetup(t, cli, m); err == nil {
			t.Errorf("%s: client accepted %+v", name, m)
		} else if strings.HasPrefix(name, "insecure") && !errors.Is(err, he.ErrInsecure) {
			t.Errorf("%s: %v, want he.ErrInsecure", name, err)
		}
	}
}

// TestHEExactTCPSeveralQueries: one connection, one key upload, several
// queries; the session is released when the connection ends (a server
// holding one session serves the next connection); a client that skips
// setup is refused.
func TestHEExactTCPSeveralQueries(t *testing.T) {
	db := psitest.Database(t, 300, 23)
	srv := heServer(t, db, 1)
	sv := psitest.Serve(t, srv, db, psi.ServeOptions{Timeout: 10 * time.Second})
	ctx := context.Background()
	hs := []phash.Hash{db.Hashes[7], psitest.FlipBit(t, db.Hashes[7], 3), db.Hashes[299]}
	want := []bool{true, false, true}
	sz := must(heexact.SizesFor(300))(t)
	keys := sz.Keys
	for conn := 0; conn < 2; conn++ {
		c, setup, err := psi.Dial(ctx, sv.Addr, heClient(t, db), db.Kind, db.Bits, psi.DialOptions{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("connection %d: %v", conn, err)
		}
		var trs []*psi.Transcript
		for _, h := range hs {
			tr, err := c.Query(h)
			if err != nil {
				t.Fatalf("connection %d: %v", conn, err)
			}
			trs = append(trs, tr)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("connection %d: close: %v", conn, err)
		}
		trs[0].Messages = append(setup.Messages, trs[0].Messages...)
		// The server closes the session once it reads the client's
		// "done": its one slot must come free.
		probe := heClient(t, db)
		for deadline := time.Now().Add(5 * time.Second); ; {
			sess, _, err := psi.Open(srv, probe, db.Kind, db.Bits)
			if err == nil {
				sess.Close()
				break
			}
			if !errors.Is(err, psi.ErrTooManySessions) || time.Now().After(deadline) {
				t.Fatalf("after connection %d: %v", conn, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		for i, tr := range trs {
			s := tr.Summary()
			wantUp := 0
			if i == 0 {
				wantUp = keys
			}
			if s.SetupUpBytes != wantUp || s.UpBytes != heexact.OPRFSize+sz.Query+sz.Reply ||
				s.DownBytes != heexact.OPRFSize+sz.Answer || s.Rounds != 5 {
				t.Errorf("connection %d query %d: %v", conn, i, s)
			}
			t.Logf("connection %d query %d: %v", conn, i, s)
		}
	}
	// A client that skips setup (its "next" right after the hello) is
	// refused with an error frame.
	c, err := net.Dial("tcp", sv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	hello := append([]byte{2, byte(len("he-exact"))}, "he-exact"...)
	hello = append(append(hello, byte(len(db.Kind))), db.Kind...)
	hello = append(hello, 1, 0)
	raw := append(binary.BigEndian.AppendUint32(nil, uint32(len(hello)+1)), 1)
	raw = append(raw, hello...)
	raw = append(raw, 0, 0, 0, 2, 5, 1)
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	if !refused(t, c) {
		t.Error("client without setup: no error frame from the server")
	}
	c.Close()
	sessions := sv.Stop()
	if len(sessions) != 7 {
		t.Fatalf("%d reports, want 3 queries x 2 connections + 1 refusal", len(sessions))
	}
	byConn := map[string][]psi.Session{}
	for _, s := range sessions {
		byConn[s.Remote] = append(byConn[s.Remote], s)
	}
	for _, ss := range byConn {
		if len(ss) == 1 {
			if ss[0].Err == nil {
				t.Errorf("refused connection: %v", ss[0].Err)
			}
			continue
		}
		for _, s := range ss {
			if s.Err != nil || !s.Transcript.ServerOutcome.Known || s.Transcript.ServerOutcome.Match != want[s.Query] {
				t.Errorf("query %d: %v, outcome %v", s.Query, s.Err, s.Transcript.ServerOutcome)
			}
		}
	}
}

func TestConformance(t *testing.T) { psitest.TestProtocol(t, heexact.Protocol) }

// smalls are he-exact on the insecure test presets of both circuits
// (the protocol code is the same as under the 128-bit presets).
var smalls = map[string]psi.Protocol{"circuit=ps": heexact.Small, "circuit=binned": heexact.SmallBinned}

// TestAdversarial runs the attack suite on both circuits' test presets.
func TestAdversarial(t *testing.T) {
	for name, p := range smalls {
		t.Run(name, func(t *testing.T) { psitest.TestAdversarial(t, p) })
	}
}

func TestAuditedSetup(t *testing.T) {
	for name, p := range smalls {
		t.Run(name, func(t *testing.T) { psitest.TestAuditedSetup(t, p) })
	}
}
