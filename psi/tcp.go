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
	// MaxSetupFrame bounds, on a server, the client's setup message for
	// protocols whose client sends one; 0 means DefaultMaxSetupUpFrame.
	MaxSetupFrame int
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

func (o ConnOptions) setupFrame() int {
	if o.MaxSetupFrame <= 0 {
		return DefaultMaxSetupUpFrame
	}
	return o.MaxSetupFrame
}

// hello is the client's first frame: which protocol, which hashes, whether
// it needs the setup message, and whether several queries follow on the
// connection.
type hello struct {
	protocol string
	kind     phash.Kind
	bits     int
	setup    bool
	multi    bool
}

const (
	helloSetup = 1 << iota
	helloMulti
)

func (h hello) marshal() []byte {
	b := []byte{0}
	if h.setup {
		b[0] |= helloSetup
	}
	if h.multi {
		b[0] |= helloMulti
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
	if len(b) < 2 || b[0]&^(helloSetup|helloMulti) != 0 {
		return bad("bad flags")
	}
	h.setup = b[0]&helloSetup != 0
	h.multi = b[0]&helloMulti != 0
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

// The "next" frame a client sends after each query on a connection that
// carries several: one byte, 1 when another query follows, 0 when done.
const (
	nextDone  byte = 0
	nextQuery byte = 1
)

// ServeConn runs the server side of one connection on conn: the client's
// hello, the setup message if the client asks for it (and, for a
// ServerSetupReceiver, the client's setup message up, opening a session
// that is closed when ServeConn returns), then one query, or as many as
// the client sends when its hello announces several, each followed by the
// exchange of timings. It returns the server's transcript (with the
// client's timings as the client reported them); with several queries the
// transcript holds them all, so its byte counts and rounds are totals. On
// a protocol error it sends the client an error frame; it never closes
// conn.
func ServeConn(conn net.Conn, srv Server, kind phash.Kind, bits int, opts ConnOptions) (*Transcript, error) {
	all := &Transcript{Protocol: srv.Protocol()}
	cur, err := serveFramed(conn, srv, kind, bits, opts, func(tr *Transcript) { all.append(tr) })
	if err != nil {
		all.append(cur)
	}
	return all, err
}

// append adds u's messages and times to t; outcomes are u's.
func (t *Transcript) append(u *Transcript) {
	t.Messages = append(t.Messages, u.Messages...)
	t.Client.Setup += u.Client.Setup
	t.Client.Query += u.Client.Query
	t.Server.Setup += u.Server.Setup
	t.Server.Query += u.Server.Query
	t.ClientOutcome, t.ServerOutcome = u.ClientOutcome, u.ServerOutcome
}

// serveFramed runs serveConn and reports a protocol error to the client.
// done is called with each finished query's transcript (the first one
// carries the setup records); on error the unfinished one is returned.
func serveFramed(conn net.Conn, srv Server, kind phash.Kind, bits int, opts ConnOptions, done func(*Transcript)) (*Transcript, error) {
	f := opts.frame(conn, DefaultMaxUpFrame)
	cur, err := serveConn(f, srv, kind, bits, opts.setupFrame(), done)
	if err != nil {
		var pe *PeerError
		if !errors.As(err, &pe) {
			f.fail(err)
		}
	}
	return cur, err
}

func serveConn(f *frameConn, srv Server, kind phash.Kind, bits, maxSetup int, done func(*Transcript)) (*Transcript, error) {
	tr := &Transcript{Protocol: srv.Protocol()}
	p, err := f.expect(frameHello)
	if err != nil {
		return tr, err
	}
	h, err := parseHello(p)
	if err != nil {
		return tr, err
	}
	if h.protocol != srv.Protocol() {
		return tr, fmt.Errorf("psi: client asks for protocol %q, server runs %q", h.protocol, srv.Protocol())
	}
	if h.kind != kind || h.bits != bits {
		return tr, fmt.Errorf("psi: client hashes are %s/%d, database holds %s/%d", h.kind, h.bits, kind, bits)
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
			return tr, fmt.Errorf("psi: server setup: %w", err)
		}
		if m != nil {
			tr.add(PhaseSetup, Down, m)
			if err := f.write(frameMessage, b); err != nil {
				return tr, err
			}
		}
	}
	var qs QueryServer = srv
	if rcv, ok := srv.(ServerSetupReceiver); ok {
		if !h.setup {
			return tr, fmt.Errorf("%w: %s keeps per-client state; the client must run setup on each connection", ErrNoSession, srv.Protocol())
		}
		sess, err := acceptSetupFrame(f, rcv, maxSetup, tr)
		if err != nil {
			return tr, err
		}
		defer sess.Close()
		qs = sess
	}
	for {
		if err := serveQuery(f, qs, tr); err != nil {
			return tr, err
		}
		done(tr)
		tr = &Transcript{Protocol: srv.Protocol()}
		if !h.multi {
			return tr, nil
		}
		b, err := f.expect(frameNext)
		if err != nil {
			return tr, err
		}
		if len(b) != 1 || b[0] > nextQuery {
			return tr, fmt.Errorf("psi: decode next frame: want one byte 0 or 1, got %d bytes", len(b))
		}
		if b[0] == nextDone {
			return tr, nil
		}
	}
}

// acceptSetupFrame reads the client's setup message (under the larger
// setup frame limit) and opens its session.
func acceptSetupFrame(f *frameConn, rcv ServerSetupReceiver, maxSetup int, tr *Transcript) (ServerSession, error) {
	saved := f.maxFrame
	f.maxFrame = maxSetup
	b, err := f.expect(frameMessage)
	f.maxFrame = saved
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	in := rcv.SetupUpMessage()
	err = in.UnmarshalBinary(b)
	b = nil
	var sess ServerSession
	if err == nil {
		tr.add(PhaseSetup, Up, in)
		sess, err = rcv.AcceptSetup(in)
	}
	tr.Server.Setup += time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("psi: server accept setup: %w", err)
	}
	return sess, nil
}

// serveQuery serves one query and exchanges timings.
func serveQuery(f *frameConn, qs QueryServer, tr *Transcript) error {
	t0 := time.Now()
	sq, err := qs.NewQuery()
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
// (when setup is true; the client must not be set up already, except that
// a client that sends a setup message up sends it on every connection),
// one query for h and the exchange of timings. The transcript carries the
// server's timings as the server reported them.
func QueryConn(conn net.Conn, cli Client, h phash.Hash, setup bool, opts ConnOptions) (*Transcript, error) {
	trs, err := QueryConnMany(conn, cli, []phash.Hash{h}, setup, opts)
	if len(trs) == 0 {
		return &Transcript{Protocol: cli.Protocol()}, err
	}
	return trs[len(trs)-1], err
}

// QueryConnMany runs several queries on one connection after one setup, so
// that one-time material (a downloaded table, uploaded keys) crosses the
// wire once. It returns one transcript per query, the first carrying the
// setup records; on error, the transcripts of the queries that finished
// and of the one that failed. With a single hash it speaks exactly as
// QueryConn, which servers that predate several queries per connection
// understand.
func QueryConnMany(conn net.Conn, cli Client, hs []phash.Hash, setup bool, opts ConnOptions) ([]*Transcript, error) {
	if len(hs) == 0 {
		return nil, fmt.Errorf("psi: no hashes to query")
	}
	f := opts.frame(conn, DefaultMaxDownFrame)
	trs, err := queryConn(f, cli, hs, setup)
	if err != nil {
		var pe *PeerError
		if !errors.As(err, &pe) {
			// The server may have hung up after explaining why: prefer
			// its reason to our broken pipe.
			if perr := f.pendingError(); perr != nil {
				return trs, perr
			}
			f.fail(err)
		}
	}
	return trs, err
}

func queryConn(f *frameConn, cli Client, hs []phash.Hash, setup bool) ([]*Transcript, error) {
	tr := &Transcript{Protocol: cli.Protocol()}
	trs := []*Transcript{tr}
	h0 := hs[0]
	multi := len(hs) > 1
	if err := f.write(frameHello, hello{protocol: cli.Protocol(), kind: h0.Kind(), bits: h0.Bits(), setup: setup, multi: multi}.marshal()); err != nil {
		return trs, err
	}
	if m := cli.SetupMessage(); setup && m != nil {
		b, err := f.expect(frameMessage)
		if err != nil {
			return trs, err
		}
		t0 := time.Now()
		err = m.UnmarshalBinary(b)
		if err == nil {
			tr.add(PhaseSetup, Down, m)
			err = cli.Setup(m)
		}
		tr.Client.Setup += time.Since(t0)
		if err != nil {
			return trs, fmt.Errorf("psi: client setup: %w", err)
		}
	}
	if snd, ok := cli.(ClientSetupSender); ok && setup {
		t0 := time.Now()
		m, err := snd.SetupUp()
		if err == nil && m == nil {
			err = errors.New("no message")
		}
		var b []byte
		if err == nil {
			b, err = m.MarshalBinary()
		}
		tr.Client.Setup += time.Since(t0)
		if err != nil {
			return trs, fmt.Errorf("psi: client setup up: %w", err)
		}
		tr.add(PhaseSetup, Up, m)
		if err := f.write(frameMessage, b); err != nil {
			return trs, err
		}
	}
	for i, h := range hs {
		if i > 0 {
			tr = &Transcript{Protocol: cli.Protocol()}
			trs = append(trs, tr)
			if err := f.write(frameNext, []byte{nextQuery}); err != nil {
				return trs, err
			}
		}
		if err := clientQuery(f, cli, h, tr); err != nil {
			return trs, err
		}
	}
	if multi {
		if err := f.write(frameNext, []byte{nextDone}); err != nil {
			return trs, err
		}
	}
	return trs, nil
}

// clientQuery runs the client side of one query and exchanges timings.
func clientQuery(f *frameConn, cli Client, h phash.Hash, tr *Transcript) error {
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

// Session is what Serve reports about one query of a client connection
// (a connection that fails before its first query is reported once, with
// the error).
type Session struct {
	Remote     string
	Transcript *Transcript
	Err        error
	Elapsed    time.Duration
	// Query is the query's index on its connection: 0 for the first
	// (whose transcript carries the setup), 1, 2, ... for the next ones.
	Query int
}

// Serve accepts connections on ln and runs ServeConn for each, at most
// maxSessions at once (0 means 64), calling report after each query, and
// once with the error when a connection fails (report must be safe for
// concurrent use). Per-client protocol state lives as long as its
// connection. A bad client only ends its own
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
			remote := conn.RemoteAddr().String()
			q := 0
			tr, err := serveRecover(conn, srv, kind, bits, opts, func(tr *Transcript) {
				if report != nil {
					report(Session{Remote: remote, Transcript: tr, Elapsed: time.Since(t0), Query: q})
				}
				q++
				t0 = time.Now()
			})
			if err != nil && report != nil {
				report(Session{Remote: remote, Transcript: tr, Err: err, Elapsed: time.Since(t0), Query: q})
			}
		}()
	}
}

// serveRecover serves one connection and turns a panic (a bug in a
// protocol's handling of peer bytes) into that session's error, so one
// client cannot take the server down.
func serveRecover(conn net.Conn, srv Server, kind phash.Kind, bits int, opts ConnOptions, done func(*Transcript)) (tr *Transcript, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("psi: session panicked (bug): %v", r)
		}
	}()
	return serveFramed(conn, srv, kind, bits, opts, done)
}
