package psi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The transport frames messages over a stream connection. A frame is a
// 4-byte big-endian length n (1 <= n <= the reader's maximum), a 1-byte
// frame type and n-1 payload bytes. Protocol messages travel in message
// frames; the other types are the runners' control traffic (a hello naming
// the protocol, each side's timings for the transcript, an error text
// before a side hangs up, and, on a connection carrying several queries,
// the client's "another query follows" or "done" after each query). Transcripts count message payloads only: the 5
// bytes of framing per message and the control frames are measurement and
// plumbing a deployment would replace with its own.
const (
	frameHello   byte = 1
	frameMessage byte = 2
	frameStats   byte = 3
	frameError   byte = 4
	frameNext    byte = 5
)

// Default limits of the transport.
const (
	// DefaultMaxUpFrame bounds frames a server reads from a client.
	DefaultMaxUpFrame = 16 << 20
	// DefaultMaxDownFrame bounds frames a client reads from a server; a
	// setup table for 2^20 entries is about 45 MB.
	DefaultMaxDownFrame = 1 << 30
	// DefaultMaxSetupUpFrame bounds the setup message a server reads from
	// a client whose protocol sends one (he-exact's seeded evaluation keys are
	// 11.6-17.2 MB under its 2^14 presets, he-hamming's 45.8 MB).
	DefaultMaxSetupUpFrame = 128 << 20
	// DefaultTimeout bounds each frame's read or write.
	DefaultTimeout = 60 * time.Second
)

// ErrFrameTooLarge is wrapped by read errors for a frame longer than the
// reader's maximum.
var ErrFrameTooLarge = errors.New("psi: frame too large")

// PeerError is the text a peer sent in an error frame before hanging up.
type PeerError struct{ Text string }

func (e *PeerError) Error() string { return "psi: peer reported: " + e.Text }

// frameConn reads and writes frames with a size limit and a per-frame
// deadline.
type frameConn struct {
	c        net.Conn
	maxFrame int
	timeout  time.Duration
	hdr      [5]byte
}

func newFrameConn(c net.Conn, maxFrame int, timeout time.Duration) *frameConn {
	return &frameConn{c: c, maxFrame: maxFrame, timeout: timeout}
}

func (f *frameConn) write(typ byte, payload []byte) error {
	if len(payload)+1 > 1<<32-1 {
		return fmt.Errorf("psi: write frame: %d bytes too large", len(payload))
	}
	if err := f.c.SetWriteDeadline(time.Now().Add(f.timeout)); err != nil {
		return fmt.Errorf("psi: write frame: %w", err)
	}
	binary.BigEndian.PutUint32(f.hdr[:4], uint32(len(payload)+1))
	f.hdr[4] = typ
	if _, err := f.c.Write(f.hdr[:]); err != nil {
		return fmt.Errorf("psi: write frame: %w", err)
	}
	if _, err := f.c.Write(payload); err != nil {
		return fmt.Errorf("psi: write frame: %w", err)
	}
	return nil
}

// read returns the next frame. Memory grows with the bytes actually
// received, so a peer that announces a large frame and stalls costs only
// what it sent, until the deadline.
func (f *frameConn) read() (byte, []byte, error) {
	if err := f.c.SetReadDeadline(time.Now().Add(f.timeout)); err != nil {
		return 0, nil, fmt.Errorf("psi: read frame: %w", err)
	}
	var hdr [5]byte
	if _, err := io.ReadFull(f.c, hdr[:4]); err != nil {
		return 0, nil, fmt.Errorf("psi: read frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 {
		return 0, nil, fmt.Errorf("psi: read frame: empty frame")
	}
	if uint64(n) > uint64(f.maxFrame) {
		return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, f.maxFrame)
	}
	if _, err := io.ReadFull(f.c, hdr[4:5]); err != nil {
		return 0, nil, fmt.Errorf("psi: read frame type: %w", err)
	}
	typ := hdr[4]
	if typ < frameHello || typ > frameNext {
		return 0, nil, fmt.Errorf("psi: read frame: unknown frame type %d", typ)
	}
	var buf bytes.Buffer
	if k, err := io.CopyN(&buf, f.c, int64(n-1)); err != nil {
		return 0, nil, fmt.Errorf("psi: read frame: %d of %d payload bytes: %w", k, n-1, err)
	}
	return typ, buf.Bytes(), nil
}

// expect reads a frame of type want; an error frame becomes a PeerError.
func (f *frameConn) expect(want byte) ([]byte, error) {
	typ, p, err := f.read()
	if err != nil {
		return nil, err
	}
	if typ == frameError {
		return nil, &PeerError{Text: sanitize(p)}
	}
	if typ != want {
		return nil, fmt.Errorf("psi: read frame: got type %d, want %d", typ, want)
	}
	return p, nil
}

// fail sends an error frame, best effort, before the caller hangs up.
func (f *frameConn) fail(err error) {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	_ = f.c.SetWriteDeadline(time.Now().Add(time.Second))
	binary.BigEndian.PutUint32(f.hdr[:4], uint32(len(msg)+1))
	f.hdr[4] = frameError
	_, _ = f.c.Write(append(f.hdr[:], msg...))
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

// pendingError reads, with a short deadline, an error frame the peer may
// have sent before hanging up, and returns it as a PeerError (nil if none).
func (f *frameConn) pendingError() error {
	saved := f.timeout
	f.timeout = 500 * time.Millisecond
	defer func() { f.timeout = saved }()
	for i := 0; i < 4; i++ {
		typ, p, err := f.read()
		if err != nil {
			return nil
		}
		if typ == frameError {
			return &PeerError{Text: sanitize(p)}
		}
	}
	return nil
}
