package psi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// One driver per role runs a session over any Transport: the in-process
// runner (Open, Run), the TCP server (Serve) and client (Dial) all go
// through peer.run, which encodes, checks BinarySize, records and sends
// every message, and receives, decodes and records every reply.
//
//	client                                       server
//	  |  hello: protocol, hash kind and length ---->|  NewSession
//	  |<------ setup steps: messages both ways ---->|  (table down, keys up, ...)
//	  |  next(1), then the query's messages  <----->|  NewQuery, per query
//	  |  ...                                        |
//	  |  next(0) ---------------------------------->|  Close the session
//
// The client is never sent the server's computing time: the server keeps
// it in its own transcript (Serve's report). A side that computes for
// longer than its keep-alive interval sends empty keep-alive frames, so a
// slow step does not trip the peer's per-frame deadline.

// maxSteps bounds the messages of one exchange.
const maxSteps = 64

const (
	nextDone  byte = 0
	nextQuery byte = 1
)

// hello is the client's first frame.
type hello struct {
	protocol string
	kind     phash.Kind
	bits     int
}

const helloVersion = 2

func (h hello) marshal() []byte {
	b := []byte{helloVersion, byte(len(h.protocol))}
	b = append(b, h.protocol...)
	b = append(b, byte(len(h.kind)))
	b = append(b, h.kind...)
	return binary.BigEndian.AppendUint16(b, uint16(h.bits))
}

func parseHello(b []byte) (hello, error) {
	var h hello
	bad := func(what string) (hello, error) { return hello{}, fmt.Errorf("psi: decode hello: %s", what) }
	if len(b) < 2 || b[0] != helloVersion {
		return bad("unknown version (client and server builds differ)")
	}
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

// peer is one role's end of a session.
type peer struct {
	t    Transport
	send Direction     // the direction of this side's messages
	keep time.Duration // keep-alive interval while computing; 0: none
}

// recv returns the next frame's payload, which must be of type want;
// keep-alive frames are skipped and an error frame becomes a PeerError.
func (p *peer) recv(want FrameType, limit int) ([]byte, error) {
	for {
		typ, b, err := p.t.Recv(limit)
		if err != nil {
			return nil, err
		}
		switch typ {
		case FrameKeepAlive:
			continue
		case FrameError:
			return nil, &PeerError{Text: sanitize(b)}
		case want:
			return b, nil
		}
		return nil, fmt.Errorf("psi: read frame: got type %d, want %d", typ, want)
	}
}

// compute runs fn, adds its time to clock and, when it runs longer than
// the keep-alive interval, sends keep-alive frames meanwhile.
func (p *peer) compute(clock *time.Duration, fn func() error) error {
	t0 := time.Now()
	defer func() { *clock += time.Since(t0) }()
	if p.keep <= 0 {
		return fn()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(p.keep)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if p.t.Send(FrameKeepAlive, nil) != nil {
					return
				}
			}
		}
	}()
	err := fn()
	close(stop)
	wg.Wait()
	return err
}

// sendMessage encodes m (charged to clock), checks its BinarySize, records
// it and sends it.
func (p *peer) sendMessage(ph Phase, m Message, tr *Transcript, clock *time.Duration) error {
	var b []byte
	err := p.compute(clock, func() (err error) {
		b, err = m.MarshalBinary()
		if err != nil {
			return fmt.Errorf("psi: encode %s: %w", m.Kind(), err)
		}
		if len(b) != m.BinarySize() {
			return fmt.Errorf("psi: %s: BinarySize %d but encoding is %d bytes", m.Kind(), m.BinarySize(), len(b))
		}
		return nil
	})
	if err != nil {
		return err
	}
	tr.add(ph, p.send, m)
	return p.t.Send(FrameMessage, b)
}

// run drives one side of one exchange to its end. limit gives the frame
// limit for each message received, from the empty message Expect returned.
func (p *peer) run(s Steps, ph Phase, tr *Transcript, clock *time.Duration, limit func(Message) (int, error)) error {
	recvDir := Down
	if p.send == Down {
		recvDir = Up
	}
	var out Message
	if err := p.compute(clock, func() (err error) { out, err = s.Start(); return err }); err != nil {
		return err
	}
	for steps := 0; ; steps++ {
		if steps > maxSteps {
			return fmt.Errorf("psi: %s did not finish after %d messages", ph, steps)
		}
		if out != nil {
			if err := p.sendMessage(ph, out, tr, clock); err != nil {
				return err
			}
			out = nil
		}
		in := s.Expect()
		if in == nil {
			return nil
		}
		n, err := limit(in)
		if err != nil {
			return err
		}
		b, err := p.recv(FrameMessage, n)
		if err != nil {
			return err
		}
		err = p.compute(clock, func() error {
			if err := unmarshal(in, b); err != nil {
				if strings.HasPrefix(err.Error(), "psi: decode "+in.Kind()+":") {
					return err // the message named itself already
				}
				return fmt.Errorf("psi: decode %s: %w", in.Kind(), err)
			}
			n := len(b)
			b = nil // the message holds what it needs: a large frame goes before the step
			if in.BinarySize() != n {
				return fmt.Errorf("psi: %s: decoded BinarySize %d but received %d bytes", in.Kind(), in.BinarySize(), n)
			}
			tr.add(ph, recvDir, in)
			var err error
			out, err = s.Step(in)
			return err
		})
		if err != nil {
			return err
		}
	}
}

// Owner is implemented by a Message that can keep the bytes it decodes
// instead of copying them (an HE protocol's keys: gigabytes). The
// drivers decode a received frame's payload with UnmarshalOwned in place
// of UnmarshalBinary: the payload is the message's to keep, and nothing
// changes it afterwards (a network frame is read into its own buffer; in
// process it is the sender's encoding, which senders do not change once
// sent).
type Owner interface {
	UnmarshalOwned(b []byte) error
}

// unmarshal decodes b into m, handing b over when m is an Owner.
func unmarshal(m Message, b []byte) error {
	if o, ok := m.(Owner); ok {
		return o.UnmarshalOwned(b)
	}
	return m.UnmarshalBinary(b)
}

// serverConfig is what the server driver needs beyond the transport.
type serverConfig struct {
	kind          phash.Kind
	bits          int
	maxFrame      int
	maxSetupFrame int
	keep          time.Duration
	budget        *byteBudget // setup bytes held across sessions; nil: none
}

// serveSession runs the server's side of one session: hello, setup, then
// queries until the client says it is done. onSetup gets the setup's
// transcript, onQuery each finished query's. On error it returns the
// unfinished exchange's transcript.
func serveSession(t Transport, srv Server, cfg serverConfig, onSetup, onQuery func(*Transcript)) (*Transcript, error) {
	p := &peer{t: t, send: Down, keep: cfg.keep}
	tr := &Transcript{Protocol: srv.Protocol()}
	b, err := p.recv(FrameHello, 512)
	if err != nil {
		return tr, err
	}
	h, err := parseHello(b)
	if err != nil {
		return tr, err
	}
	if h.protocol != srv.Protocol() {
		return tr, fmt.Errorf("psi: client asks for protocol %q, server runs %q", h.protocol, srv.Protocol())
	}
	if h.kind != cfg.kind || h.bits != cfg.bits {
		return tr, fmt.Errorf("psi: client hashes are %s/%d, database holds %s/%d", h.kind, h.bits, cfg.kind, cfg.bits)
	}
	sess, err := srv.NewSession()
	if err != nil {
		return tr, fmt.Errorf("psi: server session: %w", err)
	}
	defer sess.Close()
	var held int64
	defer func() { cfg.budget.release(held) }()
	setupLimit := func(in Message) (int, error) {
		// A message the server receives during setup (keys) declares,
		// when empty, the size it accepts; that size is reserved from
		// the budget shared by all sessions until this one ends.
		n := in.BinarySize()
		if n <= 0 || n > cfg.maxSetupFrame {
			n = cfg.maxSetupFrame
		}
		if err := cfg.budget.reserve(int64(n)); err != nil {
			return 0, err
		}
		held += int64(n)
		return n, nil
	}
	st, err := sess.Setup()
	if err == nil {
		err = p.run(st, PhaseSetup, tr, &tr.Server.Setup, setupLimit)
	}
	if err != nil {
		return tr, err
	}
	onSetup(tr)
	queryLimit := func(Message) (int, error) { return cfg.maxFrame, nil }
	for {
		tr = &Transcript{Protocol: srv.Protocol()}
		// Up to an error frame's length, so that a client that failed
		// (its setup check, say) is read as a PeerError, not as an
		// oversized next frame that would mask the client's error.
		b, err := p.recv(FrameNext, maxErrorText)
		if err != nil {
			return tr, err
		}
		if len(b) != 1 || b[0] > nextQuery {
			return tr, fmt.Errorf("psi: decode next frame: want one byte 0 or 1, got %d bytes", len(b))
		}
		if b[0] == nextDone {
			return tr, nil
		}
		var q Steps
		err = p.compute(&tr.Server.Query, func() (err error) { q, err = sess.NewQuery(); return err })
		if err == nil {
			err = p.run(q, PhaseQuery, tr, &tr.Server.Query, queryLimit)
		}
		if err != nil {
			return tr, err
		}
		tr.ServerOutcome = q.Outcome()
		onQuery(tr)
	}
}

// byteBudget bounds bytes held across sessions. A nil budget allows all.
type byteBudget struct {
	mu   sync.Mutex
	left int64
}

// ErrServerBusy is wrapped by a session's error when the server holds as
// many uploaded setup bytes (keys) as it allows.
var ErrServerBusy = errors.New("psi: server busy")

func (b *byteBudget) reserve(n int64) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.left {
		return fmt.Errorf("%w: setup of %d bytes exceeds the %d bytes left for uploaded keys", ErrServerBusy, n, b.left)
	}
	b.left -= n
	return nil
}

func (b *byteBudget) release(n int64) {
	if b == nil || n == 0 {
		return
	}
	b.mu.Lock()
	b.left += n
	b.mu.Unlock()
}

// Conn is a client's session with a server, over any Transport: Open makes
// one in process, Dial one over TCP. Queries run one at a time; Close ends
// the session. A Conn is not safe for concurrent use.
type Conn struct {
	p      *peer
	cli    Client
	limit  int
	hangUp func() error
	local  *localServer // in-process: the server's side, for its transcripts
	err    error        // set once the session broke
	closed bool
}

// NewConn runs the client's hello and setup on t and returns the session
// with the setup's transcript (the client's side of it).
func NewConn(t Transport, cli Client, kind phash.Kind, bits int, maxFrame int) (*Conn, *Transcript, error) {
	return newConn(t, cli, kind, bits, maxFrame, 0)
}

func newConn(t Transport, cli Client, kind phash.Kind, bits, maxFrame int, keep time.Duration) (*Conn, *Transcript, error) {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxDownFrame
	}
	c := &Conn{p: &peer{t: t, send: Up, keep: keep}, cli: cli, limit: maxFrame}
	tr := &Transcript{Protocol: cli.Protocol()}
	if err := c.p.t.Send(FrameHello, hello{protocol: cli.Protocol(), kind: kind, bits: bits}.marshal()); err != nil {
		return nil, tr, c.fail(err)
	}
	st, err := cli.Setup()
	if err == nil {
		err = c.p.run(st, PhaseSetup, tr, &tr.Client.Setup, c.frameLimit)
	}
	if err != nil {
		return nil, tr, c.fail(err)
	}
	return c, tr, nil
}

func (c *Conn) frameLimit(Message) (int, error) { return c.limit, nil }

// Query runs one query for h and returns its transcript: the client's
// messages and time, and what the client learned. On an in-process Conn
// the transcript also holds the server's time and outcome.
func (c *Conn) Query(h phash.Hash) (*Transcript, error) {
	return c.query(func() (Steps, error) { return c.cli.NewQuery(h) })
}

// query runs one query whose client steps newSteps makes.
func (c *Conn) query(newSteps func() (Steps, error)) (*Transcript, error) {
	tr := &Transcript{Protocol: c.cli.Protocol()}
	if c.err != nil {
		return tr, c.err
	}
	if c.closed {
		return tr, fmt.Errorf("psi: query on a closed connection")
	}
	if err := c.p.t.Send(FrameNext, []byte{nextQuery}); err != nil {
		return tr, c.fail(err)
	}
	var q Steps
	err := c.p.compute(&tr.Client.Query, func() (err error) { q, err = newSteps(); return err })
	if err == nil {
		err = c.p.run(q, PhaseQuery, tr, &tr.Client.Query, c.frameLimit)
	}
	if err != nil {
		return tr, c.fail(err)
	}
	tr.ClientOutcome = q.Outcome()
	if c.local != nil {
		if err := c.local.merge(tr); err != nil {
			return tr, c.fail(err)
		}
	}
	return tr, nil
}

// Close tells the server the session is over and hangs up. Over TCP it
// returns the server's error (a *PeerError) when the server failed on a
// message it sends no reply to.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	var err error
	if c.err == nil {
		err = c.p.t.Send(FrameNext, []byte{nextDone})
		// A server that failed on a message it does not answer (a
		// voucher) has sent its reason and is waiting for the client to
		// stop: read it now, so the session is not taken for a clean
		// one. An honest server hangs up at once.
		if fc, ok := c.p.t.(errorReader); ok && err == nil {
			err = fc.pendingError()
		}
	}
	if c.local != nil {
		if lerr := c.local.wait(); err == nil {
			err = lerr
		}
	}
	if c.hangUp != nil {
		if herr := c.hangUp(); err == nil {
			err = herr
		}
	}
	return err
}

// fail marks the session broken; for a local error it tells the server
// why, and for a transport error it prefers the server's stated reason.
func (c *Conn) fail(err error) error {
	var pe *PeerError
	if !errors.As(err, &pe) {
		if fc, ok := c.p.t.(errorReader); ok {
			if perr := fc.pendingError(); perr != nil {
				err = perr
			} else {
				sendError(c.p.t, err)
			}
		} else {
			sendError(c.p.t, err)
		}
	}
	if c.local != nil {
		// In process the server's own error is at hand: it is the
		// cause when the server failed first (the client saw only its
		// text, or a closed pipe).
		var spe *PeerError
		if lerr := c.local.abort(); lerr != nil && !errors.As(lerr, &spe) {
			err = lerr
		}
	}
	c.err = err
	return err
}

// errorReader is a stream transport that can read an error frame its
// peer sent before hanging up: a *FrameConn, or a type that embeds one.
type errorReader interface{ pendingError() error }

// maxErrorText bounds an error frame's text.
const maxErrorText = 200

// sendError sends an error frame, best effort, before a side hangs up.
func sendError(t Transport, err error) {
	msg := err.Error()
	if len(msg) > maxErrorText {
		msg = msg[:maxErrorText]
	}
	if fc, ok := t.(*FrameConn); ok {
		_ = fc.c.SetWriteDeadline(time.Now().Add(time.Second))
	}
	_ = t.Send(FrameError, []byte(msg))
}
