package psi

import "errors"

// ErrSessionClosed is wrapped by the error a closed session returns.
var ErrSessionClosed = errors.New("psi: session closed")

// ErrTooManySessions is wrapped by the error of a setup that would make a
// server hold more client sessions (uploaded keys) than Options.MaxSessions.
var ErrTooManySessions = errors.New("psi: too many client sessions")

// DefaultMaxSessions is the per-client key sets a server holds at once
// when Options.MaxSessions is 0.
const DefaultMaxSessions = 32
