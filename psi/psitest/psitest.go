// Package psitest holds the conformance suite every psi.Protocol must pass.
// It is for tests only.
package psitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// Kind is the hash kind the suite's synthetic databases use.
const Kind phash.Kind = "test"

// Database returns n random 256-bit hashes of kind Kind, deterministic from
// seed.
func Database(t testing.TB, n int, seed uint64) *psi.Database {
	t.Helper()
	db, err := psi.Synth(Kind, 256, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// FlipBit returns h with bit i flipped: a near miss at distance 1.
func FlipBit(t testing.TB, h phash.Hash, i int) phash.Hash {
	t.Helper()
	b := h.Bytes()
	pos := len(b) - 1 - i/8
	b[pos] ^= 1 << (i % 8)
	g, err := phash.NewHash(h.Kind(), h.Bits(), b)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Message is one message captured by Exchange, with its encoding and a
// constructor for an empty value of its type as the receiver builds it.
type Message struct {
	Dir   psi.Direction
	Sent  psi.Message
	Bytes []byte
	Fresh func() psi.Message
}

// Exchange runs setup (when setup is true) and one query at the level of
// the state machines and returns every message with its encoding, so
// tests can mutate them. Without setup, the query runs in a session whose
// setup was never run (servers must refuse or cope). The session is
// closed when the test ends; use SetupExchange and QueryExchange to run
// several queries in one session.
func Exchange(t testing.TB, srv psi.Server, cli psi.Client, h phash.Hash, setup bool) (msgs []Message, co, so psi.Outcome) {
	t.Helper()
	var sess psi.ServerSession
	if setup {
		msgs, sess = SetupExchange(t, srv, cli)
	} else {
		var err error
		if sess, err = srv.NewSession(); err != nil {
			t.Fatalf("server session: %v", err)
		}
	}
	t.Cleanup(func() { sess.Close() })
	qm, co, so := QueryExchange(t, sess, cli, h)
	return append(msgs, qm...), co, so
}

// SetupExchange opens a server session and runs its setup against the
// client's, through every message's encoding, and returns the messages
// and the session. The caller closes the session.
func SetupExchange(t testing.TB, srv psi.Server, cli psi.Client) (msgs []Message, sess psi.ServerSession) {
	t.Helper()
	sess, err := srv.NewSession()
	if err != nil {
		t.Fatalf("server session: %v", err)
	}
	ss, err := sess.Setup()
	if err != nil {
		t.Fatalf("server setup: %v", err)
	}
	cs, err := cli.Setup()
	if err != nil {
		t.Fatalf("client setup: %v", err)
	}
	return Steps(t, cs, ss), sess
}

// QueryExchange runs one query in sess and returns every message with its
// encoding and both outcomes.
func QueryExchange(t testing.TB, sess psi.ServerSession, cli psi.Client, h phash.Hash) (msgs []Message, co, so psi.Outcome) {
	t.Helper()
	cq, err := cli.NewQuery(h)
	if err != nil {
		t.Fatalf("client query: %v", err)
	}
	sq, err := sess.NewQuery()
	if err != nil {
		t.Fatalf("server query: %v", err)
	}
	msgs = Steps(t, cq, sq)
	return msgs, cq.Outcome(), sq.Outcome()
}

// Steps runs a client's and a server's side of one exchange against each
// other, through every message's encoding (checking BinarySize), until
// neither has anything to send, and fails the test if either still waits.
func Steps(t testing.TB, cs, ss psi.Steps) (msgs []Message) {
	t.Helper()
	start := func(side string, s psi.Steps) psi.Message {
		m, err := s.Start()
		if err != nil {
			t.Fatalf("%s start: %v", side, err)
		}
		return m
	}
	deliver := func(dir psi.Direction, m psi.Message, to psi.Steps, side string) psi.Message {
		in := to.Expect()
		if in == nil {
			t.Fatalf("%s expects nothing but was sent %s", side, m.Kind())
		}
		b := marshal(t, m)
		msgs = append(msgs, Message{dir, m, b, pool(to.Expect)})
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s decode %s: %v", side, in.Kind(), err)
		}
		out, err := to.Step(in)
		if err != nil {
			t.Fatalf("%s step: %v", side, err)
		}
		return out
	}
	up, down := start("client", cs), start("server", ss)
	for i := 0; up != nil || down != nil; i++ {
		if i > 64 {
			t.Fatal("exchange does not finish")
		}
		if up != nil {
			m := up
			up = nil
			if r := deliver(psi.Up, m, ss, "server"); r != nil {
				if down != nil {
					t.Fatalf("server sends %s while %s is pending", r.Kind(), down.Kind())
				}
				down = r
			}
		}
		if down != nil {
			m := down
			down = nil
			up = deliver(psi.Down, m, cs, "client")
		}
	}
	if e := cs.Expect(); e != nil {
		t.Fatalf("client still waits for %s", e.Kind())
	}
	if e := ss.Expect(); e != nil {
		t.Fatalf("server still waits for %s", e.Kind())
	}
	return msgs
}

// pool calls expect now, while the role still expects the message, and
// hands out those fresh values later.
func pool(expect func() psi.Message) func() psi.Message {
	var p []psi.Message
	for i := 0; i < 16; i++ {
		p = append(p, expect())
	}
	return func() psi.Message {
		if len(p) == 0 {
			panic("psitest: message pool exhausted")
		}
		m := p[0]
		p = p[1:]
		return m
	}
}

// CheckDecode is the property every decoder must hold, for fuzzers: bytes
// either fail to decode with an error, or decode to a message whose
// encoding is the same bytes and whose BinarySize is their length.
func CheckDecode(t testing.TB, m psi.Message, b []byte) {
	t.Helper()
	if err := m.UnmarshalBinary(b); err != nil {
		return
	}
	again, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("%s: decoded but does not re-encode: %v", m.Kind(), err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("%s: round trip changed the bytes", m.Kind())
	}
	if m.BinarySize() != len(b) {
		t.Fatalf("%s: BinarySize %d, %d bytes", m.Kind(), m.BinarySize(), len(b))
	}
}

func marshal(t testing.TB, m psi.Message) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("encode %s: %v", m.Kind(), err)
	}
	if len(b) != m.BinarySize() {
		t.Fatalf("%s: BinarySize %d, encoding %d bytes", m.Kind(), m.BinarySize(), len(b))
	}
	return b
}

// TestProtocol runs the conformance suite on p: a listed hash matches, a
// near miss (one bit off) does not, a protocol that accepts a Hamming
// threshold t matches at distance t and not at t+1, both sides agree when both learn the
// result, who learns it agrees with the ledger, every message's BinarySize
// equals its encoding and survives a round trip, truncated or extended
// messages are rejected without panicking, a hash of another kind is
// refused, and concurrent queries on one server and client agree with the
// plaintext answer.
func TestProtocol(t *testing.T, p psi.Protocol) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	db := Database(t, 200, seed)
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if srv.Protocol() != p.Name() || cli.Protocol() != p.Name() {
		t.Fatalf("roles report protocol %q/%q, want %q", srv.Protocol(), cli.Protocol(), p.Name())
	}
	led := p.Ledger()
	if led.Protocol != p.Name() {
		t.Errorf("ledger names %q, want %q", led.Protocol, p.Name())
	}
	listed := db.Hashes[len(db.Hashes)/3]
	near := FlipBit(t, listed, 7)
	if db.Contains(near) {
		t.Fatal("near miss happens to be listed; change the seed")
	}
	all, sess := SetupExchange(t, srv, cli)
	defer sess.Close()
	for _, tc := range []struct {
		name string
		h    phash.Hash
		want bool
	}{{"listed", listed, true}, {"near-miss", near, false}, {"listed-first", db.Hashes[0], true}, {"listed-last", db.Hashes[len(db.Hashes)-1], true}} {
		msgs, co, so := QueryExchange(t, sess, cli, tc.h)
		all = append(all, msgs...)
		for _, o := range []struct {
			side string
			o    psi.Outcome
		}{{"client", co}, {"server", so}} {
			if o.o.Known && o.o.Match != tc.want {
				t.Errorf("%s: %s outcome %v, want match=%v", tc.name, o.side, o.o, tc.want)
			}
			if o.o.Known != led.Learns(o.side, tc.want, psi.FactMatchBit) {
				t.Errorf("%s: %s knows=%v but ledger says learns match bit=%v", tc.name, o.side, o.o.Known, led.Learns(o.side, tc.want, psi.FactMatchBit))
			}
		}
		if !co.Known && !so.Known {
			t.Errorf("%s: neither side learned the result", tc.name)
		}
		if co.Known && so.Known && co.Match != so.Match {
			t.Errorf("%s: sides disagree: client %v, server %v", tc.name, co, so)
		}
	}
	t.Run("messages", func(t *testing.T) {
		for _, m := range all {
			checkMessage(t, m)
		}
	})
	t.Run("wrong-kind", func(t *testing.T) {
		other, err := phash.NewHash("other", 256, listed.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.NewQuery(other); err == nil {
			t.Error("client accepted a hash of another kind")
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				h := db.Hashes[i*7]
				want := true
				if i%2 == 1 {
					h = FlipBit(t, h, i)
					want = db.Contains(h)
				}
				tr, err := psi.Run(srv, cli, h)
				if err != nil {
					errs <- err
					return
				}
				for _, o := range []psi.Outcome{tr.ClientOutcome, tr.ServerOutcome} {
					if o.Known && o.Match != want {
						errs <- fmt.Errorf("query %d: outcome %v, want %v", i, o, want)
					}
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("threshold", func(t *testing.T) { testThreshold(t, p, db, listed) })
	if keysUp(all) {
		t.Run("sessions", func(t *testing.T) { testSessions(t, p, srv, db, listed, near) })
	}
	t.Run("driver", func(t *testing.T) { testDriver(t, srv, cli, db, listed) })
}

// checkMessage checks one captured message: size, round trip, and that
// every truncation and an extension are rejected.
func checkMessage(t *testing.T, m Message) {
	t.Helper()
	in := m.Fresh()
	if err := in.UnmarshalBinary(m.Bytes); err != nil {
		t.Fatalf("%s: decode: %v", m.Sent.Kind(), err)
	}
	again, err := in.MarshalBinary()
	if err != nil {
		t.Fatalf("%s: re-encode: %v", m.Sent.Kind(), err)
	}
	if !bytes.Equal(again, m.Bytes) {
		t.Errorf("%s: round trip changed the encoding", m.Sent.Kind())
	}
	if in.BinarySize() != len(m.Bytes) {
		t.Errorf("%s: decoded BinarySize %d, encoding %d", m.Sent.Kind(), in.BinarySize(), len(m.Bytes))
	}
	cuts := []int{0, 1, len(m.Bytes) / 2, len(m.Bytes) - 1}
	for _, n := range cuts {
		if n < 0 || n >= len(m.Bytes) {
			continue
		}
		if err := m.Fresh().UnmarshalBinary(m.Bytes[:n]); err == nil {
			t.Errorf("%s: truncated to %d of %d bytes, decoded without error", m.Sent.Kind(), n, len(m.Bytes))
		}
	}
	if err := m.Fresh().UnmarshalBinary(append(append([]byte(nil), m.Bytes...), 0)); err == nil {
		t.Errorf("%s: one extra byte decoded without error", m.Sent.Kind())
	}
}

// keysUp reports whether the client sent anything up during setup: such
// a protocol keeps per-client state on the server.
func keysUp(msgs []Message) bool {
	for _, m := range msgs {
		if m.Dir == psi.Up && strings.Contains(m.Sent.Kind(), "key") {
			return true
		}
	}
	return false
}

// testSessions checks a protocol whose server keeps per-client state: a
// session refuses queries before its setup and after Close, and two
// clients' in-process sessions run concurrently, each sending its keys.
func testSessions(t *testing.T, p psi.Protocol, srv psi.Server, db *psi.Database, listed, near phash.Hash) {
	newClient := func() psi.Client {
		cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return cli
	}
	fresh, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.NewQuery(); err == nil {
		t.Error("session answered a query before its setup")
	}
	fresh.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i, h := range []phash.Hash{listed, near} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := psi.Run(srv, newClient(), h)
			if err == nil && tr.SetupUpBytes() == 0 {
				err = fmt.Errorf("client %d: no setup bytes up", i)
			}
			if err == nil && tr.ServerOutcome.Known && tr.ServerOutcome.Match != (i == 0) {
				err = fmt.Errorf("client %d: server outcome %v", i, tr.ServerOutcome)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, sess := SetupExchange(t, srv, newClient())
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.NewQuery(); !errors.Is(err, psi.ErrSessionClosed) {
		t.Errorf("closed session NewQuery: %v, want ErrSessionClosed", err)
	}
}

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

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var served []psi.Session
	done := make(chan error, 1)
	go func() {
		done <- psi.Serve(ctx, ln, srv, db.Kind, db.Bits, psi.ServeOptions{Report: func(s psi.Session) {
			mu.Lock()
			served = append(served, s)
			mu.Unlock()
		}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
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
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(served)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
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

// SuiteThreshold is the Hamming threshold the suite asks of protocols that
// accept one (PDQ's usual threshold for its 256-bit hashes).
const SuiteThreshold = 31

// testThreshold checks a similarity protocol at distance SuiteThreshold
// (match) and SuiteThreshold+1 (no match) from a listed hash. Exact
// protocols refuse the threshold and skip: TestExactRejectsThreshold-style
// checks belong to their own tests.
func testThreshold(t *testing.T, p psi.Protocol, db *psi.Database, listed phash.Hash) {
	opts := psi.Options{Threshold: SuiteThreshold}
	srv, err := p.NewServer(db, opts)
	if err != nil {
		t.Skipf("exact protocol: NewServer refuses threshold %d: %v", SuiteThreshold, err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, opts)
	if err != nil {
		t.Fatalf("NewClient with threshold %d: %v", SuiteThreshold, err)
	}
	_, sess := SetupExchange(t, srv, cli)
	defer sess.Close()
	led := p.Ledger()
	for _, d := range []int{SuiteThreshold, SuiteThreshold + 1} {
		h := listed
		for i := 0; i < d; i++ {
			h = FlipBit(t, h, i*5%db.Bits) // 5 is prime to 256: d distinct bits
		}
		want := d <= SuiteThreshold
		if got, err := phash.Distance(h, listed); err != nil || got != d {
			t.Fatalf("probe at distance %d, %v", got, err)
		}
		for _, e := range db.Hashes {
			if n, _ := phash.Distance(h, e); n <= SuiteThreshold && e != listed {
				t.Fatalf("another entry lies within %d of the probe; change the seed", SuiteThreshold)
			}
		}
		_, co, so := QueryExchange(t, sess, cli, h)
		if !co.Known && !so.Known {
			t.Errorf("distance %d: neither side learned the result", d)
		}
		for _, o := range []struct {
			side string
			o    psi.Outcome
		}{{"client", co}, {"server", so}} {
			if o.o.Known && o.o.Match != want {
				t.Errorf("distance %d, threshold %d: %s outcome %v, want match=%v", d, SuiteThreshold, o.side, o.o, want)
			}
			if o.o.Known != led.Learns(o.side, want, psi.FactMatchBit) {
				t.Errorf("distance %d: %s knows=%v, ledger disagrees", d, o.side, o.o.Known)
			}
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
