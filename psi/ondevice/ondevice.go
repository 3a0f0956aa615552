// Package ondevice is the "on-device-list" protocol: the client
// downloads the whole list and checks locally; see Protocol.
package ondevice

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/privmatch/privmatch/phash"
)

// Protocol is the "on-device-list" protocol: the client downloads the
// whole list once and checks every image locally. Nothing is sent per
// image.
//
//	client                                  server
//	  |  Protocol: count (4 B) + count    |
//	  |  hashes (ceil(bits/8) B each), once   |
//	  |<--------------------------------------|
//	  |                                       |
//	  |  per image: set look-up on the device, no message
//
// Threat model: the server learns nothing per image (not even that a query
// happened), but the list itself is public to every client: anyone can
// read it, test images against it offline, and edit images until they no
// longer match (evasion) or craft innocent images that do (collisions). The
// client alone learns the result; reporting a match would need a further
// message this protocol does not define. A malicious client simply ignores
// the result.
var Protocol psi.Protocol = onDeviceProtocol{kit.Fixed{Proto: onDeviceName, LedgerJSON: ledgerJSON, Dir: "psi/ondevice", Except: []string{"reordered"}}}

// ledgerJSON is the protocol's ledger as data. No message goes per query:
// replays, reordering, echoes, altered replies and per-query timing have
// nothing to work on (so "reordered" does not apply).
//
//go:embed ledger.json
var ledgerJSON []byte

const onDeviceName = "on-device-list"

func init() { psi.Register(Protocol) }

type onDeviceProtocol struct{ kit.Fixed }

func (onDeviceProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.ExactServer(onDeviceName, db, opts); err != nil {
		return nil, err
	}
	if uint64(len(db.Hashes)) > 1<<32-1 {
		return nil, fmt.Errorf("psi: %s: database of %d entries too large", onDeviceName, len(db.Hashes))
	}
	return &onDeviceServer{list: &List{kind: db.Kind, bits: db.Bits, Hashes: db.Hashes}}, nil
}

func (p onDeviceProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if err := kit.ExactClient(p.Name(), false, kind, bits, opts); err != nil {
		return nil, err
	}
	return &onDeviceClient{kind: kind, bits: bits}, nil
}

// List is the whole list, sent once at setup.
type List struct {
	kind   phash.Kind
	bits   int
	Hashes []phash.Hash
}

// Kind names the message.
func (*List) Kind() string { return onDeviceName + "/list" }

// BinarySize is 4 + n*ceil(bits/8).
func (m *List) BinarySize() int { return 4 + len(m.Hashes)*kit.HashBytes(m.bits) }

// MarshalBinary writes a big-endian uint32 count and the hashes' bytes.
func (m *List) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4, m.BinarySize())
	binary.BigEndian.PutUint32(b, uint32(len(m.Hashes)))
	for i, h := range m.Hashes {
		if h.Kind() != m.kind || h.Bits() != m.bits {
			return nil, fmt.Errorf("psi: encode %s: entry %d is %s/%d, want %s/%d", m.Kind(), i, h.Kind(), h.Bits(), m.kind, m.bits)
		}
		b = append(b, h.Bytes()...)
	}
	return b, nil
}

// UnmarshalBinary reads the count and checks it against the length before
// allocating.
func (m *List) UnmarshalBinary(b []byte) error {
	if len(b) < 4 {
		return fmt.Errorf("psi: decode %s: %d bytes, need at least 4", m.Kind(), len(b))
	}
	n := uint64(binary.BigEndian.Uint32(b))
	hb := uint64(kit.HashBytes(m.bits))
	if uint64(len(b)-4) != n*hb {
		return fmt.Errorf("psi: decode %s: count %d needs %d bytes of hashes, got %d", m.Kind(), n, n*hb, len(b)-4)
	}
	hs := make([]phash.Hash, n)
	for i := range hs {
		off := 4 + uint64(i)*hb
		h, err := kit.DecodeHash(m.kind, m.bits, b[off:off+hb])
		if err != nil {
			return fmt.Errorf("psi: decode %s: entry %d: %w", m.Kind(), i, err)
		}
		hs[i] = h
	}
	m.Hashes = hs
	return nil
}

type onDeviceServer struct {
	list *List
}

func (s *onDeviceServer) Protocol() string { return onDeviceName }
func (s *onDeviceServer) NewSession() (psi.ServerSession, error) {
	return kit.Shared{Proto: onDeviceName, Down: s.list, Query: func() (psi.Steps, error) { return onDeviceServerQuery{}, nil }}, nil
}

// onDeviceServerQuery expects nothing: the server takes no part in a query.
type onDeviceServerQuery struct{ kit.ServerStart }

func (onDeviceServerQuery) Expect() psi.Message { return nil }
func (onDeviceServerQuery) Step(in psi.Message) (psi.Message, error) {
	return nil, fmt.Errorf("psi: %s server: expects no query messages", onDeviceName)
}
func (onDeviceServerQuery) Outcome() psi.Outcome { return psi.Outcome{} }

type onDeviceClient struct {
	kind phash.Kind
	bits int
	mu   sync.Mutex
	set  map[phash.Hash]struct{}
}

func (c *onDeviceClient) Protocol() string { return onDeviceName }

// Setup downloads the list.
func (c *onDeviceClient) Setup() (psi.Steps, error) {
	return kit.Recv(onDeviceName, func() psi.Message { return &List{kind: c.kind, bits: c.bits} }, c.accept), nil
}

func (c *onDeviceClient) accept(m psi.Message) error {
	l, ok := m.(*List)
	if !ok {
		return fmt.Errorf("psi: %s client: setup got %T", onDeviceName, m)
	}
	set := make(map[phash.Hash]struct{}, len(l.Hashes))
	for _, h := range l.Hashes {
		if h.Kind() != c.kind || h.Bits() != c.bits {
			return fmt.Errorf("psi: %s client: list entry is %s/%d, want %s/%d", onDeviceName, h.Kind(), h.Bits(), c.kind, c.bits)
		}
		set[h] = struct{}{}
	}
	c.mu.Lock()
	c.set = set
	c.mu.Unlock()
	return nil
}

func (c *onDeviceClient) NewQuery(h phash.Hash) (psi.Steps, error) {
	c.mu.Lock()
	set := c.set
	c.mu.Unlock()
	if set == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", onDeviceName)
	}
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", onDeviceName, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	_, match := set[h]
	return &onDeviceClientQuery{out: psi.Outcome{Known: true, Match: match}}, nil
}

type onDeviceClientQuery struct{ out psi.Outcome }

func (q *onDeviceClientQuery) Start() (psi.Message, error) { return nil, nil }
func (q *onDeviceClientQuery) Expect() psi.Message         { return nil }
func (q *onDeviceClientQuery) Step(in psi.Message) (psi.Message, error) {
	return nil, fmt.Errorf("psi: %s client: expects no query messages", onDeviceName)
}
func (q *onDeviceClientQuery) Outcome() psi.Outcome { return q.out }
