package psi

import (
	"errors"
	"fmt"
	"sync"
)

// This file holds the small state machines protocols build their setups
// from: one message down (a table, parameters), and optionally one message
// back up (keys).

// setupSteps is a setup side made of a first message and at most one
// message received, whose handler may answer with one more message.
type setupSteps struct {
	proto   string
	first   func() (Message, error) // nil: send nothing first
	expect  func() Message          // nil: receive nothing
	step    func(Message) (Message, error)
	started bool
	done    bool
}

func (s *setupSteps) Start() (Message, error) {
	if s.started {
		return nil, fmt.Errorf("psi: %s setup: already started", s.proto)
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

func (s *setupSteps) Expect() Message {
	if !s.started || s.done {
		return nil
	}
	return s.expect()
}

func (s *setupSteps) Step(in Message) (Message, error) {
	if !s.started || s.done {
		return nil, fmt.Errorf("psi: %s setup: unexpected message %s", s.proto, in.Kind())
	}
	s.done = true
	return s.step(in)
}

func (s *setupSteps) Outcome() Outcome { return Outcome{} }

// sendSetup is a server setup that sends m down (nothing when m is nil)
// and receives nothing.
func sendSetup(proto string, m Message) Steps {
	if m == nil {
		return &setupSteps{proto: proto}
	}
	return &setupSteps{proto: proto, first: func() (Message, error) { return m, nil }}
}

// recvSetup is a client setup that receives one message and hands it to
// accept; with a nil expect it receives nothing.
func recvSetup(proto string, expect func() Message, accept func(Message) error) Steps {
	if expect == nil {
		return &setupSteps{proto: proto}
	}
	return &setupSteps{proto: proto, expect: expect, step: func(m Message) (Message, error) {
		return nil, accept(m)
	}}
}

// ErrSessionClosed is wrapped by the error a closed session returns.
var ErrSessionClosed = errors.New("psi: session closed")

// ErrTooManySessions is wrapped by the error of a setup that would make a
// server hold more client sessions (uploaded keys) than Options.MaxSessions.
var ErrTooManySessions = errors.New("psi: too many client sessions")

// DefaultMaxSessions is the per-client key sets a server holds at once
// when Options.MaxSessions is 0.
const DefaultMaxSessions = 32

// sharedSession is the session of a protocol that keeps no per-client
// state: setup sends the same message to everyone, queries share the
// server.
type sharedSession struct {
	proto string
	setup Message
	query func() (Steps, error)
}

func (s sharedSession) Setup() (Steps, error)    { return sendSetup(s.proto, s.setup), nil }
func (s sharedSession) NewQuery() (Steps, error) { return s.query() }
func (s sharedSession) Close() error             { return nil }

// serverQueryStart is embedded by server query types: the server speaks
// second in every protocol here.
type serverQueryStart struct{}

func (serverQueryStart) Start() (Message, error) { return nil, nil }

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
