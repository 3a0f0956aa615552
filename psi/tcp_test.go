package psi_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/ondevice"
	"github.com/privmatch/privmatch/psi/oprf"
	"github.com/privmatch/privmatch/psi/plaintext"
	"github.com/privmatch/privmatch/psi/psitest"
)

// startServer serves p over loopback and returns its address, the sessions
// it reported and a stop function that waits for Serve to return.
func startServer(t *testing.T, p psi.Protocol, db *psi.Database, opts psi.ServeOptions) (string, func() []psi.Session) {
	t.Helper()
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sv := psitest.Serve(t, srv, db, opts)
	return sv.Addr, sv.Stop
}

// query dials addr, runs one query for entry i (one bit off when flip)
// and closes the connection.
func query(t *testing.T, addr string, p psi.Protocol, db *psi.Database, i int, flip bool) (*psi.Transcript, error) {
	t.Helper()
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := db.Hashes[i]
	if flip {
		h = psitest.FlipBit(t, h, 100)
	}
	conn, setup, err := psi.Dial(context.Background(), addr, cli, db.Kind, db.Bits, psi.DialOptions{Timeout: 10 * time.Second})
	if err != nil {
		return setup, err
	}
	tr, err := conn.Query(h)
	setup.Messages = append(setup.Messages, tr.Messages...)
	setup.ClientOutcome = tr.ClientOutcome
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	return setup, err
}

func TestTCP(t *testing.T) {
	db := psitest.Database(t, 300, 3)
	for _, p := range psi.ProtocolsForTest() {
		t.Run(p.Name(), func(t *testing.T) {
			addr, stop := startServer(t, p, db, psi.ServeOptions{Timeout: 5 * time.Second})
			var local []*psi.Transcript
			for _, flip := range []bool{false, true} {
				tr, err := query(t, addr, p, db, 17, flip)
				if err != nil {
					t.Fatalf("query: %v", err)
				}
				if o := tr.ClientOutcome; o.Known && o.Match == flip {
					t.Errorf("flip=%v: client outcome %v", flip, o)
				}
				local = append(local, tr)
			}
			sessions := stop()
			if len(sessions) != 2 {
				t.Fatalf("%d sessions reported, want 2", len(sessions))
			}
			matches := 0
			for i, s := range sessions {
				if s.Err != nil {
					t.Fatalf("session %d: %v", i, s.Err)
				}
				if o := s.Transcript.ServerOutcome; o.Known && o.Match {
					matches++
				}
				// Both queries have the same sizes; each side counts
				// the same bytes.
				srvTr, cliTr := s.Transcript, local[0]
				if srvTr.Summary().UpBytes != cliTr.Summary().UpBytes || srvTr.Summary().DownBytes != cliTr.Summary().DownBytes ||
					srvTr.SetupBytes() != cliTr.SetupBytes() || srvTr.Rounds() != cliTr.Rounds() {
					t.Errorf("sides' transcripts disagree: server %v, client %v", srvTr.Summary(), cliTr.Summary())
				}
				if cliTr.Server != (psi.Timing{}) {
					t.Errorf("client transcript holds the server's time %+v", cliTr.Server)
				}
			}
			if led := p.Ledger(); led.Learns("server", true, psi.FactMatchBit) && matches != 1 {
				t.Errorf("server saw %d matches, want 1", matches)
			}
		})
	}
}

func TestTCPBadClients(t *testing.T) {
	db := psitest.Database(t, 50, 4)
	p := plaintext.Protocol
	addr, stop := startServer(t, p, db, psi.ServeOptions{Timeout: 500 * time.Millisecond, MaxFrame: 1024})
	frame := func(typ byte, payload []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)+1))
		return append(append(b, typ), payload...)
	}
	hello := append([]byte{2, byte(len(p.Name()))}, p.Name()...)
	hello = append(append(hello, byte(len(db.Kind))), db.Kind...)
	hello = binary.BigEndian.AppendUint16(hello, 256)
	bad := map[string][]byte{
		"garbage":        []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		"huge-frame":     {0x7f, 0xff, 0xff, 0xff, 2},
		"empty-frame":    {0, 0, 0, 0},
		"hang-up-header": {0, 0},
		"hang-up-body":   {0, 0, 0, 100, 1, 1, 2, 3},
		"bad-type":       frame(9, []byte("x")),
		"bad-hello":      frame(1, []byte{5, 200, 1}),
		"wrong-proto":    frame(1, append([]byte{2, 3}, "abc\x04test\x01\x00"...)),
		"no-next":        append(frame(1, hello), frame(2, []byte{1, 2, 3})...),
		"short-query":    append(frame(1, hello), append(frame(5, []byte{1}), frame(2, []byte{1, 2, 3})...)...),
		"stall":          frame(1, hello),
	}
	var wg sync.WaitGroup
	for name, b := range bad {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if _, err := c.Write(b); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if name == "stall" {
				time.Sleep(800 * time.Millisecond)
			}
		}()
	}
	// A good client is served while the bad ones misbehave.
	tr, err := query(t, addr, p, db, 5, false)
	if err != nil || !tr.ClientOutcome.Match {
		t.Fatalf("good client: %v, %v", err, tr.ClientOutcome)
	}
	wg.Wait()
	sessions := stop()
	failed := 0
	for _, s := range sessions {
		if s.Err != nil {
			failed++
			if strings.Contains(s.Err.Error(), "panicked") {
				t.Errorf("session panicked: %v", s.Err)
			}
		}
	}
	if failed != len(bad) {
		t.Errorf("%d failed sessions, want %d", failed, len(bad))
		for _, s := range sessions {
			t.Log(s.Err)
		}
	}
}

func TestTCPServerErrorReachesClient(t *testing.T) {
	db := psitest.Database(t, 10, 5)
	addr, stop := startServer(t, plaintext.Protocol, db, psi.ServeOptions{})
	defer stop()
	cli, err := ondevice.Protocol.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = psi.Dial(context.Background(), addr, cli, db.Kind, db.Bits, psi.DialOptions{})
	var pe *psi.PeerError
	if !errors.As(err, &pe) || !strings.Contains(pe.Text, "plaintext-server") {
		t.Fatalf("error %v, want a PeerError naming the server's protocol", err)
	}
	// A client that writes its query without waiting (plaintext-server at
	// an on-device-list server) still gets the server's reason, not a
	// broken pipe.
	addr2, stop2 := startServer(t, ondevice.Protocol, db, psi.ServeOptions{})
	defer stop2()
	cli2, err := plaintext.Protocol.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		_, err := query(t, addr2, plaintext.Protocol, db, 0, false)
		if !errors.As(err, &pe) || !strings.Contains(pe.Text, "on-device-list") {
			t.Fatalf("error %v, want a PeerError naming the server's protocol", err)
		}
	}
	_ = cli2
}

// TestDialRetry: a client started before its server (serve & query, as
// the README runs them) retries the refused connection until the server
// listens.
func TestDialRetry(t *testing.T) {
	db := psitest.Database(t, 10, 6)
	srv, err := plaintext.Protocol.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens now: connections are refused
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	retries := 0
	go func() {
		time.Sleep(400 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		psi.Serve(ctx, ln, srv, db.Kind, db.Bits, psi.ServeOptions{})
	}()
	cli, err := plaintext.Protocol.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := psi.Dial(ctx, addr, cli, db.Kind, db.Bits, psi.DialOptions{Wait: 10 * time.Second, OnRetry: func(error) { retries++ }})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer conn.Close()
	if tr, err := conn.Query(db.Hashes[1]); err != nil || !tr.ClientOutcome.Match {
		t.Fatalf("query after retry: %v %v", err, tr.ClientOutcome)
	}
	if retries == 0 {
		t.Error("Dial connected without retrying; the test did not exercise the retry")
	}
	// A bounded wait gives up.
	_, _, err = psi.Dial(ctx, "127.0.0.1:1", cli, db.Kind, db.Bits, psi.DialOptions{Wait: 300 * time.Millisecond})
	if err == nil {
		t.Error("Dial to a closed port succeeded")
	}
}

// TestTCPErrorAfterSilentQuery: a client whose query the server rejects
// without a reply (an oprf-psi voucher cut short) and that goes on with
// more queries reads the server's reason when it closes the session, not
// a reset connection or nothing: the server lingers after its error frame
// and Close reads it (before, the next write met a broken pipe, or the
// client saw no error at all).
func TestTCPErrorAfterSilentQuery(t *testing.T) {
	db := psitest.Database(t, 20, 6)
	srv, cli := psitest.Pair(t, oprf.Protocol, db)
	sv := psitest.Serve(t, srv, db, psi.ServeOptions{Timeout: 5 * time.Second})
	defer sv.Stop()
	cut := func(f psitest.Frame) []byte {
		if f.Dir == psi.Up && f.Exchange == 1 {
			return f.Bytes[:len(f.Bytes)-1]
		}
		return f.Bytes
	}
	for i := 0; i < 5; i++ {
		at := psitest.Attack(t, sv, cli, db.Kind, db.Bits, cut, db.Hashes[0], db.Hashes[1], db.Hashes[2])
		var pe *psi.PeerError
		if !errors.As(at.Err, &pe) || !strings.Contains(pe.Text, "decode oprf-psi/voucher") {
			t.Fatalf("attempt %d: %s, want the server's decode error at the client", i, at)
		}
	}
}
