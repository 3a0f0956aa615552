// Package plaintext is the "plaintext-server" protocol, the cost
// baseline with no privacy: see Protocol.
package plaintext

import (
	_ "embed"
	"fmt"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/privmatch/privmatch/phash"
)

// Protocol is the "plaintext-server" protocol, the cost baseline
// with no privacy at all: the client sends its hash in the clear and the
// server answers with the match bit.
//
//	client                                  server
//	  |  Query: hash (ceil(bits/8) B)  |
//	  |---------------------------------------->|  look up hash in a set
//	  |  Answer: match bit (1 B)       |
//	  |<----------------------------------------|
//
// Threat model: none is resisted. The server sees every hash the client
// checks, matched or not, and a network observer without transport
// encryption sees the same; a malicious server can answer anything and a
// malicious client can probe the database one hash at a time. It exists to
// show the cost floor (one hash up, one bit down, a map look-up) that the
// private protocols are measured against.
var Protocol psi.Protocol = plaintextProtocol{kit.Fixed{Proto: plaintextName, LedgerJSON: ledgerJSON, Dir: "psi/plaintext"}}

// ledgerJSON is the protocol's ledger as data.
//
//go:embed ledger.json
var ledgerJSON []byte

const plaintextName = "plaintext-server"

func init() { psi.Register(Protocol) }

type plaintextProtocol struct{ kit.Fixed }

func (plaintextProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.ExactServer(plaintextName, db, opts); err != nil {
		return nil, err
	}
	set := make(map[phash.Hash]struct{}, len(db.Hashes))
	for _, h := range db.Hashes {
		set[h] = struct{}{}
	}
	return &plaintextServer{kind: db.Kind, bits: db.Bits, set: set}, nil
}

func (p plaintextProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if err := kit.ExactClient(p.Name(), false, kind, bits, opts); err != nil {
		return nil, err
	}
	return &plaintextClient{kind: kind, bits: bits}, nil
}

// Query is the client's hash in the clear.
type Query struct {
	kind phash.Kind
	bits int
	Hash phash.Hash
}

// Kind names the message.
func (*Query) Kind() string { return plaintextName + "/query" }

// BinarySize is ceil(bits/8).
func (m *Query) BinarySize() int { return kit.HashBytes(m.bits) }

// MarshalBinary writes the hash's big-endian bytes.
func (m *Query) MarshalBinary() ([]byte, error) {
	if m.Hash.Kind() != m.kind || m.Hash.Bits() != m.bits {
		return nil, fmt.Errorf("psi: encode %s: hash is %s/%d, want %s/%d", m.Kind(), m.Hash.Kind(), m.Hash.Bits(), m.kind, m.bits)
	}
	return m.Hash.Bytes(), nil
}

// UnmarshalBinary reads a hash of the kind and length the receiving role
// expects.
func (m *Query) UnmarshalBinary(b []byte) error {
	h, err := kit.DecodeHash(m.kind, m.bits, b)
	if err != nil {
		return fmt.Errorf("psi: decode %s: %w", m.Kind(), err)
	}
	m.Hash = h
	return nil
}

// Answer is the server's match bit.
type Answer struct {
	Match bool
}

// Kind names the message.
func (*Answer) Kind() string { return plaintextName + "/answer" }

// BinarySize is 1.
func (*Answer) BinarySize() int { return 1 }

// MarshalBinary writes 1 for a match, 0 otherwise.
func (m *Answer) MarshalBinary() ([]byte, error) {
	if m.Match {
		return []byte{1}, nil
	}
	return []byte{0}, nil
}

// UnmarshalBinary accepts exactly one byte, 0 or 1.
func (m *Answer) UnmarshalBinary(b []byte) error {
	if len(b) != 1 || b[0] > 1 {
		return fmt.Errorf("psi: decode %s: want one byte 0 or 1, got %d bytes", m.Kind(), len(b))
	}
	m.Match = b[0] == 1
	return nil
}

type plaintextServer struct {
	kind phash.Kind
	bits int
	set  map[phash.Hash]struct{}
}

func (s *plaintextServer) Protocol() string { return plaintextName }
func (s *plaintextServer) NewSession() (psi.ServerSession, error) {
	return kit.Shared{Proto: plaintextName, Query: func() (psi.Steps, error) { return &plaintextServerQuery{srv: s}, nil }}, nil
}

type plaintextServerQuery struct {
	kit.ServerStart
	srv  *plaintextServer
	done bool
	out  psi.Outcome
}

func (q *plaintextServerQuery) Expect() psi.Message {
	if q.done {
		return nil
	}
	return &Query{kind: q.srv.kind, bits: q.srv.bits}
}

func (q *plaintextServerQuery) Step(in psi.Message) (psi.Message, error) {
	m, ok := in.(*Query)
	if !ok || q.done {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T", plaintextName, in)
	}
	q.done = true
	_, match := q.srv.set[m.Hash]
	q.out = psi.Outcome{Known: true, Match: match}
	return &Answer{Match: match}, nil
}

func (q *plaintextServerQuery) Outcome() psi.Outcome { return q.out }

type plaintextClient struct {
	kind phash.Kind
	bits int
}

func (c *plaintextClient) Protocol() string          { return plaintextName }
func (c *plaintextClient) Setup() (psi.Steps, error) { return kit.Recv(plaintextName, nil, nil), nil }

func (c *plaintextClient) NewQuery(h phash.Hash) (psi.Steps, error) {
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", plaintextName, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	return &plaintextClientQuery{c: c, h: h}, nil
}

type plaintextClientQuery struct {
	c       *plaintextClient
	h       phash.Hash
	started bool
	done    bool
	out     psi.Outcome
}

func (q *plaintextClientQuery) Start() (psi.Message, error) {
	if q.started {
		return nil, fmt.Errorf("psi: %s client: query already started", plaintextName)
	}
	q.started = true
	return &Query{kind: q.c.kind, bits: q.c.bits, Hash: q.h}, nil
}

func (q *plaintextClientQuery) Expect() psi.Message {
	if !q.started || q.done {
		return nil
	}
	return &Answer{}
}

func (q *plaintextClientQuery) Step(in psi.Message) (psi.Message, error) {
	m, ok := in.(*Answer)
	if !ok || !q.started || q.done {
		return nil, fmt.Errorf("psi: %s client: unexpected message %T", plaintextName, in)
	}
	q.done = true
	q.out = psi.Outcome{Known: true, Match: m.Match}
	return nil, nil
}

func (q *plaintextClientQuery) Outcome() psi.Outcome { return q.out }
