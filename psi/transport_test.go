package psi_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// TestFramePayload: a frame's payload arrives whole in a slice of exactly
// its length (a gigabyte key frame keeps no slack), at sizes around the
// reader's growth steps; a peer that announces a large frame and stalls
// costs the reader about what it sent, and the error counts the bytes.
func TestFramePayload(t *testing.T) {
	for _, n := range []int{1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 3<<20 + 7} {
		a, b := net.Pipe()
		payload := bytes.Repeat([]byte{0x5a, 0xa5, 7}, n/3+1)[:n]
		sent := make(chan error, 1)
		go func() { sent <- psi.NewFrameConn(a, 0).Send(psi.FrameMessage, payload) }()
		typ, got, err := psi.NewFrameConn(b, 0).Recv(n)
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		a.Close()
		b.Close()
		if err != nil || typ != psi.FrameMessage {
			t.Fatalf("%d bytes: type %d, %v", n, typ, err)
		}
		if !bytes.Equal(got, payload) || cap(got) != len(got) {
			t.Errorf("%d bytes: got %d (capacity %d), equal %v", n, len(got), cap(got), bytes.Equal(got, payload))
		}
	}

	const announced, sent = 1 << 30, 1 << 20
	a, b := net.Pipe()
	hdr, body := make([]byte, 5), make([]byte, sent)
	binary.BigEndian.PutUint32(hdr[:4], announced+1)
	hdr[4] = byte(psi.FrameMessage)
	go func() {
		defer a.Close()
		a.Write(hdr)
		a.Write(body)
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := psi.NewFrameConn(b, 0).Recv(announced)
	runtime.ReadMemStats(&after)
	b.Close()
	if err == nil || !strings.Contains(err.Error(), "1048576 of 1073741824 payload bytes") {
		t.Errorf("stalled frame: %v, want an error counting the bytes", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*sent {
		t.Errorf("stalled frame of %d bytes sent cost %d bytes allocated", sent, alloc)
	}
}
