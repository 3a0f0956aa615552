package psi

import (
	"fmt"

	"github.com/privmatch/privmatch/phash"
)

// memberProto is this package's own test protocol, so the driver's tests
// need no protocol package (those import psi): the client sends its hash's
// bytes, the server answers one byte, 1 when listed.
type memberProto struct{}

func (memberProto) Name() string   { return "test-member" }
func (memberProto) Ledger() Ledger { return Ledger{Protocol: "test-member", ResultTo: "both"} }

func (memberProto) NewServer(db *Database, _ Options) (Server, error) {
	set := map[phash.Hash]bool{}
	for _, h := range db.Hashes {
		set[h] = true
	}
	return memberServer{set}, nil
}

func (memberProto) NewClient(kind phash.Kind, bits int, _ Options) (Client, error) {
	return memberClient{kind, bits}, nil
}

type memberServer struct{ set map[phash.Hash]bool }

func (memberServer) Protocol() string                     { return "test-member" }
func (s memberServer) NewSession() (ServerSession, error) { return memberSession(s), nil }

type memberSession memberServer

func (memberSession) Setup() (Steps, error) { return &fixedSteps{}, nil }
func (s memberSession) NewQuery() (Steps, error) {
	return &fixedSteps{expect: &rawMsg{n: 32}, answer: func(m Message) Message {
		h, _ := phash.NewHash("test", 256, m.(*rawMsg).b)
		if s.set[h] {
			return &rawMsg{n: 1, b: []byte{1}}
		}
		return &rawMsg{n: 1, b: []byte{0}}
	}}, nil
}
func (memberSession) Close() error { return nil }

type memberClient struct {
	kind phash.Kind
	bits int
}

func (memberClient) Protocol() string      { return "test-member" }
func (memberClient) Setup() (Steps, error) { return &fixedSteps{}, nil }
func (c memberClient) NewQuery(h phash.Hash) (Steps, error) {
	return &fixedSteps{first: &rawMsg{n: 32, b: h.Bytes()}, expect: &rawMsg{n: 1}, client: true}, nil
}

// fixedSteps sends first (if set), then receives expect (if set) and
// answers it (if answer is set).
type fixedSteps struct {
	first, expect Message
	answer        func(Message) Message
	client        bool
	got           Message
	started       bool
}

func (s *fixedSteps) Start() (Message, error) { s.started = true; return s.first, nil }
func (s *fixedSteps) Expect() Message {
	if !s.started || s.got != nil {
		return nil
	}
	return s.expect
}
func (s *fixedSteps) Step(in Message) (Message, error) {
	s.got = in
	if s.answer != nil {
		return s.answer(in), nil
	}
	return nil, nil
}
func (s *fixedSteps) Outcome() Outcome {
	if m, ok := s.got.(*rawMsg); ok && s.client {
		return Outcome{Known: true, Match: m.b[0] == 1}
	}
	return Outcome{}
}

// rawMsg is n bytes.
type rawMsg struct {
	n int
	b []byte
}

func (m *rawMsg) Kind() string                   { return fmt.Sprintf("test/%d", m.n) }
func (m *rawMsg) BinarySize() int                { return m.n }
func (m *rawMsg) MarshalBinary() ([]byte, error) { return m.b, nil }
func (m *rawMsg) UnmarshalBinary(b []byte) error {
	if len(b) != m.n {
		return fmt.Errorf("want %d bytes, got %d", m.n, len(b))
	}
	m.b = append([]byte(nil), b...)
	return nil
}
