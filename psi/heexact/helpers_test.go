package heexact_test

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/privmatch/privmatch/psi"
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
