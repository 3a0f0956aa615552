package heexact_test

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

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

// must returns v, failing the test on err: must(f())(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// session sets up a client of db with srv and returns it and the
// server's session (closed when the test ends).
func session(t *testing.T, srv psi.Server, db *psi.Database) (psi.Client, psi.ServerSession) {
	t.Helper()
	cli := heClient(t, db)
	_, sess := psitest.SetupExchange(t, srv, cli)
	t.Cleanup(func() { sess.Close() })
	return cli, sess
}
