package psi

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Some protocols need a setup message from the client as well: he-exact's
// client sends its evaluation keys (tens of MB) once, and the server must
// keep them for that client's queries. Such protocols implement two
// optional interfaces on top of Client and Server, and every runner honours
// them:
//
//	client                                        server
//	  |  Server.Setup (may be nil) ------------------>|  once per client
//	  |<-------------------------------- (down)       |
//	  |  ClientSetupSender.SetupUp ------------------>|  AcceptSetup -> ServerSession
//	  |  (up, counted as setup bytes)                 |  (per-client state)
//	  |  queries, each through the session ---------->|
//	  |  ...                                          |  session.Close on disconnect
//
// The server's root role then answers no query itself: its NewQuery
// returns an error and queries go through the ServerSession that
// AcceptSetup returned. Protocols without per-client state are unchanged;
// Open gives them a session that is the server itself.

// ClientSetupSender is a Client whose setup also sends one message up, after
// it has consumed the server's setup message (if any).
type ClientSetupSender interface {
	Client
	// SetupUp returns the message to send to the server. It is called
	// after Setup (or right away when the protocol has no down message),
	// once per server session; it must not return nil. Calling it again
	// for a new session may return the same material.
	SetupUp() (Message, error)
}

// ServerSetupReceiver is a Server that keeps state per client: it accepts
// the client's upstream setup message and returns a session that serves
// that client's queries.
type ServerSetupReceiver interface {
	Server
	// SetupUpMessage returns an empty message of the kind
	// ClientSetupSender.SetupUp sends.
	SetupUpMessage() Message
	// AcceptSetup consumes a client's upstream setup message and opens a
	// session for it. It fails when the server already holds as many
	// sessions as it allows (see Options.MaxSessions).
	AcceptSetup(m Message) (ServerSession, error)
}

// QueryServer starts the server side of queries: a Server itself, or a
// ServerSession for one client.
type QueryServer interface {
	// Protocol is the name of the protocol this role belongs to.
	Protocol() string
	// NewQuery starts the server side of one query.
	NewQuery() (ServerQuery, error)
}

// ServerSession is the server's state for one client. It is safe for
// concurrent queries. Close releases the state; later queries fail.
type ServerSession interface {
	QueryServer
	Close() error
}

// ErrNoSession is wrapped by the error a per-client server's root role
// returns when asked to answer a query outside a session.
var ErrNoSession = errors.New("psi: query outside a session")

// ErrSessionClosed is wrapped by the error a closed session returns.
var ErrSessionClosed = errors.New("psi: session closed")

// ErrTooManySessions is wrapped by AcceptSetup's error when a server
// already holds its maximum number of client sessions.
var ErrTooManySessions = errors.New("psi: too many client sessions")

// DefaultMaxSessions is the per-client sessions a server holds at once
// when Options.MaxSessions is 0.
const DefaultMaxSessions = 32

// sharedSession is the session of a protocol without per-client state: the
// server itself, with nothing to release.
type sharedSession struct{ Server }

func (sharedSession) Close() error { return nil }

// Open performs setup in process for one client: the server's setup
// message down (when there is one) and, for a ServerSetupReceiver, the
// client's setup message up, and returns the session that serves this
// client's queries (for other protocols, the server itself) with the setup
// transcript. The caller closes the session.
func Open(srv Server, cli Client) (ServerSession, *Transcript, error) {
	tr := &Transcript{Protocol: srv.Protocol()}
	if err := runSetup(srv, cli, tr); err != nil {
		return nil, tr, err
	}
	sess, err := runSetupUp(srv, cli, tr)
	return sess, tr, err
}

// runSetupUp runs the upstream half of setup in process, or wraps srv when
// the protocol has none.
func runSetupUp(srv Server, cli Client, tr *Transcript) (ServerSession, error) {
	rcv, sok := srv.(ServerSetupReceiver)
	snd, cok := cli.(ClientSetupSender)
	if sok != cok {
		return nil, fmt.Errorf("psi: setup: server and client disagree on whether the client sends a setup message")
	}
	if !sok {
		return sharedSession{srv}, nil
	}
	t0 := time.Now()
	m, err := snd.SetupUp()
	if err == nil && m == nil {
		err = errors.New("no message")
	}
	tr.Client.Setup += time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("psi: client setup up: %w", err)
	}
	tr.add(PhaseSetup, Up, m)
	in := rcv.SetupUpMessage()
	if err := pipe(m, in, &tr.Client.Setup, &tr.Server.Setup); err != nil {
		return nil, err
	}
	t0 = time.Now()
	sess, err := rcv.AcceptSetup(in)
	tr.Server.Setup += time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("psi: server accept setup: %w", err)
	}
	return sess, nil
}

// sessionLimit counts the sessions a server holds and refuses more than
// its maximum. The zero value is not usable; use newSessionLimit.
type sessionLimit struct {
	mu   sync.Mutex
	open int
	max  int
}

func newSessionLimit(max int) *sessionLimit {
	if max <= 0 {
		max = DefaultMaxSessions
	}
	return &sessionLimit{max: max}
}

// acquire reserves a session slot.
func (l *sessionLimit) acquire(proto string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max {
		return fmt.Errorf("%w: %s holds %d, its maximum", ErrTooManySessions, proto, l.open)
	}
	l.open++
	return nil
}

func (l *sessionLimit) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
}

// count reports the sessions currently held.
func (l *sessionLimit) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// sessionBinder lets RunSetup and RunQuery, which predate sessions, run a
// protocol with per-client state: RunSetup opens the client's session and
// binds it to the client inside the server (so it lives no longer than the
// server), and RunQuery on the server finds it. psi's own per-client
// servers embed one.
type sessionBinder struct {
	mu    sync.Mutex
	bound map[Client]ServerSession
}

// binder is implemented by servers that embed a sessionBinder.
type binder interface{ sessions() *sessionBinder }

func (b *sessionBinder) sessions() *sessionBinder { return b }

// bind makes sess cli's session, closing the one it replaces.
func (b *sessionBinder) bind(cli Client, sess ServerSession) {
	b.mu.Lock()
	old := b.bound[cli]
	if b.bound == nil {
		b.bound = map[Client]ServerSession{}
	}
	b.bound[cli] = sess
	b.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

func (b *sessionBinder) lookup(cli Client) ServerSession {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bound[cli]
}

func (b *sessionBinder) unbind(cli Client) ServerSession {
	b.mu.Lock()
	defer b.mu.Unlock()
	sess := b.bound[cli]
	delete(b.bound, cli)
	return sess
}

// EndSetup closes the session RunSetup bound to cli on srv, if any. Only
// callers of RunSetup need it; Open's caller closes its session itself.
func EndSetup(srv Server, cli Client) error {
	if b, ok := srv.(binder); ok {
		if sess := b.sessions().unbind(cli); sess != nil {
			return sess.Close()
		}
	}
	return nil
}

// boundSession returns the session RunSetup bound to cli on srv, or srv.
func boundSession(srv QueryServer, cli Client) QueryServer {
	if _, ok := srv.(ServerSetupReceiver); !ok {
		return srv
	}
	if b, ok := srv.(binder); ok {
		if sess := b.sessions().lookup(cli); sess != nil {
			return sess
		}
	}
	return srv
}
