// Package psi runs private membership protocols: a client holding one
// perceptual hash asks whether it is in a server's database, and each
// protocol decides who learns the answer and what else leaks.
//
// Start here (ExampleRun is this snippet, compiled and run): import
// psi/protocols for its side effect, so the registry holds every protocol,
// pick one by name (ByName, Names), build a Server from a Database and a
// Client, and run one query in process with Run:
//
//	import _ "github.com/privmatch/privmatch/psi/protocols"
//
//	p, _ := psi.ByName("oprf-psi")
//	srv, _ := p.NewServer(db, psi.Options{})
//	cli, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
//	tr, err := psi.Run(srv, cli, h)
//	fmt.Println(tr.Summary(), tr.ServerOutcome, p.Ledger().ResultTo)
//
// For several queries after one setup, Open returns a Conn (Conn.Query,
// Conn.Close); over TCP, Serve runs the server and Dial the client. All
// three run the same two drivers, one per role, over a Transport (an
// in-process pipe or framed TCP): every message is encoded, checked
// against its BinarySize, recorded in a Transcript and decoded on the
// other side, so tests, the report and the command measure the same path.
//
// Roles are plain state machines with no I/O inside (Steps): a Server
// opens a ServerSession per client, whose setup (a table or parameters
// down, keys up) and queries are Steps; a Client does the same for its
// side. Each step takes one Message and returns the next, like circl's
// oprf Client and Server. Client-side secrets live in unexported fields
// of types with no wire methods, so they cannot be sent by accident. A
// server that keeps per-client keys holds them only for the session.
//
// Every message reports its wire size (BinarySize) and round-trips
// through MarshalBinary and UnmarshalBinary; decoders validate lengths
// before they touch any group element and return errors, never panic.
// A Transcript records direction, kind and size of every message and the
// time each side spent computing; the client is never sent the server's
// time (it would tell the match bit in some protocols): Serve logs it.
// Every protocol carries a Ledger: what the server, the client and a
// network observer learn, written as data.
//
// Protocols live in their own packages, in the manner of circl's one
// package per scheme, and register themselves (psi cannot import them:
// they import psi): psi/plaintext ("plaintext-server", the cost baseline),
// psi/ondevice ("on-device-list"), psi/oprf ("oprf-psi", Apple-style
// blinded cuckoo table and vouchers), psi/heexact ("he-exact", BGV exact
// membership behind an OPRF round), psi/hehamming ("he-hamming", BGV
// Hamming distance under a threshold) and psi/hehamminglsh
// ("he-hamming-lsh", the same test on one bucketed group of candidates),
// the last three on one adapter over the HE engines; psi/hehashmatch
// ("he-hash-match", the whole phash8 and its match computed by the server
// on an encrypted image: its client is an ImageClient, queried with
// Conn.QueryImage); and
// psi/threshold ("threshold-psi", account-level threshold reporting on
// oprf-psi's table; threshold.New builds other policies).
// psi/protocols imports them all. The registry is sealed at its first
// lookup. psi/psitest holds the conformance and attack suites each
// package runs.
package psi

import (
	"encoding"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
)

// Message is anything that crosses the wire. BinarySize reports the exact
// length MarshalBinary produces.
type Message interface {
	// Kind names the message, such as "oprf-psi/voucher", for transcripts.
	Kind() string
	// BinarySize is the length of MarshalBinary's output in bytes.
	BinarySize() int
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// Outcome is what one side knows about a query's result after the run.
type Outcome struct {
	// Known is true when this side learned the match bit.
	Known bool `json:"known"`
	// Match is the match bit; meaningful only when Known.
	Match bool `json:"match"`
	// Tampered is set by a server that caught the client altering its
	// reply: the query's result is void. The client is not told.
	Tampered bool `json:"tampered,omitempty"`
}

// String prints "match", "no match", "tampered" or "unknown".
func (o Outcome) String() string {
	switch {
	case o.Tampered:
		return "tampered"
	case !o.Known:
		return "unknown"
	case o.Match:
		return "match"
	default:
		return "no match"
	}
}

// Options configures a protocol role.
type Options struct {
	// Threshold is the Hamming distance at or below which two hashes
	// match. Exact protocols accept only 0.
	Threshold int
	// Rand is the source of randomness; nil means crypto/rand.Reader.
	Rand io.Reader
	// MaxSessions bounds the client sessions a server with per-client
	// state (uploaded keys) holds at once; 0 means
	// DefaultMaxSessions. Other protocols ignore it.
	MaxSessions int
	// Audit, on a client, makes setup check that the table or database
	// it is served is the published one (audit.Device.Setup against the
	// publisher's key and the newest head it has accepted); nil skips the
	// check. The clients of protocols whose servers are Auditable
	// (oprf-psi, threshold-psi, he-exact, he-hamming, he-hamming-lsh,
	// he-hash-match) run it; the others refuse a non-nil Audit rather
	// than run unchecked. The device is not safe for concurrent use:
	// give each client its own.
	Audit *audit.Device
}

// Protocol is a private membership protocol: a factory for its two roles
// and the account of what it leaks. Implementations are safe for concurrent
// use.
type Protocol interface {
	// Name is the registry name, such as "oprf-psi".
	Name() string
	// Ledger says what each party and a network observer learn.
	Ledger() Ledger
	// NewServer preprocesses db (a one-time server cost) and returns the
	// server role.
	NewServer(db *Database, opts Options) (Server, error)
	// NewClient returns the client role for hashes of the given kind and
	// length.
	NewClient(kind phash.Kind, bits int, opts Options) (Client, error)
}

// Steps is one role's side of one exchange (a session's setup, or one
// query): a state machine with no I/O inside. Start gives the first
// message this side sends; each later message the side waits for is
// described by Expect and consumed by Step, which returns the next message
// to send. A Steps value is used by one goroutine.
type Steps interface {
	// Start returns the first message this side sends, or nil when it
	// sends nothing before the peer speaks (or at all). It is called
	// once, first.
	Start() (Message, error)
	// Expect returns an empty message of the kind this side waits for
	// next, or nil when its part of the exchange is finished.
	Expect() Message
	// Step consumes the message Expect described and returns the next
	// message to send, or nil when this side sends nothing back.
	Step(in Message) (Message, error)
	// Outcome is what this side has learned so far about the query's
	// result (the zero Outcome for a setup).
	Outcome() Outcome
}

// Server is a protocol's server role after preprocessing. It is safe for
// concurrent use: every client session and every query gets its own
// state.
type Server interface {
	// Protocol is the name of the protocol this role belongs to.
	Protocol() string
	// NewSession starts the server's side of one client's session.
	NewSession() (ServerSession, error)
}

// ServerSession is the server's state for one client: its setup (a table
// or parameters down, keys up, whatever the protocol exchanges once),
// then any number of queries, one at a time.
type ServerSession interface {
	// Setup returns the server's side of the session's setup. It is
	// called once, before the first query.
	Setup() (Steps, error)
	// NewQuery starts the server's side of one query. It fails before
	// the setup has finished and after Close.
	NewQuery() (Steps, error)
	// Close releases the per-client state (uploaded keys). Queries
	// already started finish.
	Close() error
}

// Client is a protocol's client role. Its methods are safe for concurrent
// use; the secrets it keeps (such as a secret key) have no wire methods.
type Client interface {
	// Protocol is the name of the protocol this role belongs to.
	Protocol() string
	// Setup returns the client's side of one session's setup. Queries
	// follow once it has finished. A client may set up again, for a new
	// session; material it sends up (keys) is reused.
	Setup() (Steps, error)
	// NewQuery starts the client's side of a query for h.
	NewQuery(h phash.Hash) (Steps, error)
}

// The registry is filled by init functions and read-only afterwards: the
// first lookup seals it, and Register after that panics, so the set of
// protocols cannot change while the command or the report runs.
var (
	regMu    sync.Mutex
	registry = map[string]Protocol{}
	sealed   bool
	names    []string // sorted, built when sealed
)

// Register adds a protocol under its Name. Call it only from an init
// function: it panics if the name is taken or the registry has already
// been read (both are programming errors).
func Register(p Protocol) {
	regMu.Lock()
	defer regMu.Unlock()
	if sealed {
		panic("psi: Register after the registry was read: " + p.Name())
	}
	if _, dup := registry[p.Name()]; dup {
		panic("psi: protocol registered twice: " + p.Name())
	}
	registry[p.Name()] = p
}

// seal freezes the registry on first use and returns the sorted names.
func seal() []string {
	regMu.Lock()
	defer regMu.Unlock()
	if !sealed {
		sealed = true
		for n := range registry {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	return names
}

// ByName returns the registered protocol with the given name.
func ByName(name string) (Protocol, error) {
	known := seal()
	p, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("psi: unknown protocol %q (known: %v)", name, known)
	}
	return p, nil
}

// Names returns the registered protocol names, sorted.
func Names() []string { return append([]string(nil), seal()...) }

// All returns every registered protocol in the order of Names.
func All() []Protocol {
	var out []Protocol
	for _, n := range seal() {
		out = append(out, registry[n])
	}
	return out
}
