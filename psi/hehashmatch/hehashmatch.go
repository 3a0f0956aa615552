// Package hehashmatch is the "he-hash-match" protocol; see Protocol.
package hehashmatch

import (
	"crypto/rand"
	_ "embed"
	"fmt"
	"image"
	"io"
	"strconv"
	"sync"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hashmatch"
	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/internal/kit"
)

// Protocol is the "he-hash-match" protocol: the device sends its image
// (the downsampled luma the hash reads: 32x32 for phash8, 64x64 for PDQ)
// encrypted under CKKS, and the server computes the whole hash, median
// threshold included, and its Hamming match against a plaintext list of
// hashes of the same algorithm without decrypting (package he/hashmatch,
// with bootstrapping); the only value ever decrypted is the verdict,
// masked so that the server learns it and the device does not. Its
// client is a psi.ImageClient: queries carry images (Conn.QueryImage,
// RunImage), not hashes; the database holds phash8 or PDQ hashes, and
// the client must be built for the same kind.
//
// Parameters: the server runs hashmatch.Default for phash8 and
// hashmatch.DefaultPDQ for PDQ (N = 2^15, log2(QP) = 879, 128-bit by the
// HE standard, bootstrapping; a PDQ answer takes tens of minutes of one
// core); the client rebuilds the parameters from its own copy of the
// named preset, refuses any other, any insecure one and one computing
// another hash (this package's tests alone run hashmatch.HM13Insecure).
// Threshold: Options.Threshold, 0..63 for phash8 and 0..255 for PDQ,
// taken literally; a client with Threshold > 0 refuses a server whose
// threshold is higher.
//
// Setup limits: the client's keys (bootstrapping keys included, seeded)
// are about 2.1 GB at Default, above psi's default setup frame (128 MiB)
// and budget (1 GiB across sessions), so the server is a
// psi.SetupLimiter: one setup message of the keys' exact size, and one
// client session at a time whatever Options.MaxSessions says, since each
// session also holds its own engine server (keys decoded to about 6 GB,
// the list encoded for them: about 10 GB at Default in all).
//
//	client (image, secret key)                   server (phash8/PDQ list, per-client keys)
//	  |  Params: preset, threshold (~7 B)   <------|  setup, down
//	  |  keys (Blob): relin, 71 rotations,         |
//	  |    bootstrapping keys, seeded   ---------->|  setup, up: decode, encode list (per session)
//	  |  query (Blob): Enc(std. luma), seeded ---->|  hash (DCT, ranks, median threshold),
//	  |                                            |  Hamming distances, OR, mask
//	  |  answer (Blob): Enc(v*K_i + R_i) <---------|
//	  |  reply (Blob): 32 rounded slots  --------->|  verdict v (all 32 must agree)
//	  |          (nothing comes back)              |
//
// Threat model: semi-honest server, semi-honest or malicious client,
// network observer. The server learns the match bit and nothing else
// (the luma, the coefficients and the hash bits exist only under the
// client's key). The client decrypts masked values; the CKKS decryption
// noise is not flooded (no circuit privacy). A malicious server reads
// the image: the client decrypts whatever it is sent and returns 32
// rounded values (the ledger names the test). See Ledger.
//
// Audit: the server is psi.Auditable. Its signed head commits the list's
// distinct hashes, their kind, the threshold and the setup message (which
// names the preset); a client built with Options.Audit checks the served
// head and parameters before it makes or sends any key, but cannot check
// which list the server computes on.
var Protocol psi.Protocol = protocol{}

const (
	protocolName    = "he-hash-match"
	maxThreshold    = 63  // phash8
	maxPDQThreshold = 255 // PDQ
)

func init() { psi.Register(Protocol) }

// protocol is he-hash-match; test, when set (only by this package's
// tests), is an insecure preset the server uses and the client accepts.
type protocol struct{ test *hashmatch.ParamsLiteral }

// WithPreset is the protocol under another engine preset, for tests: an
// insecure preset (hashmatch.HM13Insecure) builds only once he/hetest's
// test door is open, which no production binary does, so the command's
// tests can run he-hash-match in seconds per bootstrap while a release
// build offers Default alone.
func WithPreset(lit hashmatch.ParamsLiteral) psi.Protocol { return protocol{test: &lit} }

func (protocol) Name() string { return protocolName }

// ImageInput marks he-hash-match as a psi.ImageProtocol.
func (protocol) ImageInput() {}

//go:embed ledger.json
var ledgerJSON []byte

// Ledger says what each party learns, kept as data in ledger.json with
// Default's key size filled in; every claim names its adversary and,
// where one exists, the test that attacks it. Of the transport attacks
// only those a server or client must refuse before computing run here.
func (protocol) Ledger() psi.Ledger {
	led := kit.Ledger(kit.Fill(ledgerJSON, "{keys_size}", strconv.Itoa(defaultKeysSize()), "{preset}", hashmatch.Default.Name),
		dir, "truncated", "oversized", "bit-flipped", "reordered", "wrong-params")
	led.Claims = append(led.Claims, headapter.Claims(dir, "echo-server", "timing", "adaptive-client", "replayed")...)
	return led
}

// dir is the package's directory, which the ledger's tests are named by.
const dir = "psi/hehashmatch"

// defaultKeysSize is the size of a client's seeded keys under
// hashmatch.Default, or -1 if it does not build.
var defaultKeysSize = sync.OnceValue(func() int {
	p, err := hashmatch.NewParams(hashmatch.Default)
	if err != nil {
		return -1
	}
	return hashmatch.KeysSize(p)
})

// preset is the engine preset of the given name: Default, DefaultPDQ,
// or this protocol value's test preset for either hash.
func (hp protocol) preset(name string) (hashmatch.ParamsLiteral, bool) {
	ls := []hashmatch.ParamsLiteral{hashmatch.Default, hashmatch.DefaultPDQ, hashmatch.HM13Insecure, hashmatch.ForHash(hashmatch.HM13Insecure, imagehash.AlgPDQ)}
	if hp.test != nil {
		ls = append(ls, *hp.test, hashmatch.ForHash(*hp.test, imagehash.AlgPDQ))
	}
	for _, l := range ls {
		if l.Name == name {
			return l, true
		}
	}
	return hashmatch.ParamsLiteral{}, false
}

// presetFor returns the preset the server runs for alg's hashes.
func (hp protocol) presetFor(alg imagehash.Alg) hashmatch.ParamsLiteral {
	lit := hashmatch.Default
	if hp.test != nil {
		lit = *hp.test
	}
	return hashmatch.ForHash(lit, alg)
}

// isTest reports whether lit is this protocol value's test preset (for
// either hash).
func (hp protocol) isTest(lit hashmatch.ParamsLiteral) bool {
	return hp.test != nil && (lit.Name == hp.test.Name || lit.Name == hashmatch.ForHash(*hp.test, imagehash.AlgPDQ).Name)
}

// checkShape returns the hash a database or client of kind/bits is
// computed with (phash8 or PDQ) and its largest threshold, and refuses
// any other.
func checkShape(kind phash.Kind, bits int) (imagehash.Alg, int, error) {
	switch {
	case kind == phash.PHash8.Kind() && bits == phash.PHash8.Bits():
		return imagehash.AlgPHash8, maxThreshold, nil
	case kind == phash.PDQKind && bits == 256:
		return imagehash.AlgPDQ, maxPDQThreshold, nil
	}
	return "", 0, fmt.Errorf("psi: %s: hashes are %s/%d, the protocol computes %s/%d or %s/256", protocolName, kind, bits, phash.PHash8.Kind(), phash.PHash8.Bits(), phash.PDQKind)
}

// server is headapter's server with the protocol's setup limits.
type server struct {
	*headapter.Server[session, hashmatch.Pending]
	keys int
}

// SetupLimits admits one key set of the preset's size, for the one
// session held at a time.
func (s *server) SetupLimits() (int, int64) { return s.keys, int64(s.keys) }

// Audited is headapter's, keeping the setup limits (psi.Auditable: the
// signed head commits the list's distinct hashes, their kind, the threshold
// and the setup message, which names the preset).
func (s *server) Audited(head audit.SignedHead, link audit.HeadProof) (psi.Server, error) {
	hs, err := s.Server.AuditedCopy(head, link)
	if err != nil {
		return nil, err
	}
	return &server{Server: hs, keys: s.keys}, nil
}

// session is one client's engine server: its keys decoded and the list
// encoded for them.
type session struct {
	mu  sync.Mutex
	srv *hashmatch.Server
}

func (hp protocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if db == nil {
		return nil, fmt.Errorf("psi: %s: nil database", protocolName)
	}
	alg, maxT, err := checkShape(db.Kind, db.Bits)
	if err != nil {
		return nil, err
	}
	if opts.Threshold < 0 || opts.Threshold > maxT {
		return nil, fmt.Errorf("psi: %s: threshold %d outside 0..%d", protocolName, opts.Threshold, maxT)
	}
	lit := hp.presetFor(alg)
	p, err := hashmatch.NewParams(lit)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", protocolName, err)
	}
	list := append([]phash.Hash(nil), db.Hashes...)
	if len(list) == 0 {
		return nil, fmt.Errorf("psi: %s: empty database", protocolName)
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	const sessions = 1
	var rmu sync.Mutex // guards rnd, shared by the sessions
	hs := &headapter.Server[session, hashmatch.Pending]{
		Name: protocolName, Setup: &Params{Preset: lit.Name, Threshold: opts.Threshold},
		KeysSize: hashmatch.KeysSize(p), QuerySize: hashmatch.QuerySize(p), ReplySize: hashmatch.ReplySize(p),
		ParseKeys: func(b []byte) (*session, error) {
			keys, err := hashmatch.UnmarshalKeys(p, b)
			if err != nil {
				return nil, err
			}
			srv, err := hashmatch.NewServer(p, keys, list, opts.Threshold)
			if err != nil {
				return nil, err
			}
			return &session{srv: srv}, nil
		},
		Answer: func(s *session, q []byte) ([]byte, *hashmatch.Pending, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			rmu.Lock()
			defer rmu.Unlock()
			ans, pend, _, err := s.srv.Answer(q, hashmatch.Verdict, rnd)
			return ans, pend, err
		},
		Verdict: func(pd *hashmatch.Pending, reply []byte) (bool, error) {
			v, err := pd.Result(reply)
			return v == 1, err
		},
		Limits:   kit.NewSessionLimit(sessions),
		Source:   headapter.SourceOf(db, opts.Threshold),
		Tampered: hashmatch.ErrTampered,
	}
	return &server{Server: hs, keys: hashmatch.KeysSize(p)}, nil
}

func (hp protocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	alg, maxT, err := checkShape(kind, bits)
	if err != nil {
		return nil, err
	}
	if opts.Threshold < 0 || opts.Threshold > maxT {
		return nil, fmt.Errorf("psi: %s: threshold %d outside 0..%d", protocolName, opts.Threshold, maxT)
	}
	return &client{hp: hp, alg: alg, kind: kind, bits: bits, maxThreshold: opts.Threshold, rnd: opts.Rand, audit: opts.Audit}, nil
}

// client is the device: an engine client per preset, whose secret key has
// no wire method, and its encoded keys, re-sent at each new session.
type client struct {
	hp           protocol
	alg          imagehash.Alg // the hash the client was built for
	kind         phash.Kind
	bits         int
	maxThreshold int
	rnd          io.Reader
	audit        *audit.Device // Options.Audit: check the served head at setup

	mu     sync.Mutex // the engine client is not safe for concurrent use
	preset string
	p      hashmatch.Params
	engine *hashmatch.Client
	keys   []byte
}

func (c *client) Protocol() string { return protocolName }

// Setup receives the server's parameters (with its signed head when the
// client holds an audit device) and answers with the keys (generated on
// first use under the preset).
func (c *client) Setup() (psi.Steps, error) {
	return kit.Reply(protocolName, headapter.ExpectParams(protocolName, c.audit, func() psi.Message { return &Params{} }), c.accept), nil
}

func (c *client) accept(m psi.Message) (psi.Message, error) {
	m, served, err := headapter.Served(protocolName, m, c.audit)
	if err != nil {
		return nil, err
	}
	pm, ok := m.(*Params)
	if !ok {
		return nil, fmt.Errorf("psi: %s client: setup got %T", protocolName, m)
	}
	if c.maxThreshold > 0 && pm.Threshold > c.maxThreshold {
		return nil, fmt.Errorf("psi: %s client: server's threshold %d is above this client's %d", protocolName, pm.Threshold, c.maxThreshold)
	}
	lit, ok := c.hp.preset(pm.Preset)
	if !ok {
		return nil, fmt.Errorf("psi: %s client: unknown preset %q", protocolName, pm.Preset)
	}
	if lit.Insecure && !c.hp.isTest(lit) {
		return nil, fmt.Errorf("psi: %s client: server offers %s: %w", protocolName, lit.Name, he.ErrInsecure)
	}
	alg := lit.Hash
	if alg == "" {
		alg = imagehash.AlgPHash8
	}
	if alg != c.alg {
		return nil, fmt.Errorf("psi: %s client: server offers %s, which computes %s; this client is for %s", protocolName, lit.Name, alg, c.alg)
	}
	if _, maxT, _ := checkShape(c.kind, c.bits); pm.Threshold > maxT {
		return nil, fmt.Errorf("psi: %s client: server's threshold %d outside 0..%d", protocolName, pm.Threshold, maxT)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if served != nil {
		if err := headapter.CheckServed(c.audit, protocolName, c.kind, c.bits, pm.Threshold, served); err != nil {
			return nil, err
		}
	}
	if c.engine == nil || c.preset != lit.Name {
		p, err := hashmatch.NewParams(lit)
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", protocolName, err)
		}
		rnd := c.rnd
		if rnd == nil {
			rnd = rand.Reader
		}
		e, err := hashmatch.NewClient(p, rnd)
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", protocolName, err)
		}
		keys, err := e.Keys()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", protocolName, err)
		}
		kb, err := keys.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", protocolName, err)
		}
		c.preset, c.p, c.engine, c.keys = lit.Name, p, e, kb
	}
	return headapter.BlobOf(protocolName+"/keys", c.keys), nil
}

// NewQuery refuses: this protocol's client input is an image.
func (c *client) NewQuery(phash.Hash) (psi.Steps, error) {
	return nil, fmt.Errorf("psi: %s: the client sends an image, not a hash (psi.Conn.QueryImage)", protocolName)
}

// NewImageQuery starts a query for img.
func (c *client) NewImageQuery(img image.Image) (psi.Steps, error) {
	if img == nil {
		return nil, fmt.Errorf("psi: %s: nil image", protocolName)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", protocolName)
	}
	return &clientQuery{c: c, engine: c.engine, answerSize: hashmatch.AnswerSize(c.p), img: img}, nil
}

// clientQuery holds one query's image between Start and the answer; it
// has no wire methods.
type clientQuery struct {
	c          *client
	engine     *hashmatch.Client
	answerSize int
	img        image.Image
	stage      int // 0: not started, 1: wait for answer, 2: done
}

func (q *clientQuery) Start() (psi.Message, error) {
	if q.stage != 0 {
		return nil, fmt.Errorf("psi: %s client: query already started", protocolName)
	}
	q.stage = 1
	return q.call("/query", func() ([]byte, error) { return q.engine.Query(q.img) })
}

// call runs one engine call under the client's lock and wraps its output
// as the message of the given kind suffix.
func (q *clientQuery) call(kind string, f func() ([]byte, error)) (psi.Message, error) {
	q.c.mu.Lock()
	b, err := f()
	q.c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", protocolName, err)
	}
	return headapter.BlobOf(protocolName+kind, b), nil
}

func (q *clientQuery) Expect() psi.Message {
	if q.stage != 1 {
		return nil
	}
	return headapter.NewBlob(protocolName+"/answer", q.answerSize)
}

func (q *clientQuery) Step(in psi.Message) (psi.Message, error) {
	m, ok := in.(*headapter.Blob)
	if !ok || q.stage != 1 || m.Kind() != protocolName+"/answer" {
		return nil, fmt.Errorf("psi: %s client: unexpected message %T", protocolName, in)
	}
	q.stage = 2
	return q.call("/reply", func() ([]byte, error) { return q.engine.Reveal(m.Data) })
}

// Outcome is always unknown: the client learns nothing.
func (q *clientQuery) Outcome() psi.Outcome { return psi.Outcome{} }
