package psi

import (
	"crypto/sha256"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/phash"
)

// HEExact is the "he-exact" protocol: exact private membership with BGV
// homomorphic encryption (package he's engine), in which the server learns
// whether the client's hash is listed and the client learns nothing.
//
// The server loads its distinct hashes under the cheapest 128-bit preset
// that holds them in one answer ciphertext (exact.PresetFor: PN14S up to
// about 75k entries, PN14M up to about 286k, PN14 up to about 1.07M);
// larger databases use PN14 with more partitions, one answer ciphertext
// per four (16 partitions, 4 ciphertexts at 2^22 entries). Each hash enters he as
// SHA-256("privmatch-he-exact-v1" || 0 || kind || 0 || bits || hash
// bytes), which binds the hash kind and length. The client checks that the
// parameters the server names are its own copy of a secure preset, makes a
// secret key and sends its evaluation keys up once per session; the server
// keeps them for that client's session only, at most
// Options.MaxSessions clients at once, and drops them when the session
// closes (over TCP: when the connection ends).
//
//	client (secret key)                          server (db, per-client keys)
//	  |  HEExactParams: preset, partitions (~30 B)  |
//	  |<--------------------------------------------|  setup, down
//	  |  HEExactKeys: relin + 3 rotation keys       |
//	  |  (11.6 MB PN14S, 17.2 MB PN14) ------------>|  setup, up; opens a session
//	  |                                             |
//	  |  HEExactQuery: Enc(f(h)), seeded ---------->|  evaluate all cells,
//	  |                                             |  times r, plus mask m
//	  |  HEExactAnswer: level 0, compressed,        |
//	  |  one ciphertext per 4 partitions            |
//	  |<--------------------------------------------|
//	  |  HEExactReply: decrypted masked values ---->|  Verdict: some real
//	  |                                             |  position == its mask?
//	  |          (nothing comes back)               |  traps altered -> error
//
// Threat model (he's, restated): the server is semi-honest and learns, per
// query, the match bit and on a match which cell (bin and partition)
// matched, which narrows the entry to the at most L*H-1 entries of that
// cell (5 under PN14S, 19 under PN14M, 71 under PN14); the query is
// IND-CPA-encrypted under the client's key and on a non-match the values
// it sees are r*E, with r fresh, minus nothing it can use. The client may
// be malicious: it learns the preset and the partition count (so the
// database size within a factor of about 4) and nothing else about the
// database from the masked values, but circuit privacy is not claimed (no
// noise flooding). Beyond four partitions the partition count reveals the
// size within about 268k entries. It can query any hash it likes (each query costs it a
// round trip and tells it nothing), make the run fail, or alter its reply:
// trap cells catch an alteration (the server's step fails wrapping
// exact.ErrTampered) except that a client suppresses a true match undetected
// with probability at most exact.EvasionBound (about 1.5e-3 with one
// partition of 4096 positions, 3.7e-4 with four, 9.0e-5 with sixteen). A network observer sees
// the parameters, the fixed-size messages and their timing, not the match
// bit.
var HEExact Protocol = heExactProtocol{}

const heExactName = "he-exact"

func init() { Register(HEExact) }

// heExactProtocol is he-exact; allowInsecure, set only by this package's
// tests, lets the client accept he's insecure test presets.
type heExactProtocol struct{ allowInsecure bool }

func (heExactProtocol) Name() string { return heExactName }

// heEvasion is the best undetected-suppression probability for one, four
// and sixteen partitions at N = 2^14 (positions Slots/4 per partition,
// traps max(m/16, 16) as he places them).
var heEvasion = sync.OnceValue(func() [3]float64 {
	return [3]float64{exact.EvasionBound(4096, 256), exact.EvasionBound(16384, 1024), exact.EvasionBound(65536, 4096)}
})

func (heExactProtocol) Ledger() Ledger {
	e := heEvasion()
	return Ledger{
		Protocol: heExactName,
		ResultTo: "server",
		Setup: "down: the preset and partition count (about 30 B); up, once per session: the client's evaluation keys " +
			"(11,591,834 B under PN14S, 17,199,258 B under PN14: each key a 32-byte seed plus its c0 halves), kept by the server for that client only",
		Server: View{
			OnMatch:    []Fact{FactQueryHappened, FactMatchBit, FactMatchedEntry, FactTiming},
			OnNonMatch: []Fact{FactQueryHappened, FactMatchBit, FactTiming},
			Notes: "on a match, which cell (bin, partition) matched: the entry up to the L*H-1 entries sharing its cell " +
				"(5 under PN14S, 19 under PN14M, 71 under PN14), hence the query hash up to those; on a non-match nothing about the hash " +
				"except with the false-match probability exact.FalseMatch (5.8e-14 at 2^20 entries, 2.3e-13 at 2^22)",
		},
		Client: View{
			OnMatch:    []Fact{FactDatabaseSize},
			OnNonMatch: []Fact{FactDatabaseSize},
			Notes:      "the preset and partition count bound the database size (within a factor of about 4 up to four partitions, within about 268k entries beyond); decrypted values are uniform under the server's masks; circuit privacy (noise flooding) is not claimed",
		},
		Network: View{
			OnMatch:    []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			OnNonMatch: []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			Notes:      "message sizes are fixed by the preset and partitions, so sizes do not reveal the match bit; the key upload marks a new session",
		},
		Model:           "semi-honest server, malicious client; RLWE (BGV, 128-bit presets), SHA-256 as a random function",
		MaliciousServer: "can load any hashes (unverifiable list), use different lists per client, or lie about the verdict; it cannot read the query hash on a non-match",
		MaliciousClient: fmt.Sprintf("can query any hashes, one round trip each, learning nothing; can make a run fail; "+
			"suppresses a true match undetected with probability at most %.1e (one partition), %.1e (four) or %.1e (sixteen, 2^22 entries), any detected alteration fails the run (exact.ErrTampered)", e[0], e[1], e[2]),
		Claimed: []string{
			"client learns nothing about the list beyond the preset and partitions (masked values uniform; no circuit privacy)",
			"server learns nothing about a non-matching hash (IND-CPA under RLWE)",
		},
	}
}

// heExactItem maps a hash to the 32 bytes he fingerprints.
func heExactItem(h phash.Hash) [32]byte {
	b := append([]byte("privmatch-he-exact-v1\x00"), oprfItem(h)...)
	return sha256.Sum256(b)
}

func (heExactProtocol) NewServer(db *Database, opts Options) (Server, error) {
	if err := requireExact(heExactName, opts); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("psi: %s: nil database", heExactName)
	}
	if err := checkKind(db.Kind, db.Bits); err != nil {
		return nil, err
	}
	seen := make(map[phash.Hash]struct{}, len(db.Hashes))
	items := make([][32]byte, 0, len(db.Hashes))
	for _, h := range db.Hashes {
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		items = append(items, heExactItem(h))
	}
	lit, err := exact.PresetFor(len(items))
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	return newHEExactServer(db.Kind, db.Bits, lit, items, opts)
}

func newHEExactServer(kind phash.Kind, bits int, lit exact.Literal, items [][32]byte, opts Options) (*heExactServer, error) {
	p, err := exact.NewParameters(lit)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	es, err := exact.NewServer(p, items, opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	ks, err := exact.KeysSize(p)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	return &heExactServer{
		kind: kind, bits: bits, es: es, params: p, keysSize: ks,
		setup:  &HEExactParams{Literal: p.Literal(), Partitions: es.Partitions()},
		limits: newSessionLimit(opts.MaxSessions),
	}, nil
}

type heExactServer struct {
	kind     phash.Kind
	bits     int
	es       *exact.Server
	params   exact.Parameters
	keysSize int
	setup    *HEExactParams
	limits   *sessionLimit
}

func (s *heExactServer) Protocol() string { return heExactName }

// NewSession starts a client's session: the parameters down, the client's
// keys up (he validates sizes, levels and Galois elements), held for this
// session only and at most Options.MaxSessions at once.
func (s *heExactServer) NewSession() (ServerSession, error) {
	return &keySession[exact.Keys]{name: heExactName, limits: s.limits, params: s.setup,
		keysMsg: func() Message { return &HEExactKeys{heBlob{size: s.keysSize}} },
		parse: func(m Message) (*exact.Keys, error) {
			k, ok := m.(*HEExactKeys)
			if !ok {
				return nil, fmt.Errorf("setup got %T", m)
			}
			return exact.ParseKeys(s.params, k.Data)
		},
		newQuery: func(k *exact.Keys) Steps { return &heExactServerQuery{s: s, keys: k} }}, nil
}

type heExactServerQuery struct {
	serverQueryStart
	s     *heExactServer
	keys  *exact.Keys
	stage int // 0: wait for query, 1: wait for reply, 2: done
	vs    *exact.VerdictState
	out   Outcome
}

func (q *heExactServerQuery) Expect() Message {
	switch q.stage {
	case 0:
		return &HEExactQuery{heBlob{size: exact.QuerySize(q.s.params)}}
	case 1:
		return &HEExactReply{heBlob{size: exact.ReplySize(q.s.params, q.s.es.Partitions())}}
	}
	return nil
}

func (q *heExactServerQuery) Step(in Message) (Message, error) {
	switch m := in.(type) {
	case *HEExactQuery:
		if q.stage != 0 {
			break
		}
		ans, vs, err := q.s.es.Answer(q.keys, m.Data)
		if err != nil {
			q.stage = 2
			return nil, fmt.Errorf("psi: %s server: %w", heExactName, err)
		}
		q.stage, q.vs = 1, vs
		return &HEExactAnswer{heBlob{size: len(ans), Data: ans}}, nil
	case *HEExactReply:
		if q.stage != 1 {
			break
		}
		q.stage = 2
		match, err := q.s.es.Verdict(q.vs, m.Data)
		if err != nil {
			return nil, fmt.Errorf("psi: %s server: %w", heExactName, err)
		}
		q.out = Outcome{Known: true, Match: match}
		return nil, nil
	}
	return nil, fmt.Errorf("psi: %s server: unexpected message %T at stage %d", heExactName, in, q.stage)
}

func (q *heExactServerQuery) Outcome() Outcome { return q.out }

func (hp heExactProtocol) NewClient(kind phash.Kind, bits int, opts Options) (Client, error) {
	if err := requireExact(heExactName, opts); err != nil {
		return nil, err
	}
	if err := checkKind(kind, bits); err != nil {
		return nil, err
	}
	return &heExactClient{kind: kind, bits: bits, rnd: opts.Rand, allowInsecure: hp.allowInsecure}, nil
}

// heExactClient holds the secret key (inside exact.Client, which has no
// way to send it) and the encoded evaluation keys, kept so that a new
// session (a new connection) re-sends them without regenerating.
type heExactClient struct {
	allowInsecure bool // only in this package's tests (export_test.go)
	kind          phash.Kind
	bits          int
	rnd           io.Reader

	mu     sync.Mutex // he's encryptor and decryptor are not safe for concurrent use
	params *exact.Parameters
	parts  int // the server's partitions, which fix the answer's size
	ec     *exact.Client
	keys   []byte
}

func (c *heExactClient) Protocol() string { return heExactName }

// Setup receives the server's parameters and answers with the evaluation
// keys.
func (c *heExactClient) Setup() (Steps, error) {
	return keyClientSetup(heExactName, func() Message { return &HEExactParams{} }, func(m Message) (Message, error) {
		if err := c.configure(m); err != nil {
			return nil, err
		}
		return c.keysUp()
	}), nil
}

// configure accepts the server's parameters only if they are, field for field,
// this build's copy of a named he preset, and a secure one. Setting up
// again under the same parameters keeps the key; under others, makes a new
// one.
func (c *heExactClient) configure(m Message) error {
	pm, ok := m.(*HEExactParams)
	if !ok {
		return fmt.Errorf("psi: %s client: setup got %T", heExactName, m)
	}
	want, err := exact.PresetByName(pm.Literal.Name)
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", heExactName, err)
	}
	if !reflect.DeepEqual(want, pm.Literal) {
		return fmt.Errorf("psi: %s client: server's parameters differ from preset %s as this client knows it", heExactName, want.Name)
	}
	if want.Insecure {
		if !c.allowInsecure {
			return fmt.Errorf("psi: %s client: server offers %s: %w", heExactName, want.Name, he.ErrInsecure)
		}
	}
	p, err := exact.NewParameters(want)
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", heExactName, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parts = pm.Partitions
	if c.params != nil && c.params.Name() == p.Name() {
		return nil
	}
	ec, err := exact.NewClient(p, c.rnd)
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", heExactName, err)
	}
	c.params, c.ec, c.keys = &p, ec, nil
	return nil
}

// keysUp returns the evaluation keys, generated on first use.
func (c *heExactClient) keysUp() (Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return nil, fmt.Errorf("psi: %s client: keys before setup", heExactName)
	}
	if c.keys == nil {
		k, err := c.ec.Setup()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", heExactName, err)
		}
		c.keys = k
	}
	return &HEExactKeys{heBlob{size: len(c.keys), Data: c.keys}}, nil
}

func (c *heExactClient) NewQuery(h phash.Hash) (Steps, error) {
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", heExactName, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", heExactName)
	}
	return &heExactClientQuery{c: c, ec: c.ec, p: *c.params, parts: c.parts, h: h}, nil
}

// heExactClientQuery holds the per-query state between Query and Finish;
// it has no wire methods.
type heExactClientQuery struct {
	c     *heExactClient
	ec    *exact.Client
	p     exact.Parameters
	parts int
	h     phash.Hash
	stage int // 0: not started, 1: wait for answer, 2: done
	st    *exact.QueryState
}

func (q *heExactClientQuery) Start() (Message, error) {
	if q.stage != 0 {
		return nil, fmt.Errorf("psi: %s client: query already started", heExactName)
	}
	q.stage = 1
	q.c.mu.Lock()
	b, st, err := q.ec.Query(heExactItem(q.h))
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", heExactName, err)
	}
	q.st = st
	return &HEExactQuery{heBlob{size: len(b), Data: b}}, nil
}

func (q *heExactClientQuery) Expect() Message {
	if q.stage != 1 {
		return nil
	}
	return &HEExactAnswer{heBlob{size: exact.AnswerSize(q.p, q.parts)}}
}

func (q *heExactClientQuery) Step(in Message) (Message, error) {
	m, ok := in.(*HEExactAnswer)
	if !ok || q.stage != 1 {
		return nil, fmt.Errorf("psi: %s client: unexpected message %T", heExactName, in)
	}
	q.stage = 2
	q.c.mu.Lock()
	r, err := q.ec.Finish(q.st, m.Data)
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", heExactName, err)
	}
	return &HEExactReply{heBlob{size: len(r), Data: r}}, nil
}

// Outcome is always unknown: the client learns nothing.
func (q *heExactClientQuery) Outcome() Outcome { return Outcome{} }
