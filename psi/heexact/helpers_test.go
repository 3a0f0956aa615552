package heexact_test

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

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

// refused reads frames from a raw connection until an error frame (true)
// or the end of the stream (false).
func refused(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return false
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if _, err := io.CopyN(io.Discard, c, int64(n-1)); err != nil {
			return false
		}
		if hdr[4] == byte(psi.FrameError) {
			return true
		}
	}
}
