package psitest

import (
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// Deliver sends m, a client message built outside the client's Steps (a
// forged or replayed one), to a new query of sess through its encoding,
// and returns the server's query after its step, for its Outcome.
func Deliver(t testing.TB, sess psi.ServerSession, m psi.Message) psi.Steps {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	sq, err := sess.NewQuery()
	if err != nil {
		t.Fatal(err)
	}
	in := sq.Expect()
	if err := in.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if _, err := sq.Step(in); err != nil {
		t.Fatal(err)
	}
	return sq
}
