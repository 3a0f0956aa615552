// Package psitest holds the conformance suite every psi.Protocol must pass.
// It is for tests only.
package psitest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

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

// Exchange runs setup (when setup is true) and one query like psi.Run and
// returns every message with its encoding, so tests can mutate them. For a
// protocol with per-client state (psi.ServerSetupReceiver) setup must be
// true: the session it opens serves the query and is closed when the test
// ends; use SetupExchange and QueryExchange to run several queries in one
// session.
func Exchange(t testing.TB, srv psi.Server, cli psi.Client, h phash.Hash, setup bool) (msgs []Message, co, so psi.Outcome) {
	t.Helper()
	var qs psi.QueryServer = srv
	if setup {
		var sess psi.ServerSession
		msgs, sess = SetupExchange(t, srv, cli)
		t.Cleanup(func() { sess.Close() })
		qs = sess
	}
	qm, co, so := QueryExchange(t, qs, cli, h)
	return append(msgs, qm...), co, so
}

// SetupExchange runs setup like psi.Open, the server's message down and
// the client's message up when the protocol has them, and returns the
// messages with their encodings and the session serving this client (the
// server itself for protocols without per-client state). The caller closes
// the session.
func SetupExchange(t testing.TB, srv psi.Server, cli psi.Client) (msgs []Message, sess psi.ServerSession) {
	t.Helper()
	m, err := srv.Setup()
	if err != nil {
		t.Fatalf("server setup: %v", err)
	}
	if m != nil {
		b := marshal(t, m)
		msgs = append(msgs, Message{psi.Down, m, b, pool(cli.SetupMessage)})
		in := cli.SetupMessage()
		if in == nil {
			t.Fatal("server sends a setup message, client expects none")
		}
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatalf("decode setup: %v", err)
		}
		if err := cli.Setup(in); err != nil {
			t.Fatalf("client setup: %v", err)
		}
	} else if cli.SetupMessage() != nil {
		t.Fatal("client expects a setup message, server sends none")
	}
	rcv, sok := srv.(psi.ServerSetupReceiver)
	snd, cok := cli.(psi.ClientSetupSender)
	if sok != cok {
		t.Fatalf("server receives a setup message: %v, client sends one: %v", sok, cok)
	}
	if !sok {
		return msgs, noClose{srv}
	}
	up, err := snd.SetupUp()
	if err != nil || up == nil {
		t.Fatalf("client setup up: %v, %v", up, err)
	}
	b := marshal(t, up)
	msgs = append(msgs, Message{psi.Up, up, b, pool(rcv.SetupUpMessage)})
	in := rcv.SetupUpMessage()
	if err := in.UnmarshalBinary(b); err != nil {
		t.Fatalf("decode setup up: %v", err)
	}
	sess, err = rcv.AcceptSetup(in)
	if err != nil {
		t.Fatalf("server accept setup: %v", err)
	}
	return msgs, sess
}

type noClose struct{ psi.Server }

func (noClose) Close() error { return nil }

// QueryExchange runs one query on qs (a server, or a client's session) and
// returns every message with its encoding and both outcomes.
func QueryExchange(t testing.TB, qs psi.QueryServer, cli psi.Client, h phash.Hash) (msgs []Message, co, so psi.Outcome) {
	t.Helper()
	cq, err := cli.NewQuery(h)
	if err != nil {
		t.Fatalf("client query: %v", err)
	}
	sq, err := qs.NewQuery()
	if err != nil {
		t.Fatalf("server query: %v", err)
	}
	out, err := cq.Start()
	if err != nil {
		t.Fatalf("client start: %v", err)
	}
	for i := 0; out != nil; i++ {
		if i > 64 {
			t.Fatal("query does not finish")
		}
		in := sq.Expect()
		if in == nil {
			t.Fatalf("server expects nothing but client sent %s", out.Kind())
		}
		b := marshal(t, out)
		msgs = append(msgs, Message{psi.Up, out, b, pool(sq.Expect)})
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatalf("server decode %s: %v", in.Kind(), err)
		}
		reply, err := sq.Step(in)
		if err != nil {
			t.Fatalf("server step: %v", err)
		}
		out = nil
		if reply == nil {
			continue
		}
		in = cq.Expect()
		if in == nil {
			t.Fatalf("client expects nothing but server sent %s", reply.Kind())
		}
		b = marshal(t, reply)
		msgs = append(msgs, Message{psi.Down, reply, b, pool(cq.Expect)})
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatalf("client decode %s: %v", in.Kind(), err)
		}
		if out, err = cq.Step(in); err != nil {
			t.Fatalf("client step: %v", err)
		}
	}
	if e := cq.Expect(); e != nil {
		t.Fatalf("client still waits for %s", e.Kind())
	}
	if e := sq.Expect(); e != nil {
		t.Fatalf("server still waits for %s", e.Kind())
	}
	return msgs, cq.Outcome(), sq.Outcome()
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
				tr, err := psi.RunQuery(sess, cli, h)
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
	if _, ok := srv.(psi.ServerSetupReceiver); ok {
		t.Run("sessions", func(t *testing.T) { testSessions(t, p, srv, db, listed, near) })
	}
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

// testSessions checks a protocol whose server keeps per-client state: the
// root refuses queries outside a session and RunSetup refuses to drop one,
// two clients' sessions answer concurrently, psi.Run opens and closes its
// own, and a closed session refuses queries.
func testSessions(t *testing.T, p psi.Protocol, srv psi.Server, db *psi.Database, listed, near phash.Hash) {
	if _, err := srv.NewQuery(); !errors.Is(err, psi.ErrNoSession) {
		t.Errorf("root NewQuery: %v, want ErrNoSession", err)
	}
	newClient := func() psi.Client {
		cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return cli
	}
	// RunSetup and RunQuery predate sessions: given the server itself they
	// either work, through a session RunSetup binds to the client, or
	// refuse with ErrNoSession.
	old := newClient()
	if _, err := psi.RunSetup(srv, old); err == nil {
		tr, err := psi.RunQuery(srv, old, listed)
		if err != nil || tr.ServerOutcome.Known && !tr.ServerOutcome.Match {
			t.Errorf("RunQuery after RunSetup: %v, server outcome %v", err, tr.ServerOutcome)
		}
		if err := psi.EndSetup(srv, old); err != nil {
			t.Error(err)
		}
		if _, err := psi.RunQuery(srv, old, listed); !errors.Is(err, psi.ErrNoSession) {
			t.Errorf("RunQuery after EndSetup: %v, want ErrNoSession", err)
		}
	} else if !errors.Is(err, psi.ErrNoSession) {
		t.Errorf("RunSetup: %v, want success or ErrNoSession", err)
	}
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
	sess, _, err := psi.Open(srv, newClient())
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.NewQuery(); !errors.Is(err, psi.ErrSessionClosed) {
		t.Errorf("closed session NewQuery: %v, want ErrSessionClosed", err)
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
