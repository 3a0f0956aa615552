package hehamming_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// offerSetup hands the client's setup the server message m, through its
// encoding, and returns the client's verdict.
func offerSetup(t *testing.T, cli psi.Client, m psi.Message) error {
	t.Helper()
	st, err := cli.Setup()
	if err != nil {
		return err
	}
	if _, err := st.Start(); err != nil {
		return err
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return offerSetupBytes(t, st, b)
}

// offerSetupBytes hands a started client setup the bytes b as the
// server's message.
func offerSetupBytes(t *testing.T, st psi.Steps, b []byte) error {
	t.Helper()
	in := st.Expect()
	if in == nil {
		t.Fatal("client setup expects nothing")
	}
	if err := in.UnmarshalBinary(b); err != nil {
		return err
	}
	_, err := st.Step(in)
	return err
}
