package psi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// slowServer wraps a server so that every query step takes d.
type slowServer struct {
	Server
	d time.Duration
}

type slowSession struct {
	ServerSession
	d time.Duration
}

type slowSteps struct {
	Steps
	d time.Duration
}

func (s slowServer) NewSession() (ServerSession, error) {
	ss, err := s.Server.NewSession()
	return slowSession{ss, s.d}, err
}

func (s slowSession) NewQuery() (Steps, error) {
	q, err := s.ServerSession.NewQuery()
	return slowSteps{q, s.d}, err
}

func (s slowSteps) Step(in Message) (Message, error) {
	time.Sleep(s.d)
	return s.Steps.Step(in)
}

func testDB(t *testing.T, n int) *Database {
	t.Helper()
	db, err := Synth("test", 256, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// serveOne serves one session on a loopback connection with the given
// keep-alive interval and per-frame timeout, and returns the client's
// connection over it.
func serveOne(t *testing.T, srv Server, db *Database, keep, timeout time.Duration) (*Conn, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	errc := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		defer c.Close()
		cfg := serverConfig{kind: db.Kind, bits: db.Bits, maxFrame: DefaultMaxUpFrame, maxSetupFrame: DefaultMaxSetupUpFrame, keep: keep}
		_, err = serveSession(NewFrameConn(c, timeout), srv, cfg, func(*Transcript) {}, func(*Transcript) {})
		errc <- err
	}()
	cli, err := memberProto{}.NewClient(db.Kind, db.Bits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	conn, _, err := NewConn(NewFrameConn(nc, timeout), cli, db.Kind, db.Bits, 0)
	if err != nil {
		t.Fatal(err)
	}
	return conn, errc
}

// TestKeepAlive: a server step longer than the client's per-frame
// deadline does not end the session, because the server sends keep-alive
// frames while it computes; without them the same query times out (the
// control shows the test can fail).
func TestKeepAlive(t *testing.T) {
	db := testDB(t, 20)
	base, err := memberProto{}.NewServer(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowServer{base, 900 * time.Millisecond}
	timeout := 300 * time.Millisecond

	conn, errc := serveOne(t, srv, db, keepAlive(timeout), timeout)
	tr, err := conn.Query(db.Hashes[2])
	if err != nil || !tr.ClientOutcome.Match {
		t.Fatalf("slow step with keep-alives: %v, %v", err, tr.ClientOutcome)
	}
	conn.Close()
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}

	conn, errc = serveOne(t, srv, db, 0, timeout)
	if _, err := conn.Query(db.Hashes[2]); err == nil {
		t.Fatal("slow step without keep-alives finished; the control cannot fail")
	}
	<-errc
}

// TestSessionWait: a client that keeps its session open by sending only
// keep-alive frames is dropped once the session has waited SessionWait
// in all, so slow clients cannot hold every slot.
func TestSessionWait(t *testing.T) {
	db := testDB(t, 20)
	srv, err := memberProto{}.NewServer(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reports := make(chan Session, 4)
	go Serve(ctx, ln, srv, db.Kind, db.Bits, ServeOptions{Timeout: 300 * time.Millisecond, SessionWait: 800 * time.Millisecond,
		Report: func(s Session) { reports <- s }})
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fc := NewFrameConn(c, time.Second)
	if err := fc.Send(FrameHello, hello{protocol: memberProto{}.Name(), kind: db.Kind, bits: db.Bits}.marshal()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if fc.Send(FrameKeepAlive, nil) != nil {
					return
				}
			}
		}
	}()
	defer close(stop)
	select {
	case s := <-reports:
		if !errors.Is(s.Err, ErrSessionDeadline) {
			t.Errorf("dropped with %v, want ErrSessionDeadline", s.Err)
		}
		if d := time.Since(t0); d > 3*time.Second {
			t.Errorf("dropped after %v, allowance 800ms", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a client sending only keep-alives held its session for 30 s")
	}
}

// keysProto is a minimal protocol whose client uploads n bytes of keys
// at setup and whose queries bring one byte down, for the budget test.
type keysProto struct{ n int }

func (p keysProto) Protocol() string { return "test-keys" }

func (p keysProto) NewSession() (ServerSession, error) { return keysSession(p), nil }

type keysSession keysProto

func (s keysSession) Setup() (Steps, error) { return &fixedSteps{expect: &rawMsg{n: s.n}}, nil }
func (s keysSession) NewQuery() (Steps, error) {
	return &fixedSteps{first: &rawMsg{n: 1, b: []byte{1}}}, nil
}
func (keysSession) Close() error { return nil }

type keysClient struct{ n int }

func (c keysClient) Protocol() string { return "test-keys" }
func (c keysClient) Setup() (Steps, error) {
	return &fixedSteps{first: &rawMsg{n: c.n, b: make([]byte, c.n)}}, nil
}
func (c keysClient) NewQuery(phash.Hash) (Steps, error) {
	return &fixedSteps{expect: &rawMsg{n: 1}}, nil
}

// TestSetupBudget: the keys a server holds across sessions are bounded:
// a session whose upload would exceed MaxSetupBytes is refused with
// ErrServerBusy, and the bytes come free when a session ends.
func TestSetupBudget(t *testing.T) {
	const n = 1000
	srv := keysProto{n: n}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var reports []Session
	done := make(chan struct{})
	go func() {
		defer close(done)
		Serve(ctx, ln, srv, "test", 256, ServeOptions{MaxSetupBytes: 1500, Report: func(s Session) {
			mu.Lock()
			reports = append(reports, s)
			mu.Unlock()
		}})
	}()
	h, _ := phash.NewHash("test", 256, make([]byte, 32))
	dial := func() *Conn {
		c, _, err := Dial(ctx, ln.Addr().String(), keysClient{n}, "test", 256, DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := dial()
	if _, err := a.Query(h); err != nil {
		t.Fatalf("first session: %v", err)
	}
	b, _, err := Dial(ctx, ln.Addr().String(), keysClient{n}, "test", 256, DialOptions{})
	if err == nil {
		_, err = b.Query(h)
		b.Close()
	}
	var pe *PeerError
	if !errors.As(err, &pe) {
		t.Fatalf("second session over budget: %v, want the server's refusal", err)
	}
	a.Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, _, err := Dial(ctx, ln.Addr().String(), keysClient{n}, "test", 256, DialOptions{})
		if err == nil {
			_, err = c.Query(h)
			c.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("budget not released after the first session ended: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	busy := 0
	for _, s := range reports {
		if errors.Is(s.Err, ErrServerBusy) {
			busy++
		}
	}
	if busy == 0 {
		t.Errorf("no session refused with ErrServerBusy: %v", reports)
	}
}

// TestHelloRoundTrip pins the hello encoding.
func TestHelloRoundTrip(t *testing.T) {
	h := hello{protocol: "oprf-psi", kind: "pdq", bits: 256}
	b := h.marshal()
	if b[0] != helloVersion || binary.BigEndian.Uint16(b[len(b)-2:]) != 256 {
		t.Fatalf("hello bytes %x", b)
	}
	g, err := parseHello(b)
	if err != nil || g != h {
		t.Fatalf("round trip: %+v, %v", g, err)
	}
}

// TestRegistrySealed: once read, the registry refuses new protocols.
func TestRegistrySealed(t *testing.T) {
	_ = Names()
	defer func() {
		if recover() == nil {
			t.Error("Register after a lookup did not panic")
		}
	}()
	Register(memberProto{})
}

// refusingClient refuses the server's setup message, as a device whose
// setup check fails does.
type refusingClient struct{ memberClient }

func (refusingClient) Setup() (Steps, error) { return &refuseSteps{}, nil }

type refuseSteps struct{ got bool }

func (*refuseSteps) Start() (Message, error) { return nil, nil }
func (s *refuseSteps) Expect() Message {
	if s.got {
		return nil
	}
	return &rawMsg{n: 1}
}
func (s *refuseSteps) Step(Message) (Message, error) {
	s.got = true
	return nil, fmt.Errorf("test: setup check refused the table")
}
func (*refuseSteps) Outcome() Outcome { return Outcome{} }

type oneByteSetup struct{ memberSession }

func (oneByteSetup) Setup() (Steps, error) {
	return &fixedSteps{first: &rawMsg{n: 1, b: []byte{7}}}, nil
}

type oneByteServer struct{ memberServer }

func (s oneByteServer) NewSession() (ServerSession, error) {
	return oneByteSetup{memberSession(s.memberServer)}, nil
}

// TestClientSetupErrorNotMasked: when the client refuses the server's
// setup message after the server has finished its setup, Open returns the
// client's error. Before, the server read the client's error frame as an
// oversized next frame and that error replaced the client's.
func TestClientSetupErrorNotMasked(t *testing.T) {
	srv := oneByteServer{memberServer{map[phash.Hash]bool{}}}
	cli := refusingClient{memberClient{"test", 256}}
	_, _, err := Open(srv, cli, "test", 256)
	if err == nil || !strings.Contains(err.Error(), "setup check refused the table") {
		t.Fatalf("Open error %v, want the client's setup error", err)
	}
}
