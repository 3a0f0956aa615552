package psi

import (
	"fmt"
	"io"
	"sync"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/phash"
)

// HEHamming is the "he-hamming" protocol: private similarity membership
// with BGV homomorphic encryption (package he/hamming's engine), in which
// the server learns whether the client's hash lies within Hamming distance
// Options.Threshold of some listed hash, and the client learns nothing.
//
// Threshold: Options.Threshold is taken literally, as for every protocol:
// 0 means distance 0 (an exact match, computed the slow way), 31 is PDQ's
// usual threshold for 256-bit hashes (privmatch serve --threshold 31).
// The server accepts 0..bits/2 (beyond half the bits a random hash
// matches about half the space). Every such threshold fits PN14's levels
// (one answer ciphertext covers 128 groups of 2^14 entries at T = 0, 8 at
// 31, 4 at 32..63, 2 at 64..127, 1 at 128), but the engine's noise is
// measured at 31 (and 10 for 64-bit hashes), this package's tests run 0,
// 7 and 31: above 31 decryption is not measured. The server names its threshold in the
// setup message. A client with Options.Threshold 0 accepts whatever
// threshold in 0..bits/2 the server names; with T > 0 it refuses a server
// whose threshold exceeds T. (The client cannot check the list anyway:
// a server can list near copies of any hash, so the cap limits only the
// honest case.)
//
// Hashes: 64 to 256 bits (the engine's range). Bit i of the printed
// integer (phash.Hash.Bit(i)) is the engine's bit i, byte i/8, bit i%8,
// so the engine's first Bits bits are exactly the hash; distance is
// phash.Distance.
//
// Parameters: the server always uses hamming.H14 (N = 2^14, log2(QP) =
// 437, 128-bit by the HE standard) with HashBits and Threshold set from
// the database and options; the client rebuilds the literal from its own
// copy of the named preset and refuses any other, and any insecure one
// (this package's tests alone run an insecure N = 2^10 variant of
// hamming.H12Insecure, in this package's tests only). One answer ciphertext covers up
// to 8 groups of 2^14 entries at threshold 31 (the engine's Outputs).
//
//	client (secret key)                            server (db, per-client keys)
//	  |  HEHammingParams: preset, bits, T, K (~12 B)  |
//	  |<----------------------------------------------|  setup, down
//	  |  HEHammingKeys: relin + 9 Galois keys +       |
//	  |  level-0 public key, seeded (45.8 MB) ------->|  setup, up; opens a session
//	  |                                               |
//	  |  HEHammingQuery: Enc(hash bits, parity,       |
//	  |    half-weight), Enc(R); seeded (~0.96 MB) -->|  expand, distance per entry,
//	  |                                               |  f(h) = 0 iff d <= T,
//	  |                                               |  R * product, + mask m,
//	  |  HEHammingAnswer: K level-0 ciphertexts       |  re-randomise, flood
//	  |<----------------------------------------------|
//	  |  HEHammingReply: R*F + m, 17 bits/slot ------>|  Verdict: any slot == m?
//	  |          (nothing comes back)                 |
//
// Threat model (he/hamming's doc.go, restated): semi-honest server,
// semi-honest or malicious client, network observer. The server learns,
// per query, the match bit and on a match the set of zero slots: for each,
// that some entry among the groups/K entries sharing that slot (8 at 2^20
// entries under PN14, 1 up to 2^14) lies within T; on a non-match nothing
// beyond "no match". It does not see the hash (RLWE) or R. The client
// learns K and the answer scale (the database size within a factor of
// about N*8) and uniform masked values; the answer's noise is flooded with
// 33 bits after re-randomisation, which is not a 2^-40 statistical
// argument: circuit privacy is a known gap. A malicious client can force
// either verdict (garbage reply, zeros in R, a far hash), and can weight
// the "bits" it sends to test other functions of the database; the server
// cannot detect any of it (no traps, unlike he-exact). A network observer
// sees the fixed message sizes and timing.
var HEHamming Protocol = heHammingProtocol{}

const heHammingName = "he-hamming"

// Bounds the protocol accepts: the engine's hash lengths, and at most
// heHammingMaxOutputs answer ciphertexts (8 groups each at T = 31, so
// 2^27 entries; the answer is then about 234 MB, which the client's
// default frame limit still reads).
const (
	heHammingMinBits    = 64
	heHammingMaxOutputs = 1024
)

func init() { Register(HEHamming) }

// heHammingProtocol is he-hamming; test, when set (only by this
// package's tests), is an insecure preset the server uses and the client
// accepts.
type heHammingProtocol struct{ test *hamming.Literal }

func (heHammingProtocol) Name() string { return heHammingName }

func (heHammingProtocol) Ledger() Ledger {
	return Ledger{
		Protocol: heHammingName,
		ResultTo: "server",
		Setup: fmt.Sprintf("down: the preset, hash length, threshold and answer count (about 12 B); up, once per session: the client's "+
			"relinearisation, expansion Galois and level-0 public keys (%d B under PN14), kept by the server for that client only", heHammingKeysSize()),
		Server: View{
			OnMatch:    []Fact{FactQueryHappened, FactMatchBit, FactMatchedEntry, FactTiming},
			OnNonMatch: []Fact{FactQueryHappened, FactMatchBit, FactTiming},
			Notes: "on a match, the set of zero slots: for each, that some entry among the groups/K entries sharing the slot " +
				"(at T = 31: 1 up to 2^14 entries, 8 at 2^20 under PN14; more at lower T, fewer at higher) is within the threshold, so the matched entries up to those candidates " +
				"and how many slots matched; on a non-match every slot is uniform non-zero: nothing beyond \"no match\"; " +
				"the query hash is never seen (RLWE)",
		},
		Client: View{
			OnMatch:    []Fact{FactDatabaseSize},
			OnNonMatch: []Fact{FactDatabaseSize},
			Notes: "the answer count K and scale give the database size within a factor of about N*8 (N = 2^14); decrypted values " +
				"are uniform under the server's masks; the answer noise is flooded with 33 bits, not a 2^-40 statistical argument, " +
				"so a client studying the noise may learn something about the database (circuit privacy is a known gap)",
		},
		Network: View{
			OnMatch:    []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			OnNonMatch: []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			Notes:      "message sizes are fixed by the preset and K, so they do not reveal the match bit; the key upload marks a new session",
		},
		Model: "semi-honest server, semi-honest or malicious client; RLWE (BGV, hamming.H14: N = 2^14, log2(QP) = 437, 128-bit by the HE standard)",
		MaliciousServer: "can load any hashes (unverifiable list, near copies of any hash), choose any threshold up to bits/2 " +
			"the client accepts, use different lists per client, or lie about the verdict; it cannot read the query hash",
		MaliciousClient: "can force either verdict undetected: a far hash or a garbage reply forces \"no match\", zeros in R or a " +
			"crafted reply force \"match\"; can send non-binary \"bits\" to test weighted distances or other functions of the " +
			"database; can make a run fail; the server has no way to detect any of it (no trap cells)",
		Claimed: []string{
			"client learns nothing about the list beyond K (masked values uniform); circuit privacy is not claimed (33-bit flooding)",
			"server learns nothing about the query hash (IND-CPA under RLWE) and nothing beyond \"no match\" on a non-match",
			"decryption noise stays below the bound: measured at T = 31 (engine tests at N = 2^12, PN14 benchmarks and this project's PN14 end-to-end test), " +
				"not proven, not measured above T = 31; the answer's noise is measured (worst coefficient 2^36.0 of a 2^38 budget at PN14, 2^20 entries), per-level budgets are not",
		},
	}
}

// heHammingKeysSize is the size of a client's keys under PN14 for 256-bit
// hashes, read from the engine (45,797,708 B since it seeds its keys,
// 91,365,388 B before), or -1 if PN14 does not build.
var heHammingKeysSize = sync.OnceValue(func() int {
	p, err := hamming.NewParameters(hamming.H14)
	if err != nil {
		return -1
	}
	return p.KeysSize()
})

// heHammingPreset is the engine's preset of the given name. PN12Insecure
// is known so that the client can name it in its refusal; an insecure
// preset is used only by a protocol value whose test field names it,
// which only this package's tests build (export_test.go).
func (p heHammingProtocol) preset(name string) (hamming.Literal, bool) {
	switch {
	case p.test != nil && name == p.test.Name:
		return *p.test, true
	case name == hamming.H14.Name:
		return hamming.H14, true
	case name == hamming.H12Insecure.Name:
		return hamming.H12Insecure, true
	}
	return hamming.Literal{}, false
}

// heHammingItem writes h's bits in the engine's order: bit i of the
// printed integer at byte i/8, bit i%8.
func heHammingItem(h phash.Hash) [32]byte {
	var x [32]byte
	b := h.Bytes()
	for i := range b {
		x[i] = b[len(b)-1-i]
	}
	return x
}

// heHammingLiteral is the named preset for the given hash length and
// threshold, checked against the protocol's bounds.
func (p heHammingProtocol) literal(name string, bits, threshold int) (hamming.Literal, error) {
	l, ok := p.preset(name)
	if !ok {
		return hamming.Literal{}, fmt.Errorf("unknown preset %q", name)
	}
	if bits < heHammingMinBits || bits > phash.MaxBits {
		return hamming.Literal{}, fmt.Errorf("%d-bit hashes outside %d..%d", bits, heHammingMinBits, phash.MaxBits)
	}
	if threshold < 0 || threshold > bits/2 {
		return hamming.Literal{}, fmt.Errorf("threshold %d outside 0..%d for %d-bit hashes", threshold, bits/2, bits)
	}
	l.HashBits, l.Threshold = bits, threshold
	return l, nil
}

func (hp heHammingProtocol) NewServer(db *Database, opts Options) (Server, error) {
	if db == nil {
		return nil, fmt.Errorf("psi: %s: nil database", heHammingName)
	}
	if err := checkKind(db.Kind, db.Bits); err != nil {
		return nil, err
	}
	name := hamming.H14.Name
	if hp.test != nil {
		name = hp.test.Name
	}
	lit, err := hp.literal(name, db.Bits, opts.Threshold)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	p, err := hamming.NewParameters(lit)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	seen := make(map[phash.Hash]struct{}, len(db.Hashes))
	items := make([][32]byte, 0, len(db.Hashes))
	for _, h := range db.Hashes {
		if h.Kind() != db.Kind || h.Bits() != db.Bits {
			return nil, fmt.Errorf("psi: %s: database hash is %s/%d, want %s/%d", heHammingName, h.Kind(), h.Bits(), db.Kind, db.Bits)
		}
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		items = append(items, heHammingItem(h))
	}
	es, err := hamming.NewServer(p, items, hamming.Options{Rand: opts.Rand})
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	if es.Outputs() > heHammingMaxOutputs {
		return nil, fmt.Errorf("psi: %s: %d answer ciphertexts, at most %d", heHammingName, es.Outputs(), heHammingMaxOutputs)
	}
	return &heHammingServer{
		kind: db.Kind, bits: db.Bits, es: es, params: p,
		setup:  &HEHammingParams{Preset: lit.Name, HashBits: lit.HashBits, Threshold: lit.Threshold, Outputs: es.Outputs()},
		limits: newSessionLimit(opts.MaxSessions),
	}, nil
}

type heHammingServer struct {
	kind   phash.Kind
	bits   int
	es     *hamming.Server
	params hamming.Parameters
	setup  *HEHammingParams
	limits *sessionLimit
}

func (s *heHammingServer) Protocol() string { return heHammingName }

// Threshold is the Hamming distance at or below which the server counts a
// match.
func (s *heHammingServer) Threshold() int { return s.setup.Threshold }

// NewSession starts a client's session: the parameters down, the client's
// keys up (the engine checks the length, the parameter fingerprint and
// every residue), held for this session only and at most
// Options.MaxSessions at once.
func (s *heHammingServer) NewSession() (ServerSession, error) {
	return &keySession[hamming.Keys]{name: heHammingName, limits: s.limits, params: s.setup,
		keysMsg: func() Message { return &HEHammingKeys{heBlob{size: s.params.KeysSize()}} },
		parse: func(m Message) (*hamming.Keys, error) {
			k, ok := m.(*HEHammingKeys)
			if !ok {
				return nil, fmt.Errorf("setup got %T", m)
			}
			return hamming.ParseKeys(s.params, k.Data)
		},
		newQuery: func(k *hamming.Keys) Steps { return &heHammingServerQuery{s: s, keys: k} }}, nil
}

type heHammingServerQuery struct {
	serverQueryStart
	s     *heHammingServer
	keys  *hamming.Keys
	stage int // 0: wait for query, 1: wait for reply, 2: done
	vs    *hamming.VerdictState
	out   Outcome
}

func (q *heHammingServerQuery) Expect() Message {
	switch q.stage {
	case 0:
		return &HEHammingQuery{heBlob{size: q.s.params.QuerySize()}}
	case 1:
		return &HEHammingReply{heBlob{size: q.s.params.ReplySize(q.s.es.Outputs())}}
	}
	return nil
}

func (q *heHammingServerQuery) Step(in Message) (Message, error) {
	switch m := in.(type) {
	case *HEHammingQuery:
		if q.stage != 0 {
			break
		}
		ans, vs, err := q.s.es.Answer(q.keys, m.Data)
		if err != nil {
			q.stage = 2
			return nil, fmt.Errorf("psi: %s server: %w", heHammingName, err)
		}
		q.stage, q.vs = 1, vs
		return &HEHammingAnswer{heBlob{size: len(ans), Data: ans}}, nil
	case *HEHammingReply:
		if q.stage != 1 {
			break
		}
		q.stage = 2
		match, _, err := q.s.es.Verdict(q.vs, m.Data)
		if err != nil {
			return nil, fmt.Errorf("psi: %s server: %w", heHammingName, err)
		}
		q.out = Outcome{Known: true, Match: match}
		return nil, nil
	}
	return nil, fmt.Errorf("psi: %s server: unexpected message %T at stage %d", heHammingName, in, q.stage)
}

func (q *heHammingServerQuery) Outcome() Outcome { return q.out }

func (hp heHammingProtocol) NewClient(kind phash.Kind, bits int, opts Options) (Client, error) {
	if err := checkKind(kind, bits); err != nil {
		return nil, err
	}
	if _, err := hp.literal(hamming.H14.Name, bits, opts.Threshold); err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	return &heHammingClient{proto: hp, kind: kind, bits: bits, maxThreshold: opts.Threshold, rnd: opts.Rand}, nil
}

// heHammingClient holds the secret key (inside hamming.Client, which has
// no way to send it) and the encoded keys, kept so that a new session (a
// new connection) re-sends them without regenerating.
type heHammingClient struct {
	proto        heHammingProtocol
	kind         phash.Kind
	bits         int
	maxThreshold int // 0: any the server names in 0..bits/2
	rnd          io.Reader

	mu      sync.Mutex // hamming.Client is not safe for concurrent use
	params  *hamming.Parameters
	outputs int
	ec      *hamming.Client
	keys    []byte
}

func (c *heHammingClient) Protocol() string { return heHammingName }

// Setup receives the server's parameters and answers with the keys.
func (c *heHammingClient) Setup() (Steps, error) {
	return keyClientSetup(heHammingName, func() Message { return &HEHammingParams{} }, func(m Message) (Message, error) {
		if err := c.configure(m); err != nil {
			return nil, err
		}
		return c.keysUp()
	}), nil
}

// Setup accepts the server's parameters only if they name a secure preset
// this client knows, for its hash length, at a threshold it accepts. The
// literal is the client's own copy. Setting up again under the same
// parameters keeps the key; under others, makes a new one.
func (c *heHammingClient) configure(m Message) error {
	pm, ok := m.(*HEHammingParams)
	if !ok {
		return fmt.Errorf("psi: %s client: setup got %T", heHammingName, m)
	}
	if pm.HashBits != c.bits {
		return fmt.Errorf("psi: %s client: server's list holds %d-bit hashes, this client %d-bit", heHammingName, pm.HashBits, c.bits)
	}
	if c.maxThreshold > 0 && pm.Threshold > c.maxThreshold {
		return fmt.Errorf("psi: %s client: server's threshold %d is above this client's %d", heHammingName, pm.Threshold, c.maxThreshold)
	}
	lit, err := c.proto.literal(pm.Preset, pm.HashBits, pm.Threshold)
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", heHammingName, err)
	}
	if lit.Insecure && (c.proto.test == nil || lit.Name != c.proto.test.Name) {
		return fmt.Errorf("psi: %s client: server offers %s: %w", heHammingName, lit.Name, he.ErrInsecure)
	}
	p, err := hamming.NewParameters(lit)
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", heHammingName, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.params != nil && c.params.Literal().Name == lit.Name && c.params.Literal().Threshold == lit.Threshold {
		c.outputs = pm.Outputs
		return nil
	}
	ec, err := hamming.NewClient(p, c.rnd)
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", heHammingName, err)
	}
	c.params, c.outputs, c.ec, c.keys = &p, pm.Outputs, ec, nil
	return nil
}

// keysUp returns the keys, generated on first use.
func (c *heHammingClient) keysUp() (Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return nil, fmt.Errorf("psi: %s client: keys before setup", heHammingName)
	}
	if c.keys == nil {
		k, err := c.ec.Setup()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", heHammingName, err)
		}
		c.keys = k
	}
	return &HEHammingKeys{heBlob{size: len(c.keys), Data: c.keys}}, nil
}

func (c *heHammingClient) NewQuery(h phash.Hash) (Steps, error) {
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", heHammingName, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", heHammingName)
	}
	return &heHammingClientQuery{c: c, ec: c.ec, p: *c.params, outputs: c.outputs, h: h}, nil
}

// heHammingClientQuery holds the per-query state between Query and
// Finish; it has no wire methods.
type heHammingClientQuery struct {
	c       *heHammingClient
	ec      *hamming.Client
	p       hamming.Parameters
	outputs int
	h       phash.Hash
	stage   int // 0: not started, 1: wait for answer, 2: done
	st      *hamming.QueryState
}

func (q *heHammingClientQuery) Start() (Message, error) {
	if q.stage != 0 {
		return nil, fmt.Errorf("psi: %s client: query already started", heHammingName)
	}
	q.stage = 1
	q.c.mu.Lock()
	b, st, err := q.ec.Query(heHammingItem(q.h))
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", heHammingName, err)
	}
	q.st = st
	return &HEHammingQuery{heBlob{size: len(b), Data: b}}, nil
}

func (q *heHammingClientQuery) Expect() Message {
	if q.stage != 1 {
		return nil
	}
	return &HEHammingAnswer{heBlob{size: q.p.AnswerSize(q.outputs)}}
}

func (q *heHammingClientQuery) Step(in Message) (Message, error) {
	m, ok := in.(*HEHammingAnswer)
	if !ok || q.stage != 1 {
		return nil, fmt.Errorf("psi: %s client: unexpected message %T", heHammingName, in)
	}
	q.stage = 2
	q.c.mu.Lock()
	r, err := q.ec.Finish(q.st, m.Data)
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", heHammingName, err)
	}
	return &HEHammingReply{heBlob{size: len(r), Data: r}}, nil
}

// Outcome is always unknown: the client learns nothing.
func (q *heHammingClientQuery) Outcome() Outcome { return Outcome{} }
