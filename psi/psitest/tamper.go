package psitest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// Frame is one protocol message a client's transport saw, with where it
// was in the session: its direction, its ordinal among the messages of
// that direction, and the exchange it belonged to (0 for the setup, q for
// the q-th query).
type Frame struct {
	Dir      psi.Direction
	Ordinal  int
	Exchange int
	Bytes    []byte
}

// Mutation rewrites one message frame on its way: it gets the frame as
// sent and returns the bytes to deliver instead (the same slice to leave
// it alone). It runs on the client's side of the connection, so a change
// to a Down frame is what a malicious server (or the network) sends, a
// change to an Up frame what a malicious client (or the network) sends.
type Mutation func(f Frame) []byte

// tamperConn is the client's TCP transport with a Mutation applied to
// every message frame in both directions, and a record of the frames as
// the honest roles produced them. It embeds the FrameConn so that the
// driver still reads the server's error frames as over a plain one.
type tamperConn struct {
	*psi.FrameConn
	mut      Mutation
	exchange int
	n        [2]int // message ordinals per direction
	seen     []Frame
}

func (c *tamperConn) frame(dir psi.Direction, b []byte) []byte {
	d := 0
	if dir == psi.Down {
		d = 1
	}
	f := Frame{Dir: dir, Ordinal: c.n[d], Exchange: c.exchange, Bytes: append([]byte(nil), b...)}
	c.n[d]++
	c.seen = append(c.seen, f)
	if c.mut == nil {
		return b
	}
	return c.mut(f)
}

func (c *tamperConn) Send(typ psi.FrameType, p []byte) error {
	switch typ {
	case psi.FrameNext:
		if len(p) == 1 && p[0] == 1 {
			c.exchange++
		}
	case psi.FrameMessage:
		p = c.frame(psi.Up, p)
	}
	return c.FrameConn.Send(typ, p)
}

func (c *tamperConn) Recv(limit int) (psi.FrameType, []byte, error) {
	typ, p, err := c.FrameConn.Recv(limit)
	if err == nil && typ == psi.FrameMessage {
		p = c.frame(psi.Down, p)
	}
	return typ, p, err
}

// Attempt is what one client session under attack ended with, on both
// sides: the client's outcomes of the queries that finished and its
// first error, every message frame as the honest roles produced it, and
// what the server reported of the session.
type Attempt struct {
	Outcomes []psi.Outcome
	Err      error
	Frames   []Frame
	// ServerErr is the error the server's side ended with, nil for a
	// clean end; ServerOutcomes its outcome of each query it finished.
	ServerErr      error
	ServerOutcomes []psi.Outcome
}

// String says how each side ended.
func (a Attempt) String() string {
	return fmt.Sprintf("client: %s after %d queries; server: %s after %d", errText(a.Err), len(a.Outcomes), errText(a.ServerErr), len(a.ServerOutcomes))
}

// Failed reports whether either side ended the session with an error.
func (a Attempt) Failed() bool { return a.Err != nil || a.ServerErr != nil }

// attackTimeout bounds each frame on both ends of an attacked session, so
// a side that waits for a message the attack withheld fails in bounded
// time; attackHang bounds a whole session (a hang is a failure).
const (
	attackTimeout = 20 * time.Second
	attackHang    = 5 * time.Minute
)

// imageTimeout is attackTimeout for the image suites: an image
// protocol's keys (he-hash-match's are 544 MB at its test preset) take
// tens of seconds to make, send and decode on a loaded machine.
const imageTimeout = 5 * time.Minute

// timeouts are the frame deadline of sessions against sv (the one it
// serves with, attackTimeout when unset) and the bound on a whole
// session: attackHang, or four frame deadlines if longer.
func (s *Served) timeouts() (frame, hang time.Duration) {
	frame = s.timeout
	if frame <= 0 {
		frame = attackTimeout
	}
	return frame, max(attackHang, 4*frame)
}

// Attack runs one client session against sv with mut applied to its
// frames (nil: an honest session): setup, then one query per hash, and
// waits for the server's side to end. It fails t if the client panics,
// the session does not end within attackHang, or either side's error is
// not one of psi's (a clear error names its package).
func Attack(t testing.TB, sv *Served, cli psi.Client, kind phash.Kind, bits int, mut Mutation, hashes ...phash.Hash) Attempt {
	t.Helper()
	return attack(t, sv, cli, kind, bits, mut, hashQueries(hashes))
}

// AttackImages is Attack for a psi.ImageClient: setup, then one query
// per image (none: the setup alone).
func AttackImages(t testing.TB, sv *Served, cli psi.Client, kind phash.Kind, bits int, mut Mutation, imgs ...image.Image) Attempt {
	t.Helper()
	qs := make([]query, len(imgs))
	for i, img := range imgs {
		qs[i] = query{img: img}
	}
	return attack(t, sv, cli, kind, bits, mut, qs)
}

// query is one query of an attacked session: a hash, or an image for a
// psi.ImageClient.
type query struct {
	hash phash.Hash
	img  image.Image
}

// on runs the query on c.
func (q query) on(c *psi.Conn) (*psi.Transcript, error) {
	if q.img != nil {
		return c.QueryImage(q.img)
	}
	return c.Query(q.hash)
}

// hashQueries is one query per hash.
func hashQueries(hs []phash.Hash) []query {
	qs := make([]query, len(hs))
	for i, h := range hs {
		qs[i] = query{hash: h}
	}
	return qs
}

// attack is Attack with the queries given as such.
func attack(t testing.TB, sv *Served, cli psi.Client, kind phash.Kind, bits int, mut Mutation, queries []query) Attempt {
	t.Helper()
	frame, hang := sv.timeouts()
	done := make(chan Attempt, 1)
	var local string
	go func() {
		var a Attempt
		tc := &tamperConn{mut: mut}
		defer func() {
			if r := recover(); r != nil {
				a.Err = fmt.Errorf("psitest: client panicked: %v", r)
			}
			a.Frames = tc.seen
			done <- a
		}()
		nc, err := (&net.Dialer{Timeout: frame}).DialContext(context.Background(), "tcp", sv.Addr)
		if err != nil {
			a.Err = err
			return
		}
		defer nc.Close()
		local = nc.LocalAddr().String()
		tc.FrameConn = psi.NewFrameConn(nc, frame)
		conn, _, err := psi.NewConn(tc, cli, kind, bits, 0)
		if err != nil {
			a.Err = err
			return
		}
		for _, q := range queries {
			tr, err := q.on(conn)
			if err != nil {
				a.Err = err
				conn.Close()
				return
			}
			a.Outcomes = append(a.Outcomes, tr.ClientOutcome)
		}
		a.Err = conn.Close()
	}()
	select {
	case a := <-done:
		if a.Err != nil && !clearError(a.Err) {
			t.Errorf("attacked session: unclear client error %q (want psi's, no panic)", a.Err)
		}
		if local != "" && !sv.ended(local, hang, &a) {
			t.Fatalf("the server's side of an attacked session did not end within %v (a hang)", hang)
		}
		var pe *psi.PeerError
		if a.ServerErr != nil && !errors.As(a.ServerErr, &pe) && !clearError(a.ServerErr) {
			t.Errorf("attacked session: unclear server error %q (want psi's, no panic)", a.ServerErr)
		}
		return a
	case <-time.After(hang):
		t.Fatalf("attacked session did not end within %v (a hang)", hang)
		return Attempt{}
	}
}

// clearError: an error a caller can act on names psi (or the peer's psi
// error) and is not a recovered panic.
func clearError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "psi") && !strings.Contains(s, "panic")
}

// frameAt returns the frame of the given direction and ordinal in fs.
func frameAt(fs []Frame, dir psi.Direction, ord int) (Frame, bool) {
	for _, f := range fs {
		if f.Dir == dir && f.Ordinal == ord {
			return f, true
		}
	}
	return Frame{}, false
}

// only applies edit to the frame of one direction and ordinal.
func only(dir psi.Direction, ord int, edit func([]byte) []byte) Mutation {
	return func(f Frame) []byte {
		if f.Dir != dir || f.Ordinal != ord {
			return f.Bytes
		}
		return edit(append([]byte(nil), f.Bytes...))
	}
}
