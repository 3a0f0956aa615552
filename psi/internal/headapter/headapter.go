// Package headapter is the one adapter of psi's HE protocols (he-exact,
// he-hamming) over their engines' shared setup/query/finish shape.
package headapter

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/privmatch/privmatch/phash"
)

// The HE protocols (he-exact, he-hamming) share one shape, and this file
// is its one adapter: setup sends the engine's parameters down and the
// client's keys up, once per session; a query sends the encrypted query
// up, the masked answer down and the client's decrypted reply up, from
// which the server reads the verdict. Each protocol supplies its
// parameters message, how a client checks it, and its engine's calls.
//
//	client (secret key)                        server (db, per-client keys)
//	  |  params (protocol's own message) ---------|  setup, down
//	  |  Blob keys --------------------------->|  setup, up; session holds them
//	  |  Blob query -------------------------->|  evaluate
//	  |  Blob answer <--------------------------|
//	  |  Blob reply -------------------------->|  verdict
//	  |          (nothing comes back)             |

// Blob is an HE protocol message whose bytes are one of the engine's
// wire encodings (keys, query, answer or reply), of a length the
// parameters fix; the engine validates the content when it uses it.
type Blob struct {
	kind string
	size int
	// Data is the engine's encoding.
	Data []byte
}

func NewBlob(kind string, size int) *Blob { return &Blob{kind: kind, size: size} }

func BlobOf(kind string, data []byte) *Blob {
	return &Blob{kind: kind, size: len(data), Data: data}
}

// Kind names the message, such as "he-exact/query".
func (m *Blob) Kind() string { return m.kind }

// BinarySize is the length the parameters fix.
func (m *Blob) BinarySize() int { return m.size }

// MarshalBinary returns the bytes, which must have the fixed length.
func (m *Blob) MarshalBinary() ([]byte, error) {
	if len(m.Data) != m.size {
		return nil, fmt.Errorf("psi: encode %s: %d bytes, want %d", m.kind, len(m.Data), m.size)
	}
	return m.Data, nil
}

// UnmarshalBinary checks the length and keeps a copy of the bytes.
func (m *Blob) UnmarshalBinary(b []byte) error {
	if err := m.UnmarshalOwned(b); err != nil {
		return err
	}
	m.Data = append([]byte(nil), b...)
	return nil
}

// UnmarshalOwned checks the length and keeps b itself (psi.Owner): the
// drivers hand over a received frame, so keys of gigabytes are not
// copied.
func (m *Blob) UnmarshalOwned(b []byte) error {
	if m.size <= 0 {
		return fmt.Errorf("psi: decode %s: message size unknown (no parameters)", m.kind)
	}
	if len(b) != m.size {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d", m.kind, len(b), m.size)
	}
	m.Data = b
	return nil
}

// Take returns the bytes and forgets them, so that the engine that
// consumes a large message (keys) holds its only reference and can let
// it go once decoded.
func (m *Blob) Take() []byte {
	b := m.Data
	m.Data = nil
	return b
}

// Server is the server role of an HE protocol over an engine whose
// parsed keys are K and whose per-query verdict state is V.
type Server[K, V any] struct {
	// Name is the protocol's registry name; message kinds are
	// Name + "/keys", "/query", "/answer", "/reply".
	Name string
	// Setup is the parameters message sent down at every session's setup.
	Setup psi.Message
	// KeysSize, QuerySize and ReplySize are the lengths the parameters
	// fix for the messages the server receives.
	KeysSize, QuerySize, ReplySize int
	// ParseKeys, Answer and Verdict are the engine's calls.
	ParseKeys func([]byte) (*K, error)
	Answer    func(*K, []byte) ([]byte, *V, error)
	Verdict   func(*V, []byte) (bool, error)
	// Limits bounds the sessions (key sets) held at once.
	Limits *kit.SessionLimit
	// Source, when set, is what the server answers from, for its signed
	// head (AuditHead, Audited: psi.Auditable).
	Source *Source
	// Tampered, when set, is the engine's error for a reply the client
	// altered. Such a query ends like any other (the client is sent
	// nothing either way, and the session goes on), with an Outcome that
	// records the tampering: an error frame would tell the client that
	// its alteration was caught, a one-bit oracle.
	Tampered error
}

func (s *Server[K, V]) Protocol() string { return s.Name }

// NewSession starts a client's session: the parameters down, the client's
// keys up (the engine checks them), held for this session only and at
// most Options.MaxSessions at once.
func (s *Server[K, V]) NewSession() (psi.ServerSession, error) {
	return &KeySession[K]{name: s.Name, limits: s.Limits, params: s.Setup,
		keysMsg: func() psi.Message { return NewBlob(s.Name+"/keys", s.KeysSize) },
		parse: func(m psi.Message) (*K, error) {
			b, ok := m.(*Blob)
			if !ok {
				return nil, fmt.Errorf("setup got %T", m)
			}
			return s.ParseKeys(b.Take())
		},
		newQuery: func(k *K) psi.Steps { return &serverQuery[K, V]{s: s, keys: k} }}, nil
}

type serverQuery[K, V any] struct {
	kit.ServerStart
	s     *Server[K, V]
	keys  *K
	stage int // 0: wait for query, 1: wait for reply, 2: done
	vs    *V
	out   psi.Outcome
}

func (q *serverQuery[K, V]) Expect() psi.Message {
	switch q.stage {
	case 0:
		return NewBlob(q.s.Name+"/query", q.s.QuerySize)
	case 1:
		return NewBlob(q.s.Name+"/reply", q.s.ReplySize)
	}
	return nil
}

func (q *serverQuery[K, V]) Step(in psi.Message) (psi.Message, error) {
	m, ok := in.(*Blob)
	if !ok || q.stage > 1 || m.kind != q.Expect().Kind() {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T at stage %d", q.s.Name, in, q.stage)
	}
	if q.stage == 0 {
		ans, vs, err := q.s.Answer(q.keys, m.Data)
		if err != nil {
			q.stage = 2
			return nil, fmt.Errorf("psi: %s server: %w", q.s.Name, err)
		}
		q.stage, q.vs = 1, vs
		return BlobOf(q.s.Name+"/answer", ans), nil
	}
	q.stage = 2
	match, err := q.s.Verdict(q.vs, m.Data)
	if err != nil && q.s.Tampered != nil && errors.Is(err, q.s.Tampered) {
		q.out = psi.Outcome{Known: true, Tampered: true}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("psi: %s server: %w", q.s.Name, err)
	}
	q.out = psi.Outcome{Known: true, Match: match}
	return nil, nil
}

func (q *serverQuery[K, V]) Outcome() psi.Outcome { return q.out }

// Engine is the client side both HE engines offer; Q is the state a
// query keeps between Query and Finish. The engine holds the secret key
// and has no way to send it.
type Engine[Q any] interface {
	Setup() ([]byte, error)
	Query(item [32]byte) ([]byte, *Q, error)
	Finish(st *Q, answer []byte) ([]byte, error)
}

// Config is what a protocol's client makes of the server's parameters:
// a tag naming them (the same tag keeps the key and the keys already
// made), the answer's size, and how to make an engine for them.
type Config[Q any] struct {
	Tag        string
	AnswerSize int
	// Threshold is the threshold the parameters name (0: exact), which
	// the audit check's parameters include.
	Threshold int
	Engine    func(rnd io.Reader) (Engine[Q], error)
}

// Client is the client role of an HE protocol. It keeps the encoded
// keys, so a new session re-sends them without regenerating.
type Client[Q any] struct {
	// Name is the protocol's registry name.
	Name string
	// Kind and Bits are the shape of the hashes queried.
	Kind phash.Kind
	Bits int
	// Rnd is the randomness given to the engine (nil: crypto/rand).
	Rnd io.Reader
	// Item maps a hash to the engine's 32-byte item.
	Item func(phash.Hash) [32]byte
	// Params returns an empty parameters message.
	Params func() psi.Message
	// Configure checks the server's parameters (the protocol's own
	// rules) and says how to make an engine for them.
	Configure func(psi.Message) (Config[Q], error)
	// Audit, when set (psi.Options.Audit), makes setup expect an Audited
	// message and check its head and parameters before anything else.
	Audit *audit.Device

	mu         sync.Mutex // the engines are not safe for concurrent use
	tag        string
	answerSize int
	engine     Engine[Q]
	keys       []byte
}

func (c *Client[Q]) Protocol() string { return c.Name }

// Setup receives the server's parameters, accepts them only if the
// protocol's check does, and answers with the keys (generated on first
// use under these parameters).
func (c *Client[Q]) Setup() (psi.Steps, error) {
	return kit.Reply(c.Name, ExpectParams(c.Name, c.Audit, c.Params), c.accept), nil
}

func (c *Client[Q]) accept(m psi.Message) (psi.Message, error) {
	m, served, err := Served(c.Name, m, c.Audit)
	if err != nil {
		return nil, err
	}
	cfg, err := c.Configure(m)
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", c.Name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if served != nil {
		if err := CheckServed(c.Audit, c.Name, c.Kind, c.Bits, cfg.Threshold, served); err != nil {
			return nil, err
		}
	}
	if c.engine == nil || c.tag != cfg.Tag {
		e, err := cfg.Engine(c.Rnd)
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", c.Name, err)
		}
		c.engine, c.tag, c.keys = e, cfg.Tag, nil
	}
	c.answerSize = cfg.AnswerSize
	if c.keys == nil {
		k, err := c.engine.Setup()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", c.Name, err)
		}
		c.keys = k
	}
	return BlobOf(c.Name+"/keys", c.keys), nil
}

func (c *Client[Q]) NewQuery(h phash.Hash) (psi.Steps, error) {
	if err := c.CheckHash(h); err != nil {
		return nil, err
	}
	return c.NewItemQuery(c.Item(h))
}

// CheckHash refuses a hash of another kind or length than the client's.
func (c *Client[Q]) CheckHash(h phash.Hash) error {
	if h.Kind() != c.Kind || h.Bits() != c.Bits {
		return fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", c.Name, h.Kind(), h.Bits(), c.Kind, c.Bits)
	}
	return nil
}

// Ready refuses a query before the session's setup has made the engine.
func (c *Client[Q]) Ready() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine == nil {
		return fmt.Errorf("psi: %s client: query before setup", c.Name)
	}
	return nil
}

// NewItemQuery starts the engine's query for an item the protocol has
// already derived (he-exact derives it from an OPRF round of its own).
func (c *Client[Q]) NewItemQuery(item [32]byte) (psi.Steps, error) {
	if err := c.Ready(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return &clientQuery[Q]{c: c, engine: c.engine, answerSize: c.answerSize, item: item}, nil
}

// clientQuery holds the per-query state between Query and Finish; it
// has no wire methods.
type clientQuery[Q any] struct {
	c          *Client[Q]
	engine     Engine[Q]
	answerSize int
	item       [32]byte
	stage      int // 0: not started, 1: wait for answer, 2: done
	st         *Q
}

func (q *clientQuery[Q]) Start() (psi.Message, error) {
	if q.stage != 0 {
		return nil, fmt.Errorf("psi: %s client: query already started", q.c.Name)
	}
	q.stage = 1
	q.c.mu.Lock()
	b, st, err := q.engine.Query(q.item)
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", q.c.Name, err)
	}
	q.st = st
	return BlobOf(q.c.Name+"/query", b), nil
}

func (q *clientQuery[Q]) Expect() psi.Message {
	if q.stage != 1 {
		return nil
	}
	return NewBlob(q.c.Name+"/answer", q.answerSize)
}

func (q *clientQuery[Q]) Step(in psi.Message) (psi.Message, error) {
	m, ok := in.(*Blob)
	if !ok || q.stage != 1 || m.kind != q.c.Name+"/answer" {
		return nil, fmt.Errorf("psi: %s client: unexpected message %T", q.c.Name, in)
	}
	q.stage = 2
	q.c.mu.Lock()
	r, err := q.engine.Finish(q.st, m.Data)
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", q.c.Name, err)
	}
	return BlobOf(q.c.Name+"/reply", r), nil
}

// Outcome is always unknown: the client learns nothing.
func (q *clientQuery[Q]) Outcome() psi.Outcome { return psi.Outcome{} }

// KeySession is the ServerSession of a protocol whose clients send their
// evaluation keys up once (he-exact, he-hamming): setup sends the
// parameters down and takes the keys up, parsed and counted under the
// server's session limit; queries start with them; Close gives the place
// back.
type KeySession[K any] struct {
	name     string
	limits   *kit.SessionLimit
	params   psi.Message        // the setup message down
	keysMsg  func() psi.Message // an empty keys message, sized
	parse    func(psi.Message) (*K, error)
	newQuery func(keys *K) psi.Steps
	mu       sync.Mutex
	keys     *K // nil before setup and once closed
	closed   bool
}

func (ss *KeySession[K]) Setup() (psi.Steps, error) {
	return kit.SendThenRecv(ss.name, func() (psi.Message, error) { return ss.params, nil }, ss.keysMsg, ss.accept), nil
}

// accept takes a session slot and parses the client's keys.
func (ss *KeySession[K]) accept(m psi.Message) (psi.Message, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed || ss.keys != nil {
		return nil, fmt.Errorf("psi: %s server: keys on a closed or set-up session", ss.name)
	}
	if err := ss.limits.Acquire(ss.name); err != nil {
		return nil, err
	}
	keys, err := ss.parse(m)
	if err != nil {
		ss.limits.Release()
		return nil, fmt.Errorf("psi: %s server: keys: %w", ss.name, err)
	}
	ss.keys = keys
	return nil, nil
}

func (ss *KeySession[K]) NewQuery() (psi.Steps, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return nil, fmt.Errorf("%w: %s", psi.ErrSessionClosed, ss.name)
	}
	if ss.keys == nil {
		return nil, fmt.Errorf("psi: %s server: query before setup", ss.name)
	}
	return ss.newQuery(ss.keys), nil
}

// Close releases the keys (queries already started finish with them).
func (ss *KeySession[K]) Close() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.keys != nil {
		ss.keys = nil
		ss.limits.Release()
	}
	ss.closed = true
	return nil
}

// MatchOnly adapts an engine's verdict that also counts the matching
// slots to Server.Verdict, which keeps the match bit alone.
func MatchOnly[V any](verdict func(*V, []byte) (bool, int, error)) func(*V, []byte) (bool, error) {
	return func(vs *V, reply []byte) (bool, error) {
		match, _, err := verdict(vs, reply)
		return match, err
	}
}
