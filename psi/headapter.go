package psi

import (
	"fmt"
	"io"
	"sync"

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
//	  |  HEBlob keys --------------------------->|  setup, up; session holds them
//	  |  HEBlob query -------------------------->|  evaluate
//	  |  HEBlob answer <--------------------------|
//	  |  HEBlob reply -------------------------->|  verdict
//	  |          (nothing comes back)             |

// HEBlob is an HE protocol message whose bytes are one of the engine's
// wire encodings (keys, query, answer or reply), of a length the
// parameters fix; the engine validates the content when it uses it.
type HEBlob struct {
	kind string
	size int
	// Data is the engine's encoding.
	Data []byte
}

func newBlob(kind string, size int) *HEBlob { return &HEBlob{kind: kind, size: size} }

func blobOf(kind string, data []byte) *HEBlob {
	return &HEBlob{kind: kind, size: len(data), Data: data}
}

// Kind names the message, such as "he-exact/query".
func (m *HEBlob) Kind() string { return m.kind }

// BinarySize is the length the parameters fix.
func (m *HEBlob) BinarySize() int { return m.size }

// MarshalBinary returns the bytes, which must have the fixed length.
func (m *HEBlob) MarshalBinary() ([]byte, error) {
	if len(m.Data) != m.size {
		return nil, fmt.Errorf("psi: encode %s: %d bytes, want %d", m.kind, len(m.Data), m.size)
	}
	return m.Data, nil
}

// UnmarshalBinary checks the length and keeps a copy of the bytes.
func (m *HEBlob) UnmarshalBinary(b []byte) error {
	if m.size <= 0 {
		return fmt.Errorf("psi: decode %s: message size unknown (no parameters)", m.kind)
	}
	if len(b) != m.size {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d", m.kind, len(b), m.size)
	}
	m.Data = append([]byte(nil), b...)
	return nil
}

// heServer is the server role of an HE protocol over an engine whose
// parsed keys are K and whose per-query verdict state is V.
type heServer[K, V any] struct {
	name                           string
	setup                          Message
	keysSize, querySize, replySize int
	parseKeys                      func([]byte) (*K, error)
	answer                         func(*K, []byte) ([]byte, *V, error)
	verdict                        func(*V, []byte) (bool, error)
	limits                         *sessionLimit
}

func (s *heServer[K, V]) Protocol() string { return s.name }

// NewSession starts a client's session: the parameters down, the client's
// keys up (the engine checks them), held for this session only and at
// most Options.MaxSessions at once.
func (s *heServer[K, V]) NewSession() (ServerSession, error) {
	return &keySession[K]{name: s.name, limits: s.limits, params: s.setup,
		keysMsg: func() Message { return newBlob(s.name+"/keys", s.keysSize) },
		parse: func(m Message) (*K, error) {
			b, ok := m.(*HEBlob)
			if !ok {
				return nil, fmt.Errorf("setup got %T", m)
			}
			return s.parseKeys(b.Data)
		},
		newQuery: func(k *K) Steps { return &heServerQuery[K, V]{s: s, keys: k} }}, nil
}

type heServerQuery[K, V any] struct {
	serverQueryStart
	s     *heServer[K, V]
	keys  *K
	stage int // 0: wait for query, 1: wait for reply, 2: done
	vs    *V
	out   Outcome
}

func (q *heServerQuery[K, V]) Expect() Message {
	switch q.stage {
	case 0:
		return newBlob(q.s.name+"/query", q.s.querySize)
	case 1:
		return newBlob(q.s.name+"/reply", q.s.replySize)
	}
	return nil
}

func (q *heServerQuery[K, V]) Step(in Message) (Message, error) {
	m, ok := in.(*HEBlob)
	if !ok || q.stage > 1 || m.kind != q.Expect().Kind() {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T at stage %d", q.s.name, in, q.stage)
	}
	if q.stage == 0 {
		ans, vs, err := q.s.answer(q.keys, m.Data)
		if err != nil {
			q.stage = 2
			return nil, fmt.Errorf("psi: %s server: %w", q.s.name, err)
		}
		q.stage, q.vs = 1, vs
		return blobOf(q.s.name+"/answer", ans), nil
	}
	q.stage = 2
	match, err := q.s.verdict(q.vs, m.Data)
	if err != nil {
		return nil, fmt.Errorf("psi: %s server: %w", q.s.name, err)
	}
	q.out = Outcome{Known: true, Match: match}
	return nil, nil
}

func (q *heServerQuery[K, V]) Outcome() Outcome { return q.out }

// heEngine is the client side both HE engines offer; Q is the state a
// query keeps between Query and Finish. The engine holds the secret key
// and has no way to send it.
type heEngine[Q any] interface {
	Setup() ([]byte, error)
	Query(item [32]byte) ([]byte, *Q, error)
	Finish(st *Q, answer []byte) ([]byte, error)
}

// heConfig is what a protocol's client makes of the server's parameters:
// a tag naming them (the same tag keeps the key and the keys already
// made), the answer's size, and how to make an engine for them.
type heConfig[Q any] struct {
	tag        string
	answerSize int
	engine     func(rnd io.Reader) (heEngine[Q], error)
}

// heClient is the client role of an HE protocol. It keeps the encoded
// keys, so a new session re-sends them without regenerating.
type heClient[Q any] struct {
	name      string
	kind      phash.Kind
	bits      int
	rnd       io.Reader
	item      func(phash.Hash) [32]byte
	params    func() Message
	configure func(Message) (heConfig[Q], error)

	mu         sync.Mutex // the engines are not safe for concurrent use
	tag        string
	answerSize int
	engine     heEngine[Q]
	keys       []byte
}

func (c *heClient[Q]) Protocol() string { return c.name }

// Setup receives the server's parameters, accepts them only if the
// protocol's check does, and answers with the keys (generated on first
// use under these parameters).
func (c *heClient[Q]) Setup() (Steps, error) {
	return keyClientSetup(c.name, c.params, c.accept), nil
}

func (c *heClient[Q]) accept(m Message) (Message, error) {
	cfg, err := c.configure(m)
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", c.name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine == nil || c.tag != cfg.tag {
		e, err := cfg.engine(c.rnd)
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", c.name, err)
		}
		c.engine, c.tag, c.keys = e, cfg.tag, nil
	}
	c.answerSize = cfg.answerSize
	if c.keys == nil {
		k, err := c.engine.Setup()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", c.name, err)
		}
		c.keys = k
	}
	return blobOf(c.name+"/keys", c.keys), nil
}

func (c *heClient[Q]) NewQuery(h phash.Hash) (Steps, error) {
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", c.name, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", c.name)
	}
	return &heClientQuery[Q]{c: c, engine: c.engine, answerSize: c.answerSize, h: h}, nil
}

// heClientQuery holds the per-query state between Query and Finish; it
// has no wire methods.
type heClientQuery[Q any] struct {
	c          *heClient[Q]
	engine     heEngine[Q]
	answerSize int
	h          phash.Hash
	stage      int // 0: not started, 1: wait for answer, 2: done
	st         *Q
}

func (q *heClientQuery[Q]) Start() (Message, error) {
	if q.stage != 0 {
		return nil, fmt.Errorf("psi: %s client: query already started", q.c.name)
	}
	q.stage = 1
	q.c.mu.Lock()
	b, st, err := q.engine.Query(q.c.item(q.h))
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", q.c.name, err)
	}
	q.st = st
	return blobOf(q.c.name+"/query", b), nil
}

func (q *heClientQuery[Q]) Expect() Message {
	if q.stage != 1 {
		return nil
	}
	return newBlob(q.c.name+"/answer", q.answerSize)
}

func (q *heClientQuery[Q]) Step(in Message) (Message, error) {
	m, ok := in.(*HEBlob)
	if !ok || q.stage != 1 || m.kind != q.c.name+"/answer" {
		return nil, fmt.Errorf("psi: %s client: unexpected message %T", q.c.name, in)
	}
	q.stage = 2
	q.c.mu.Lock()
	r, err := q.engine.Finish(q.st, m.Data)
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", q.c.name, err)
	}
	return blobOf(q.c.name+"/reply", r), nil
}

// Outcome is always unknown: the client learns nothing.
func (q *heClientQuery[Q]) Outcome() Outcome { return Outcome{} }
