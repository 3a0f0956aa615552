package psi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// FrameType tells a frame's receiver what its payload is. Protocol
// messages travel in message frames; the others are the drivers' control
// traffic.
type FrameType byte

// Frame types.
const (
	// FrameHello is the client's first frame: protocol and hash shape.
	FrameHello FrameType = 1
	// FrameMessage carries one protocol message.
	FrameMessage FrameType = 2
	// FrameError carries a side's error text before it hangs up.
	FrameError FrameType = 4
	// FrameNext is the client's one byte before each query (1) and at
	// the end of the session (0).
	FrameNext FrameType = 5
	// FrameKeepAlive is empty: a side that computes for longer than its
	// peer's frame deadline sends one now and then, so a slow step does
	// not end the session. It carries no figure.
	FrameKeepAlive FrameType = 6
)

// Transport carries one session's frames between the two roles, in order.
// NewFrameConn frames a net.Conn; the in-process runner uses a pipe. A
// Transport is used by one goroutine at a time.
type Transport interface {
	// Send writes one frame.
	Send(typ FrameType, payload []byte) error
	// Recv reads the next frame. A payload longer than limit is an error
	// wrapping ErrFrameTooLarge, reported before the payload is read.
	Recv(limit int) (FrameType, []byte, error)
}

// Default limits of the TCP transport.
const (
	// DefaultMaxUpFrame bounds frames a server reads from a client.
	DefaultMaxUpFrame = 16 << 20
	// DefaultMaxDownFrame bounds frames a client reads from a server; a
	// setup table for 2^20 entries is about 45 MB.
	DefaultMaxDownFrame = 1 << 30
	// DefaultMaxSetupUpFrame bounds the setup message a server reads from
	// a client whose protocol sends one (he-exact's seeded evaluation
	// keys, he-hamming's keys).
	DefaultMaxSetupUpFrame = 128 << 20
	// DefaultTimeout bounds each frame's read or write. A side computing
	// longer sends keep-alive frames, so this bounds a silent peer, not a
	// slow step.
	DefaultTimeout = 60 * time.Second
	// DefaultSessionWait bounds, on a server, the total time one session
	// spends waiting for its client, so slow clients cannot hold every
	// slot; the server's own computing does not count.
	DefaultSessionWait = 10 * time.Minute
	// DefaultMaxSetupBytes bounds the setup bytes (uploaded keys) a
	// server holds across all its sessions at once.
	DefaultMaxSetupBytes = 1 << 30
)

// ErrFrameTooLarge is wrapped by read errors for a frame longer than the
// reader's limit.
var ErrFrameTooLarge = errors.New("psi: frame too large")

// ErrSessionDeadline is wrapped by a server's read error once a session
// has waited for its client longer than its total allowance.
var ErrSessionDeadline = errors.New("psi: session waited too long for its client")

// PeerError is the text a peer sent in an error frame before hanging up.
type PeerError struct{ Text string }

func (e *PeerError) Error() string { return "psi: peer reported: " + e.Text }

// FrameConn is the Transport over a stream connection. A frame is a 4-byte
// big-endian length n (1 <= n), a 1-byte frame type and n-1 payload bytes.
// Every read and write has a deadline; reads can also share a total wait
// allowance.
type FrameConn struct {
	c       net.Conn
	timeout time.Duration
	wait    time.Duration // total read allowance left; <0 means none set
	hdr     [5]byte
}

// NewFrameConn frames c with the given per-frame deadline (0 means
// DefaultTimeout).
func NewFrameConn(c net.Conn, timeout time.Duration) *FrameConn {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &FrameConn{c: c, timeout: timeout, wait: -1}
}

// limitWait bounds the total time Recv may spend waiting, from now on.
func (f *FrameConn) limitWait(d time.Duration) { f.wait = d }

// Send writes one frame.
func (f *FrameConn) Send(typ FrameType, payload []byte) error {
	if len(payload)+1 > 1<<32-1 {
		return fmt.Errorf("psi: write frame: %d bytes too large", len(payload))
	}
	if err := f.c.SetWriteDeadline(time.Now().Add(f.timeout)); err != nil {
		return fmt.Errorf("psi: write frame: %w", err)
	}
	binary.BigEndian.PutUint32(f.hdr[:4], uint32(len(payload)+1))
	f.hdr[4] = byte(typ)
	if _, err := f.c.Write(f.hdr[:]); err != nil {
		return fmt.Errorf("psi: write frame: %w", err)
	}
	if _, err := f.c.Write(payload); err != nil {
		return fmt.Errorf("psi: write frame: %w", err)
	}
	return nil
}

// Recv returns the next frame. Memory grows with the bytes actually
// received, so a peer that announces a large frame and stalls costs only
// what it sent, until the deadline.
func (f *FrameConn) Recv(limit int) (FrameType, []byte, error) {
	d := f.timeout
	if f.wait >= 0 && f.wait < d {
		d = f.wait
	}
	if d <= 0 {
		return 0, nil, fmt.Errorf("psi: read frame: %w", ErrSessionDeadline)
	}
	t0 := time.Now()
	if err := f.c.SetReadDeadline(t0.Add(d)); err != nil {
		return 0, nil, fmt.Errorf("psi: read frame: %w", err)
	}
	typ, p, err := f.recv(limit)
	if f.wait >= 0 {
		f.wait -= time.Since(t0)
		if err != nil && f.wait <= 0 {
			err = fmt.Errorf("%w: %w", ErrSessionDeadline, err)
		}
	}
	return typ, p, err
}

func (f *FrameConn) recv(limit int) (FrameType, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(f.c, hdr[:5]); err != nil {
		return 0, nil, fmt.Errorf("psi: read frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 {
		return 0, nil, fmt.Errorf("psi: read frame: empty frame")
	}
	if uint64(n-1) > uint64(limit) {
		return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n-1, limit)
	}
	typ := FrameType(hdr[4])
	if !typ.valid() {
		return 0, nil, fmt.Errorf("psi: read frame: unknown frame type %d", typ)
	}
	p, err := readPayload(f.c, int(n-1))
	if err != nil {
		return 0, nil, err
	}
	return typ, p, nil
}

// firstRead is the payload buffer readPayload starts with.
const firstRead = 64 << 10

// readPayload reads an n-byte payload into a slice of exactly n bytes. It
// grows the slice as bytes arrive, doubling from firstRead, so that a peer
// that announces a large frame and stalls costs at most twice what it
// sent; the last step allocates n exactly, so a large frame (an HE
// protocol's keys: gigabytes) ends with no slack, and growing it holds
// less than 2n at any time.
func readPayload(r io.Reader, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	buf := make([]byte, min(n, firstRead))
	got := 0
	for {
		k, err := io.ReadFull(r, buf[got:])
		got += k
		if err != nil {
			return nil, fmt.Errorf("psi: read frame: %d of %d payload bytes: %w", got, n, err)
		}
		if got == n {
			return buf, nil
		}
		next := make([]byte, min(n, 2*len(buf)))
		copy(next, buf)
		buf = next
	}
}

func (t FrameType) valid() bool {
	switch t {
	case FrameHello, FrameMessage, FrameError, FrameNext, FrameKeepAlive:
		return true
	}
	return false
}

// pendingError reads, with a short deadline, an error frame the peer may
// have sent before hanging up, and returns it as a PeerError (nil if none).
func (f *FrameConn) pendingError() error {
	saved, savedWait := f.timeout, f.wait
	f.timeout, f.wait = 500*time.Millisecond, -1
	defer func() { f.timeout, f.wait = saved, savedWait }()
	for i := 0; i < 4; i++ {
		typ, p, err := f.Recv(1 << 10)
		if err != nil {
			return nil
		}
		if typ == FrameError {
			return &PeerError{Text: sanitize(p)}
		}
	}
	return nil
}

// sanitize keeps printable ASCII of a peer's error text, at most 200 bytes.
func sanitize(p []byte) string {
	if len(p) > 200 {
		p = p[:200]
	}
	out := make([]byte, 0, len(p))
	for _, c := range p {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		} else {
			out = append(out, '?')
		}
	}
	return string(out)
}

// pipeEnd is one end of an in-process transport: frames are handed over
// as byte slices, with the same size limits as the TCP transport.
type pipeEnd struct {
	in     <-chan pipeFrame
	out    chan<- pipeFrame
	closed chan struct{} // closed when either end hangs up
	once   *sync.Once
}

type pipeFrame struct {
	typ FrameType
	p   []byte
}

// newPipe returns the two ends of an in-process transport.
func newPipe() (a, b *pipeEnd) {
	ab, ba := make(chan pipeFrame, 8), make(chan pipeFrame, 8)
	closed, once := make(chan struct{}), new(sync.Once)
	return &pipeEnd{in: ba, out: ab, closed: closed, once: once}, &pipeEnd{in: ab, out: ba, closed: closed, once: once}
}

var errPipeClosed = errors.New("psi: in-process transport closed")

func (e *pipeEnd) Send(typ FrameType, payload []byte) error {
	select {
	case e.out <- pipeFrame{typ, payload}:
		return nil
	case <-e.closed:
		return errPipeClosed
	}
}

func (e *pipeEnd) Recv(limit int) (FrameType, []byte, error) {
	select {
	case f := <-e.in:
		if len(f.p) > limit {
			return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(f.p), limit)
		}
		return f.typ, f.p, nil
	case <-e.closed:
		// Frames sent before the hang-up are still delivered.
		select {
		case f := <-e.in:
			if len(f.p) > limit {
				return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(f.p), limit)
			}
			return f.typ, f.p, nil
		default:
			return 0, nil, errPipeClosed
		}
	}
}

// hangUp ends the pipe for both sides.
func (e *pipeEnd) hangUp() { e.once.Do(func() { close(e.closed) }) }
