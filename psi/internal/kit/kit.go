// Package kit holds what psi's protocol packages share and nobody
// outside needs: the small state machines setups are built from, the
// sessions of servers with and without per-client state, and the checks
// every protocol makes on hash shapes and options.
package kit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// setupSteps is a side made of a first message and at most one message
// received, whose handler may answer with one more message.
type setupSteps struct {
	proto   string
	first   func() (psi.Message, error) // nil: send nothing first
	expect  func() psi.Message          // nil: receive nothing
	step    func(psi.Message) (psi.Message, error)
	started bool
	done    bool
}

func (s *setupSteps) Start() (psi.Message, error) {
	if s.started {
		return nil, fmt.Errorf("psi: %s: already started", s.proto)
	}
	s.started = true
	if s.expect == nil {
		s.done = true
	}
	if s.first == nil {
		return nil, nil
	}
	return s.first()
}

func (s *setupSteps) Expect() psi.Message {
	if !s.started || s.done {
		return nil
	}
	return s.expect()
}

func (s *setupSteps) Step(in psi.Message) (psi.Message, error) {
	if !s.started || s.done {
		return nil, fmt.Errorf("psi: %s: unexpected message %s", s.proto, in.Kind())
	}
	s.done = true
	return s.step(in)
}

func (s *setupSteps) Outcome() psi.Outcome { return psi.Outcome{} }

// Send is a side that sends m (nothing when m is nil) and receives
// nothing: a server's setup that ships a table.
func Send(proto string, m psi.Message) psi.Steps {
	if m == nil {
		return &setupSteps{proto: proto}
	}
	return &setupSteps{proto: proto, first: func() (psi.Message, error) { return m, nil }}
}

// Recv is a side that receives one message and hands it to accept; with a
// nil expect it receives nothing.
func Recv(proto string, expect func() psi.Message, accept func(psi.Message) error) psi.Steps {
	if expect == nil {
		return &setupSteps{proto: proto}
	}
	return &setupSteps{proto: proto, expect: expect, step: func(m psi.Message) (psi.Message, error) {
		return nil, accept(m)
	}}
}

// Reply is a side that receives one message and answers it: a client's
// setup that takes parameters and sends its keys.
func Reply(proto string, expect func() psi.Message, answer func(psi.Message) (psi.Message, error)) psi.Steps {
	return &setupSteps{proto: proto, expect: expect, step: answer}
}

// SendThenRecv is a side that sends first (when first is not nil) and
// then receives one message and answers it (or not).
func SendThenRecv(proto string, first func() (psi.Message, error), expect func() psi.Message, answer func(psi.Message) (psi.Message, error)) psi.Steps {
	return &setupSteps{proto: proto, first: first, expect: expect, step: answer}
}

// Shared is the session of a protocol that keeps no per-client state:
// setup sends the same message to everyone, queries share the server.
type Shared struct {
	Proto string
	Down  psi.Message // nil: no setup message
	Query func() (psi.Steps, error)
}

// Setup sends Down.
func (s Shared) Setup() (psi.Steps, error) { return Send(s.Proto, s.Down), nil }

// NewQuery starts a query.
func (s Shared) NewQuery() (psi.Steps, error) { return s.Query() }

// Close has nothing to release.
func (s Shared) Close() error { return nil }

// ServerStart is embedded by server query types: the server speaks second
// in every protocol here.
type ServerStart struct{}

// Start sends nothing.
func (ServerStart) Start() (psi.Message, error) { return nil, nil }

// SessionLimit counts the sessions a server holds and refuses more than
// its maximum.
type SessionLimit struct {
	mu   sync.Mutex
	open int
	max  int
}

// NewSessionLimit allows max sessions (psi.DefaultMaxSessions when max
// is 0 or less).
func NewSessionLimit(max int) *SessionLimit {
	if max <= 0 {
		max = psi.DefaultMaxSessions
	}
	return &SessionLimit{max: max}
}

// Acquire reserves a session slot.
func (l *SessionLimit) Acquire(proto string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max {
		return fmt.Errorf("%w: %s holds %d, its maximum", psi.ErrTooManySessions, proto, l.open)
	}
	l.open++
	return nil
}

// Release gives a slot back.
func (l *SessionLimit) Release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
}

// RequireExact rejects a non-zero threshold for protocols that only test
// equality.
func RequireExact(proto string, opts psi.Options) error {
	if opts.Threshold != 0 {
		return fmt.Errorf("psi: %s: protocol matches exactly; threshold must be 0, got %d", proto, opts.Threshold)
	}
	return nil
}

// HashBytes is the wire length of a hash of the given bit length.
func HashBytes(bits int) int { return (bits + 7) / 8 }

// CheckKind rejects an empty kind or a length outside 1..phash.MaxBits.
func CheckKind(kind phash.Kind, bits int) error {
	if kind == "" || bits <= 0 || bits > phash.MaxBits {
		return fmt.Errorf("psi: bad hash kind %q or length %d", kind, bits)
	}
	return nil
}

// RefuseAudit rejects Options.Audit for a protocol whose setup cannot run
// the audit check, so a device that asks for the check never runs without it.
func RefuseAudit(name string, opts psi.Options) error {
	if opts.Audit != nil {
		return fmt.Errorf("psi: %s client: cannot check its list against a published head (Options.Audit is supported by oprf-psi, threshold-psi, he-exact, he-hamming, he-hamming-lsh and he-hash-match)", name)
	}
	return nil
}

// DecodeHash reads exactly one hash's bytes.
func DecodeHash(kind phash.Kind, bits int, b []byte) (phash.Hash, error) {
	if len(b) != HashBytes(bits) {
		return phash.Hash{}, fmt.Errorf("want %d bytes, got %d", HashBytes(bits), len(b))
	}
	return phash.NewHash(kind, bits, b)
}

// CheckDatabase rejects a nil database or one of a bad hash kind: the
// start of every server constructor.
func CheckDatabase(proto string, db *psi.Database) error {
	if db == nil {
		return fmt.Errorf("psi: %s: nil database", proto)
	}
	return CheckKind(db.Kind, db.Bits)
}

// ExactServer is the start of an exact-match protocol's server
// constructor: RequireExact, then CheckDatabase.
func ExactServer(proto string, db *psi.Database, opts psi.Options) error {
	if err := RequireExact(proto, opts); err != nil {
		return err
	}
	return CheckDatabase(proto, db)
}

// ExactClient is the start of an exact-match protocol's client
// constructor: RefuseAudit unless the protocol runs the audit check, then
// RequireExact and CheckKind.
func ExactClient(proto string, audited bool, kind phash.Kind, bits int, opts psi.Options) error {
	if !audited {
		if err := RefuseAudit(proto, opts); err != nil {
			return err
		}
	}
	if err := RequireExact(proto, opts); err != nil {
		return err
	}
	return CheckKind(kind, bits)
}

// Ledger decodes a protocol's ledger as its package embeds it (ledger.json,
// psi.Ledger's JSON form) and appends psi.TransportClaims(dir, except...).
// The bytes are the package's own, fixed at build time, and every
// protocol's tests read its ledger, so a ledger that does not decode is a
// defect of the build: Ledger panics on it.
func Ledger(b []byte, dir string, except ...string) psi.Ledger {
	var led psi.Ledger
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&led); err != nil {
		panic(fmt.Sprintf("psi: %s: embedded ledger: %v", dir, err))
	}
	led.Claims = append(led.Claims, psi.TransportClaims(dir, except...)...)
	return led
}

// Fill writes values computed at run time (a preset's key size, a bound)
// into an embedded ledger's placeholders: oldnew pairs as
// strings.NewReplacer takes them, such as "{max_oprf}", "4096". Values
// must need no JSON escaping.
func Fill(b []byte, oldnew ...string) []byte {
	return []byte(strings.NewReplacer(oldnew...).Replace(string(b)))
}

// Fixed gives a protocol whose ledger is fixed data its Name and Ledger:
// embed it in the protocol's type. Except lists the transport attacks
// that do not apply (see psi.TransportClaims).
type Fixed struct {
	Proto      string
	LedgerJSON []byte // the package's ledger.json
	Dir        string // the package's directory, such as "psi/oprf"
	Except     []string
}

// Name names the protocol.
func (f Fixed) Name() string { return f.Proto }

// Ledger decodes the protocol's ledger (see Ledger).
func (f Fixed) Ledger() psi.Ledger { return Ledger(f.LedgerJSON, f.Dir, f.Except...) }
