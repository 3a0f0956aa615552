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
	"github.com/privmatch/privmatch/psi/psitest"
)

// startServer serves p over loopback and returns its address, the sessions
// it reported and a stop function that waits for Serve to return.
func startServer(t *testing.T, p psi.Protocol, db *psi.Database, opts psi.ConnOptions) (string, func() []psi.Session) {
	t.Helper()
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var sessions []psi.Session
	done := make(chan error, 1)
	go func() {
		done <- psi.Serve(ctx, ln, srv, db.Kind, db.Bits, opts, 0, func(s psi.Session) {
			mu.Lock()
			sessions = append(sessions, s)
			mu.Unlock()
		})
	}()
	stop := func() []psi.Session {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		return sessions
	}
	t.Cleanup(func() { cancel() })
	return ln.Addr().String(), stop
}

func query(t *testing.T, addr string, p psi.Protocol, db *psi.Database, i int, flip bool) (*psi.Transcript, error) {
	t.Helper()
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := db.Hashes[i]
	if flip {
		h = psitest.FlipBit(t, h, 100)
	}
	return psi.QueryConn(conn, cli, h, true, psi.ConnOptions{Timeout: 10 * time.Second})
}

func TestTCP(t *testing.T) {
	db := psitest.Database(t, 300, 3)
	for _, p := range psi.All() {
		t.Run(p.Name(), func(t *testing.T) {
			addr, stop := startServer(t, p, db, psi.ConnOptions{Timeout: 5 * time.Second})
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
			for i, s := range sessions {
				if s.Err != nil {
					t.Fatalf("session %d: %v", i, s.Err)
				}
			}
			// Reports may arrive out of order: pair sessions with local
			// transcripts by the timings the two sides exchanged.
			for i, flip := range []bool{false, true} {
				cliTr := local[i]
				var srvTr *psi.Transcript
				for _, s := range sessions {
					if s.Transcript.Client == cliTr.Client && s.Transcript.Server == cliTr.Server {
						srvTr = s.Transcript
					}
				}
				if srvTr == nil {
					t.Fatalf("no server session carries the timings of query %d: %+v/%+v", i, cliTr.Client, cliTr.Server)
				}
				if o := srvTr.ServerOutcome; o.Known && o.Match == flip {
					t.Errorf("flip=%v: server outcome %v", flip, o)
				}
				if srvTr.Summary().UpBytes != cliTr.Summary().UpBytes || srvTr.Summary().DownBytes != cliTr.Summary().DownBytes ||
					srvTr.SetupBytes() != cliTr.SetupBytes() || srvTr.Rounds() != cliTr.Rounds() {
					t.Errorf("sides' transcripts disagree: server %v, client %v", srvTr.Summary(), cliTr.Summary())
				}
			}
		})
	}
}

func TestTCPBadClients(t *testing.T) {
	db := psitest.Database(t, 50, 4)
	p := psi.PlaintextServer
	addr, stop := startServer(t, p, db, psi.ConnOptions{Timeout: 500 * time.Millisecond, MaxFrame: 1024})
	frame := func(typ byte, payload []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)+1))
		return append(append(b, typ), payload...)
	}
	hello := append([]byte{0, byte(len(p.Name()))}, p.Name()...)
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
		"wrong-proto":    frame(1, append([]byte{0, 3}, "abc\x04test\x01\x00"...)),
		"short-query":    append(frame(1, hello), frame(2, []byte{1, 2, 3})...),
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
	addr, stop := startServer(t, psi.PlaintextServer, db, psi.ConnOptions{})
	defer stop()
	cli, err := psi.OnDeviceList.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = psi.QueryConn(conn, cli, db.Hashes[0], true, psi.ConnOptions{})
	var pe *psi.PeerError
	if !errors.As(err, &pe) || !strings.Contains(pe.Text, "plaintext-server") {
		t.Fatalf("error %v, want a PeerError naming the server's protocol", err)
	}
	// A client that writes its query without waiting (plaintext-server at
	// an on-device-list server) still gets the server's reason, not a
	// broken pipe.
	addr2, stop2 := startServer(t, psi.OnDeviceList, db, psi.ConnOptions{})
	defer stop2()
	cli2, err := psi.PlaintextServer.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		conn2, err := net.Dial("tcp", addr2)
		if err != nil {
			t.Fatal(err)
		}
		_, err = psi.QueryConn(conn2, cli2, db.Hashes[0], true, psi.ConnOptions{})
		conn2.Close()
		if !errors.As(err, &pe) || !strings.Contains(pe.Text, "on-device-list") {
			t.Fatalf("error %v, want a PeerError naming the server's protocol", err)
		}
	}
}
