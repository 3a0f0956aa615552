package heexact_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

// tamperClient is an he-exact client that zeroes the last quarter of its
// reply (not the query the OPRF round is answered with) in the queries whose index is in bad (a malicious client trying
// to turn a match into a non-match).
type tamperClient struct {
	psi.Client
	bad map[int]bool
	n   int
}

func (c *tamperClient) NewQuery(h phash.Hash) (psi.Steps, error) {
	s, err := c.Client.NewQuery(h)
	c.n++
	return &tamperSteps{Steps: s, on: c.bad[c.n-1]}, err
}

type tamperSteps struct {
	psi.Steps
	on bool
}

func (s *tamperSteps) Step(in psi.Message) (psi.Message, error) {
	out, err := s.Steps.Step(in)
	if err != nil || out == nil || !s.on || !strings.HasSuffix(out.Kind(), "/reply") {
		return out, err
	}
	b, err := out.MarshalBinary()
	if err != nil {
		return nil, err
	}
	bad := append([]byte(nil), b...)
	for i := len(bad) - 1; i >= len(bad)*3/4; i-- {
		bad[i] = 0
	}
	return &rawMessage{kind: out.Kind(), b: bad}, nil
}

// rawMessage is a message of given bytes.
type rawMessage struct {
	kind string
	b    []byte
}

func (m *rawMessage) Kind() string                   { return m.kind }
func (m *rawMessage) BinarySize() int                { return len(m.b) }
func (m *rawMessage) MarshalBinary() ([]byte, error) { return m.b, nil }
func (m *rawMessage) UnmarshalBinary(b []byte) error { m.b = append([]byte(nil), b...); return nil }

// frameLog is a Transport that keeps the type and length of every frame
// the client receives.
type frameLog struct {
	psi.Transport
	frames []string
}

func (r *frameLog) Recv(limit int) (psi.FrameType, []byte, error) {
	typ, p, err := r.Transport.Recv(limit)
	if err == nil && typ != psi.FrameKeepAlive {
		r.frames = append(r.frames, fmt.Sprintf("%d:%d", typ, len(p)))
	}
	return typ, p, err
}

// TestTamperedReplyLooksNormal: over TCP, a client that alters its reply
// in its first query receives exactly the frames (types and sizes) an
// honest client receives, and its session goes on; only the server's
// record says the reply was tampered with. Before the fix the server
// answered a caught alteration with an error frame and hung up: a one-bit
// oracle telling the client whether its alteration was caught.
func TestTamperedReplyLooksNormal(t *testing.T) {
	db := psitest.Database(t, 50, 24)
	srv := heServer(t, db, 0)
	sv := psitest.Serve(t, srv, db, psi.ServeOptions{Timeout: 20 * time.Second})
	run := func(bad map[int]bool) (string, []string) {
		c, err := net.Dial("tcp", sv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		log := &frameLog{Transport: psi.NewFrameConn(c, 20*time.Second)}
		cli := &tamperClient{Client: heClient(t, db), bad: bad}
		conn, _, err := psi.NewConn(log, cli, db.Kind, db.Bits, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if _, err := conn.Query(db.Hashes[5]); err != nil {
				t.Fatalf("tampering %v: query %d: %v", bad, i, err)
			}
		}
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		return c.LocalAddr().String(), log.frames
	}
	honestAddr, honest := run(nil)
	tamperAddr, tampered := run(map[int]bool{0: true})
	if fmt.Sprint(honest) != fmt.Sprint(tampered) {
		t.Errorf("frames received: honest %v, tampering %v", honest, tampered)
	}
	waitReports := func(addr string) []psi.Session {
		var rs []psi.Session
		sv.Wait(10*time.Second, func(ss []psi.Session) bool {
			rs = rs[:0]
			for _, s := range ss {
				if s.Remote == addr {
					rs = append(rs, s)
				}
			}
			return len(rs) >= 2
		})
		return rs
	}
	hr, tr := waitReports(honestAddr), waitReports(tamperAddr)
	sv.Stop()
	if len(hr) != 2 || len(tr) != 2 {
		t.Fatalf("server reports: honest %d, tampering %d, want 2 each", len(hr), len(tr))
	}
	for i, s := range append(hr, tr...) {
		o := s.Transcript.ServerOutcome
		wantTampered := i == 2
		if s.Err != nil || o.Tampered != wantTampered || (!wantTampered && (!o.Known || !o.Match)) {
			t.Errorf("report %d (query %d): err %v, outcome %+v", i, s.Query, s.Err, o)
		}
	}
	t.Logf("frames each client received: %v", honest)
}
