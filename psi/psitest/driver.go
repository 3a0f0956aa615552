package psitest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// testDriver runs the protocol through the driver in process (Open, then
// queries on one connection) and over TCP (Serve and Dial), and checks
// that both give the outcomes and message sizes of the state machines,
// and that the TCP client is never sent the server's computing time.
func testDriver(t *testing.T, srv psi.Server, cli psi.Client, db *psi.Database, listed phash.Hash) {
	near := FlipBit(t, listed, 3)
	conn, setup, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if setup.Server.Setup == 0 && setup.SetupBytes() > 0 {
		t.Error("in-process setup transcript lacks the server's time")
	}
	for _, h := range []phash.Hash{listed, near, listed} {
		tr, err := conn.Query(h)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		want := db.Contains(h)
		for _, o := range []psi.Outcome{tr.ClientOutcome, tr.ServerOutcome} {
			if o.Known && o.Match != want {
				t.Errorf("in-process query: outcome %v, want match=%v", o, want)
			}
		}
		if !tr.ClientOutcome.Known && !tr.ServerOutcome.Known {
			t.Error("in-process query: neither side learned the result")
		}
	}
	if err := conn.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	sv := Serve(t, srv, db, psi.ServeOptions{})
	defer sv.Stop()
	nc, err := net.Dial("tcp", sv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rec := &recorder{Transport: psi.NewFrameConn(nc, 0)}
	rc, all, err := psi.NewConn(rec, cli, db.Kind, db.Bits, 0)
	if err != nil {
		t.Fatalf("NewConn: %v", err)
	}
	for _, h := range []phash.Hash{listed, near} {
		tr, err := rc.Query(h)
		if err != nil {
			t.Fatalf("TCP query: %v", err)
		}
		if tr.Server != (psi.Timing{}) {
			t.Errorf("TCP client holds the server's time %+v; it must never be sent", tr.Server)
		}
		if o := tr.ClientOutcome; o.Known && o.Match != db.Contains(h) {
			t.Errorf("TCP query: client outcome %v", o)
		}
		all.Append(tr)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("TCP Close: %v", err)
	}
	rec.check(t, all)
	// The server logs its own time and outcome once the session ends.
	served := sv.Wait(10*time.Second, func(ss []psi.Session) bool { return len(ss) >= 2 })
	if len(served) != 2 {
		t.Fatalf("server reported %d queries, want 2", len(served))
	}
	for i, s := range served {
		if s.Err != nil {
			t.Errorf("served query %d: %v", i, s.Err)
			continue
		}
		if o := s.Transcript.ServerOutcome; o.Known && o.Match != (i == 0) {
			t.Errorf("served query %d: server outcome %v", i, o)
		}
		if s.Transcript.Server.Query == 0 && s.Transcript.UpBytes() > 0 {
			t.Errorf("served query %d: the server's log lacks its time", i)
		}
	}
}

// recorder is a Transport that keeps the type and length of every frame
// it receives.
type recorder struct {
	psi.Transport
	got []psi.FrameType
	len []int
}

func (r *recorder) Recv(limit int) (psi.FrameType, []byte, error) {
	typ, p, err := r.Transport.Recv(limit)
	if err == nil {
		r.got, r.len = append(r.got, typ), append(r.len, len(p))
	}
	return typ, p, err
}

// check: every frame the client received is one of the protocol messages
// its transcript lists (same count, same sizes, in order) or an empty
// keep-alive, so no frame can carry the server's computing time.
func (r *recorder) check(t *testing.T, tr *psi.Transcript) {
	t.Helper()
	var down, msgs []int
	for _, m := range tr.Messages {
		if m.Dir == psi.Down {
			down = append(down, m.Bytes)
		}
	}
	for i, typ := range r.got {
		switch typ {
		case psi.FrameMessage:
			msgs = append(msgs, r.len[i])
		case psi.FrameKeepAlive:
			if r.len[i] != 0 {
				t.Errorf("keep-alive frame with %d bytes", r.len[i])
			}
		default:
			t.Errorf("client received a frame of type %d (%d bytes)", typ, r.len[i])
		}
	}
	if fmt.Sprint(msgs) != fmt.Sprint(down) {
		t.Errorf("client received message frames of %v bytes, its transcript lists %v", msgs, down)
	}
}

// Served is psi.Serve running on a loopback port for a test; it records
// every session the server reports.
type Served struct {
	// Addr is the address clients dial.
	Addr string

	timeout  time.Duration // ServeOptions.Timeout
	t        testing.TB
	cancel   context.CancelFunc
	done     chan error
	stopped  sync.Once
	mu       sync.Mutex
	sessions []psi.Session
	closed   map[string]bool // remote addresses whose connection closed
}

// Serve starts psi.Serve for srv on a loopback port with opts, whose
// Report it replaces with the recorder. Stop ends it; the test's end
// cancels it if Stop was not called.
func Serve(t testing.TB, srv psi.Server, db *psi.Database, opts psi.ServeOptions) *Served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Served{Addr: ln.Addr().String(), timeout: opts.Timeout, t: t, cancel: cancel, done: make(chan error, 1), closed: map[string]bool{}}
	opts.Report = func(ss psi.Session) {
		s.mu.Lock()
		s.sessions = append(s.sessions, ss)
		s.mu.Unlock()
	}
	go func() { s.done <- psi.Serve(ctx, trackListener{ln, s}, srv, db.Kind, db.Bits, opts) }()
	t.Cleanup(cancel)
	return s
}

// trackListener hands out connections that tell s when the server closes
// them, which it does once it has reported the session.
type trackListener struct {
	net.Listener
	s *Served
}

func (l trackListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &trackConn{Conn: c, s: l.s}, nil
}

type trackConn struct {
	net.Conn
	s    *Served
	once sync.Once
}

// CloseWrite passes on to a TCP connection (the server's lingering close).
func (c *trackConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *trackConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.s.mu.Lock()
		c.s.closed[c.RemoteAddr().String()] = true
		c.s.mu.Unlock()
	})
	return err
}

// ended waits up to d for the server to close the connection from the
// client address remote, and fills in what the server reported of that
// session: the error it ended with and its outcome of each query it
// finished. It reports whether the session had ended.
func (s *Served) ended(remote string, d time.Duration, a *Attempt) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		ok := s.closed[remote]
		if ok {
			for _, ss := range s.sessions {
				switch {
				case ss.Remote != remote:
				case ss.Err != nil:
					a.ServerErr = ss.Err
				default:
					a.ServerOutcomes = append(a.ServerOutcomes, ss.Transcript.ServerOutcome)
				}
			}
		}
		s.mu.Unlock()
		if ok || time.Now().After(deadline) {
			return ok
		}
	}
}

// Sessions returns the sessions reported so far.
func (s *Served) Sessions() []psi.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]psi.Session(nil), s.sessions...)
}

// Wait polls the reported sessions until enough holds for them or d has
// passed, and returns them.
func (s *Served) Wait(d time.Duration, enough func([]psi.Session) bool) []psi.Session {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		ss := s.Sessions()
		if enough(ss) || time.Now().After(deadline) {
			return ss
		}
	}
}

// Stop ends Serve, fails the test if Serve returned an error, and returns
// every session reported. Calls after the first only return the sessions.
func (s *Served) Stop() []psi.Session {
	s.stopped.Do(func() {
		s.cancel()
		if err := <-s.done; err != nil {
			s.t.Errorf("Serve: %v", err)
		}
	})
	return s.Sessions()
}
