package psi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// ServeOptions are a TCP server's limits. Zero fields take the defaults.
type ServeOptions struct {
	// MaxFrame bounds the query frames read from a client
	// (DefaultMaxUpFrame).
	MaxFrame int
	// MaxSetupFrame bounds a client's setup message, for protocols whose
	// client sends one (DefaultMaxSetupUpFrame).
	MaxSetupFrame int
	// MaxSetupBytes bounds the setup bytes (uploaded keys) held across
	// all sessions at once (DefaultMaxSetupBytes); a session that would
	// exceed it is refused with ErrServerBusy.
	MaxSetupBytes int64
	// Timeout bounds each frame's read or write (DefaultTimeout).
	Timeout time.Duration
	// SessionWait bounds the total time a session waits for its client
	// (DefaultSessionWait).
	SessionWait time.Duration
	// MaxSessions bounds the connections served at once (64).
	MaxSessions int
	// Report, when set, is called after each query, and once with the
	// error when a session fails; it must be safe for concurrent use.
	Report func(Session)
}

func (o *ServeOptions) defaults() {
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultMaxUpFrame
	}
	if o.MaxSetupFrame <= 0 {
		o.MaxSetupFrame = DefaultMaxSetupUpFrame
	}
	if o.MaxSetupBytes <= 0 {
		o.MaxSetupBytes = DefaultMaxSetupBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.SessionWait <= 0 {
		o.SessionWait = DefaultSessionWait
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 64
	}
}

// keepAlive is the interval at which a side computing a long step sends
// keep-alive frames, well inside the default per-frame deadline.
func keepAlive(timeout time.Duration) time.Duration {
	return min(timeout/4, 15*time.Second)
}

// Session is what Serve reports about one query of a client connection
// (a connection that fails before its first query is reported once, with
// the error). The transcript holds the server's side: its messages, its
// computing time (which the client is never sent) and its outcome.
type Session struct {
	Remote     string
	Transcript *Transcript
	Err        error
	Elapsed    time.Duration
	// Query is the query's index on its connection: 0 for the first
	// (whose transcript carries the setup), 1, 2, ... for the next ones.
	Query int
}

// Serve accepts connections on ln and runs the server's driver for each,
// at most opts.MaxSessions at once. Per-client protocol state lives as
// long as its connection. A bad client only ends its own session, and a
// slow one only until its session's wait allowance is spent. When ctx is
// cancelled Serve stops accepting, closes ln, waits for running sessions
// to finish and returns nil.
func Serve(ctx context.Context, ln net.Listener, srv Server, kind phash.Kind, bits int, opts ServeOptions) error {
	setupLimits(srv, &opts.MaxSetupFrame, &opts.MaxSetupBytes)
	opts.defaults()
	cfg := serverConfig{kind: kind, bits: bits, maxFrame: opts.MaxFrame, maxSetupFrame: opts.MaxSetupFrame,
		keep: keepAlive(opts.Timeout), budget: &byteBudget{left: opts.MaxSetupBytes}}
	sem := make(chan struct{}, opts.MaxSessions)
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		conn, err := ln.Accept()
		if err != nil {
			<-sem
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("psi: accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer conn.Close()
			serveConn(conn, srv, cfg, opts)
		}()
	}
}

// serveConn serves one connection, reports each query and turns a panic
// (a bug in a protocol's handling of peer bytes) into that session's
// error, so one client cannot take the server down.
func serveConn(conn net.Conn, srv Server, cfg serverConfig, opts ServeOptions) {
	f := NewFrameConn(conn, opts.Timeout)
	f.limitWait(opts.SessionWait)
	remote := conn.RemoteAddr().String()
	t0 := time.Now()
	q := 0
	var setup *Transcript
	report := func(s Session) {
		if opts.Report != nil {
			opts.Report(s)
		}
	}
	tr, err := func() (tr *Transcript, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("psi: session panicked (bug): %v", r)
			}
		}()
		return serveSession(f, srv, cfg, func(tr *Transcript) { setup = tr }, func(tr *Transcript) {
			if q == 0 && setup != nil {
				s := *setup
				s.Append(tr)
				tr = &s
			}
			report(Session{Remote: remote, Transcript: tr, Elapsed: time.Since(t0), Query: q})
			q++
			t0 = time.Now()
		})
	}()
	if err != nil {
		var pe *PeerError
		if !errors.As(err, &pe) {
			sendError(f, err)
		}
		report(Session{Remote: remote, Transcript: tr, Err: err, Elapsed: time.Since(t0), Query: q})
	}
}

// ServeConn serves one session on conn with the given limits (Report,
// MaxSessions and the setup budget apply per call) and returns when the
// client is done or the session fails. It never closes conn.
func ServeConn(conn net.Conn, srv Server, kind phash.Kind, bits int, opts ServeOptions) {
	setupLimits(srv, &opts.MaxSetupFrame, &opts.MaxSetupBytes)
	opts.defaults()
	cfg := serverConfig{kind: kind, bits: bits, maxFrame: opts.MaxFrame, maxSetupFrame: opts.MaxSetupFrame,
		keep: keepAlive(opts.Timeout), budget: &byteBudget{left: opts.MaxSetupBytes}}
	serveConn(conn, srv, cfg, opts)
}

// DialOptions are a TCP client's limits. Zero fields take the defaults.
type DialOptions struct {
	// Timeout bounds each frame's read or write and each connection
	// attempt (DefaultTimeout). The server's keep-alive frames reset it
	// while the server computes.
	Timeout time.Duration
	// Wait is how long Dial keeps retrying a refused connection, for a
	// server still preparing (DefaultDialWait).
	Wait time.Duration
	// MaxFrame bounds the frames read from the server
	// (DefaultMaxDownFrame).
	MaxFrame int
	// OnRetry, when set, is called before each retry with the refusal.
	OnRetry func(error)
}

// DefaultDialWait is how long Dial retries a refused connection.
const DefaultDialWait = 2 * time.Minute

// Dial connects to a server at addr, retrying a refused connection for up
// to opts.Wait, and runs the hello and setup. The Conn owns the network
// connection; Close ends both.
func Dial(ctx context.Context, addr string, cli Client, kind phash.Kind, bits int, opts DialOptions) (*Conn, *Transcript, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Wait <= 0 {
		opts.Wait = DefaultDialWait
	}
	conn, err := dialRetry(ctx, addr, opts)
	if err != nil {
		return nil, &Transcript{Protocol: cli.Protocol()}, err
	}
	c, tr, err := newConn(NewFrameConn(conn, opts.Timeout), cli, kind, bits, opts.MaxFrame, keepAlive(opts.Timeout))
	if err != nil {
		conn.Close()
		return nil, tr, err
	}
	c.hangUp = conn.Close
	return c, tr, nil
}

func dialRetry(ctx context.Context, addr string, opts DialOptions) (net.Conn, error) {
	end := time.Now().Add(opts.Wait)
	d := net.Dialer{Timeout: opts.Timeout}
	pause := 100 * time.Millisecond
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn, nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().Add(pause).After(end) {
			return nil, fmt.Errorf("psi: dial %s: %w", addr, err)
		}
		if opts.OnRetry != nil {
			opts.OnRetry(err)
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return nil, fmt.Errorf("psi: dial %s: %w", addr, ctx.Err())
		}
		pause = min(2*pause, time.Second)
	}
}
