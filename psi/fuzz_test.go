package psi

import (
	"bytes"
	"net"
	"testing"
	"time"
)

func FuzzHello(f *testing.F) {
	f.Add(hello{protocol: "oprf-psi", kind: "pdq", bits: 256}.marshal())
	f.Add([]byte{0, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHello(b)
		if err != nil {
			return
		}
		if !bytes.Equal(h.marshal(), b) {
			t.Fatalf("hello round trip changed the bytes")
		}
	})
}

// FuzzFrameConn: any bytes a peer sends either fail to read with an
// error or read back as the frames a writer would have produced from
// them, under the limit.
func FuzzFrameConn(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 6})
	f.Add([]byte{0, 0, 0, 3, 2, 'h', 'i'})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, c := net.Pipe()
		defer a.Close()
		defer c.Close()
		go func() { a.Write(b); a.Close() }()
		fc := NewFrameConn(c, time.Second)
		var again bytes.Buffer
		for {
			typ, p, err := fc.Recv(64)
			if err != nil {
				break
			}
			if len(p) > 64 || !typ.valid() {
				t.Fatalf("frame type %d of %d bytes read under limit 64", typ, len(p))
			}
			again.Write([]byte{byte((len(p) + 1) >> 24), byte((len(p) + 1) >> 16), byte((len(p) + 1) >> 8), byte(len(p) + 1), byte(typ)})
			again.Write(p)
		}
		if !bytes.HasPrefix(b, again.Bytes()) {
			t.Fatalf("frames read back differ from the bytes sent")
		}
	})
}
