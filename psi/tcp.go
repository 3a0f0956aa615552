package psi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// ConnOptions are the limits of one side of a TCP session.
type ConnOptions struct {
	// MaxFrame bounds the frames this side reads; 0 means
	// DefaultMaxUpFrame on a server and DefaultMaxDownFrame on a client.
	MaxFrame int
	// Timeout bounds each frame's read or write; 0 means DefaultTimeout.
	Timeout time.Duration
}

func (o ConnOptions) frame(c net.Conn, def int) *frameConn {
	if o.MaxFrame <= 0 {
		o.MaxFrame = def
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return newFrameConn(c, o.MaxFrame, o.Timeout)
}

// hello is the client's first frame: which protocol, which hashes, and
// whether it needs the setup message.
type hello struct {
	protocol string
	kind     phash.Kind
	bits     int
	setup    bool
}

func (h hello) marshal() []byte {
	b := []byte{0}
	if h.setup {
		b[0] = 1
	}
	b = append(b, byte(len(h.protocol)))
	b = append(b, h.protocol...)
	b = append(b, byte(len(h.kind)))
	b = append(b, h.kind...)
	return binary.BigEndian.AppendUint16(b, uint16(h.bits))
}

func parseHello(b []byte) (hello, error) {
	var h hello
	bad := func(what string) (hello, error) { return hello{}, fmt.Errorf("psi: decode hello: %s", what) }
	if len(b) < 2 || b[0] > 1 {
		return bad("bad flags")
	}
	h.setup = b[0] == 1
	n := int(b[1])
	b = b[2:]
	if len(b) < n+1 {
		return bad("truncated protocol name")
	}
	h.protocol = string(b[:n])
	n = int(b[n])
	b = b[len(h.protocol)+1:]
	if len(b) != n+2 {
		return bad("bad length")
	}
	h.kind = phash.Kind(b[:n])
	h.bits = int(binary.BigEndian.Uint16(b[n:]))
	return h, nil
}

func marshalTiming(t Timing) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.Setup))
	return binary.BigEndian.AppendUint64(b, uint64(t.Query))
}

func parseTiming(b []byte) (Timing, error) {
	if len(b) != 16 {
		return Timing{}, fmt.Errorf("psi: decode timings: %d bytes, want 16", len(b))
	}
	s, q := int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint64(b[8:]))
	if s < 0 || q < 0 {
		return Timing{}, fmt.Errorf("psi: decode timings: negative duration")
	}
	return Timing{Setup: time.Duration(s), Query: time.Duration(q)}, nil
}

// ServeConn runs the server side of one session on conn: the client's
// hello, the setup message if the client asks for it, one query, and the
// exchange of timings. It returns the server's transcript (with the
// client's timings as the client reported them). On a protocol error it
// sends the client an error frame; it never closes conn.
func ServeConn(conn net.Conn, srv Server, kind phash.Kind, bits int, opts ConnOptions) (*Transcript, error) {
	f := opts.frame(conn, DefaultMaxUpFrame)
	tr := &Transcript{Protocol: srv.Protocol()}
	err := serveConn(f, srv, kind, bits, tr)
	if err != nil {
		var pe *PeerError
		if !errors.As(err, &pe) {
			f.fail(err)
		}
	}
	return tr, err
}

func serveConn(f *frameConn, srv Server, kind phash.Kind, bits int, tr *Transcript) error {
	p, err := f.expect(frameHello)
	if err != nil {
		return err
	}
	h, err := parseHello(p)
	if err != nil {
		return err
	}
	if h.protocol != srv.Protocol() {
		return fmt.Errorf("psi: client asks for protocol %q, server runs %q", h.protocol, srv.Protocol())
	}
	if h.kind != kind || h.bits != bits {
		return fmt.Errorf("psi: client hashes are %s/%d, database holds %s/%d", h.kind, h.bits, kind, bits)
	}
	if h.setup {
		t0 := time.Now()
		m, err := srv.Setup()
		var b []byte
		if err == nil && m != nil {
			b, err = m.MarshalBinary()
		}
		tr.Server.Setup += time.Since(t0)
		if err != nil {
			return fmt.Errorf("psi: server setup: %w", err)
		}
		if m != nil {
			tr.add(PhaseSetup, Down, m)
			if err := f.write(frameMessage, b); err != nil {
				return err
			}
		}
	}
	t0 := time.Now()
	sq, err := srv.NewQuery()
	tr.Server.Query += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: server query: %w", err)
	}
	for steps := 0; ; steps++ {
		in := sq.Expect()
		if in == nil {
			break
		}
		if steps > 64 {
			return fmt.Errorf("psi: query did not finish after %d steps", steps)
		}
		b, err := f.expect(frameMessage)
		if err != nil {
			return err
		}
		t0 := time.Now()
		err = in.UnmarshalBinary(b)
		var reply Message
		if err == nil {
			tr.add(PhaseQuery, Up, in)
			reply, err = sq.Step(in)
		}
		var rb []byte
		if err == nil && reply != nil {
			rb, err = reply.MarshalBinary()
		}
		tr.Server.Query += time.Since(t0)
		if err != nil {
			return err
		}
		if reply != nil {
			tr.add(PhaseQuery, Down, reply)
			if err := f.write(frameMessage, rb); err != nil {
				return err
			}
		}
	}
	tr.ServerOutcome = sq.Outcome()
	if err := f.write(frameStats, marshalTiming(tr.Server)); err != nil {
		return err
	}
	b, err := f.expect(frameStats)
	if err != nil {
		return err
	}
	tr.Client, err = parseTiming(b)
	return err
}

// QueryConn runs the client side of one session on conn: hello, setup
// (when setup is true; the client must not be set up already), one query
// for h and the exchange of timings. The transcript carries the server's
// timings as the server reported them.
func QueryConn(conn net.Conn, cli Client, h phash.Hash, setup bool, opts ConnOptions) (*Transcript, error) {
	f := opts.frame(conn, DefaultMaxDownFrame)
	tr := &Transcript{Protocol: cli.Protocol()}
	err := queryConn(f, cli, h, setup, tr)
	if err != nil {
		var pe *PeerError
		if !errors.As(err, &pe) {
			// The server may have hung up after explaining why: prefer
			// its reason to our broken pipe.
			if perr := f.pendingError(); perr != nil {
				return tr, perr
			}
			f.fail(err)
		}
	}
	return tr, err
}

func queryConn(f *frameConn, cli Client, h phash.Hash, setup bool, tr *Transcript) error {
	if err := f.write(frameHello, hello{protocol: cli.Protocol(), kind: h.Kind(), bits: h.Bits(), setup: setup}.marshal()); err != nil {
		return err
	}
	if m := cli.SetupMessage(); setup && m != nil {
		b, err := f.expect(frameMessage)
		if err != nil {
			return err
		}
		t0 := time.Now()
		err = m.UnmarshalBinary(b)
		if err == nil {
			tr.add(PhaseSetup, Down, m)
			err = cli.Setup(m)
		}
		tr.Client.Setup += time.Since(t0)
		if err != nil {
			return fmt.Errorf("psi: client setup: %w", err)
		}
	}
	t0 := time.Now()
	cq, err := cli.NewQuery(h)
	var out Message
	var ob []byte
	if err == nil {
		out, err = cq.Start()
	}
	if err == nil && out != nil {
		ob, err = out.MarshalBinary()
	}
	tr.Client.Query += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: client query: %w", err)
	}
	for steps := 0; ; steps++ {
		if steps > 64 {
			return fmt.Errorf("psi: query did not finish after %d steps", steps)
		}
		if out != nil {
			tr.add(PhaseQuery, Up, out)
			if err := f.write(frameMessage, ob); err != nil {
				return err
			}
			out = nil
		}
		in := cq.Expect()
		if in == nil {
			break
		}
		b, err := f.expect(frameMessage)
		if err != nil {
			return err
		}
		t0 := time.Now()
		err = in.UnmarshalBinary(b)
		if err == nil {
			tr.add(PhaseQuery, Down, in)
			out, err = cq.Step(in)
		}
		if err == nil && out != nil {
			ob, err = out.MarshalBinary()
		}
		tr.Client.Query += time.Since(t0)
		if err != nil {
			return err
		}
	}
	tr.ClientOutcome = cq.Outcome()
	if err := f.write(frameStats, marshalTiming(tr.Client)); err != nil {
		return err
	}
	b, err := f.expect(frameStats)
	if err != nil {
		return err
	}
	tr.Server, err = parseTiming(b)
	return err
}

// Session is what Serve reports about one client connection.
type Session struct {
	Remote     string
	Transcript *Transcript
	Err        error
	Elapsed    time.Duration
}

// Serve accepts connections on ln and runs ServeConn for each, at most
// maxSessions at once (0 means 64), calling report after each session
// (report must be safe for concurrent use). A bad client only ends its own
// session. When ctx is cancelled Serve stops accepting, closes ln, waits
// for running sessions to finish (each is bounded by the frame timeout)
// and returns nil.
func Serve(ctx context.Context, ln net.Listener, srv Server, kind phash.Kind, bits int, opts ConnOptions, maxSessions int, report func(Session)) error {
	if maxSessions <= 0 {
		maxSessions = 64
	}
	sem := make(chan struct{}, maxSessions)
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
			t0 := time.Now()
			tr, err := serveRecover(conn, srv, kind, bits, opts)
			if report != nil {
				report(Session{Remote: conn.RemoteAddr().String(), Transcript: tr, Err: err, Elapsed: time.Since(t0)})
			}
		}()
	}
}

// serveRecover runs ServeConn and turns a panic (a bug in a protocol's
// handling of peer bytes) into that session's error, so one client cannot
// take the server down.
func serveRecover(conn net.Conn, srv Server, kind phash.Kind, bits int, opts ConnOptions) (tr *Transcript, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("psi: session panicked (bug): %v", r)
		}
	}()
	return ServeConn(conn, srv, kind, bits, opts)
}
