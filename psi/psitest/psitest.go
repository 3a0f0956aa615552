// Package psitest holds the suites every psi.Protocol runs from its own
// package's tests: the conformance suite (TestProtocol), the attack suite
// (TestAdversarial: a malicious client, a malicious server and the
// network against the real drivers over TCP, each attack named by the
// ledger claim it checks) and, for servers that are psi.Auditable, the
// device's audit check at setup (TestAuditedSetup). Image protocols,
// whose queries cost minutes, run TestImageProtocol and the image
// variants TestAdversarialImage and TestAuditedSetupImage. It is for
// tests only.
package psitest

import (
	"bytes"
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

// Pair builds p's server over db and a client for db's kind and width,
// both with default options.
func Pair(t testing.TB, p psi.Protocol, db *psi.Database) (psi.Server, psi.Client) {
	t.Helper()
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatalf("%s: NewServer: %v", p.Name(), err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatalf("%s: NewClient: %v", p.Name(), err)
	}
	return srv, cli
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
	msgs, cq, sq := RunQuery(t, sess, cli, h)
	return msgs, cq.Outcome(), sq.Outcome()
}

// RunQuery runs one query in sess, as QueryExchange does, and returns
// every message and both sides' steps, for tests that look inside them.
func RunQuery(t testing.TB, sess psi.ServerSession, cli psi.Client, h phash.Hash) (msgs []Message, cq, sq psi.Steps) {
	t.Helper()
	cq, err := cli.NewQuery(h)
	if err != nil {
		t.Fatalf("client query: %v", err)
	}
	sq, err = sess.NewQuery()
	if err != nil {
		t.Fatalf("server query: %v", err)
	}
	return Steps(t, cq, sq), cq, sq
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

// CheckFixedSize is the property of a decoder whose length the parameters
// fix, for fuzzers: m, made to hold size bytes, accepts b exactly when size
// is positive and b has that length, and it holds CheckDecode.
func CheckFixedSize(t testing.TB, m psi.Message, b []byte, size int) {
	t.Helper()
	err := m.UnmarshalBinary(b)
	if (err == nil) != (size > 0 && len(b) == size) {
		t.Fatalf("%s: size %d, %d bytes: err %v", m.Kind(), size, len(b), err)
	}
	CheckDecode(t, m, b)
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

// OfferSetup starts cli's setup, hands it the server message m through its
// encoding, and returns the client's verdict.
func OfferSetup(t testing.TB, cli psi.Client, m psi.Message) error {
	t.Helper()
	st, err := cli.Setup()
	if err != nil {
		return err
	}
	if _, err := st.Start(); err != nil {
		return err
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	in := st.Expect()
	if in == nil {
		t.Fatal("client setup expects nothing")
	}
	if err := in.UnmarshalBinary(b); err != nil {
		return err
	}
	_, err = st.Step(in)
	return err
}

// ClientReply runs one query for h up to the client's reply: the client
// starts, the server answers, the client replies. It returns the server's
// query, waiting for that reply, and the reply's encoding, so a test can
// alter it before handing it on.
func ClientReply(t testing.TB, cli psi.Client, sess psi.ServerSession, h phash.Hash) (sq psi.Steps, reply []byte) {
	t.Helper()
	cq, err := cli.NewQuery(h)
	if err != nil {
		t.Fatal(err)
	}
	sq, err = sess.NewQuery()
	if err != nil {
		t.Fatal(err)
	}
	m, err := cq.Start()
	if err != nil {
		t.Fatal(err)
	}
	// Rounds before the last (he-exact's OPRF round) pass straight through.
	for {
		ans, err := sq.Step(m)
		if err != nil {
			t.Fatal(err)
		}
		if m, err = cq.Step(ans); err != nil {
			t.Fatal(err)
		}
		if m == nil || cq.Expect() == nil {
			break
		}
	}
	if m == nil {
		t.Fatal("client sent no reply")
	}
	reply, err = m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return sq, reply
}
