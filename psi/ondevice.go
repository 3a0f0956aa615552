package psi

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/privmatch/privmatch/phash"
)

// OnDeviceList is the "on-device-list" protocol: the client downloads the
// whole list once and checks every image locally. Nothing is sent per
// image.
//
//	client                                  server
//	  |  OnDeviceList: count (4 B) + count    |
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
var OnDeviceList Protocol = onDeviceProtocol{}

const onDeviceName = "on-device-list"

func init() { Register(OnDeviceList) }

type onDeviceProtocol struct{}

func (onDeviceProtocol) Name() string { return onDeviceName }

func (onDeviceProtocol) Ledger() Ledger {
	return Ledger{
		Protocol: onDeviceName,
		ResultTo: "client",
		Setup:    "the whole list in the clear (4 + n*ceil(bits/8) bytes), downloaded once",
		Server: View{
			OnMatch:    []Fact{FactNothing},
			OnNonMatch: []Fact{FactNothing},
			Notes:      "learns only that a client downloaded the list",
		},
		Client: View{
			OnMatch:    []Fact{FactDatabase, FactDatabaseSize, FactMatchBit, FactMatchedEntry},
			OnNonMatch: []Fact{FactDatabase, FactDatabaseSize, FactMatchBit},
		},
		Network: View{
			OnMatch:    []Fact{FactNothing},
			OnNonMatch: []Fact{FactNothing},
			Notes:      "sees the list download (its size, and its content without transport encryption); nothing per image",
		},
		Model:           "semi-honest server; the list is public by design",
		MaliciousServer: "can ship any list, or different lists to different clients, unless clients compare list digests",
		MaliciousClient: "reads the list, tests and edits images offline against it, and can skip the check",
		Claimed:         nil,
	}
}

func (onDeviceProtocol) NewServer(db *Database, opts Options) (Server, error) {
	if err := requireExact(onDeviceName, opts); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("psi: %s: nil database", onDeviceName)
	}
	if uint64(len(db.Hashes)) > 1<<32-1 {
		return nil, fmt.Errorf("psi: %s: database of %d entries too large", onDeviceName, len(db.Hashes))
	}
	return &onDeviceServer{list: &OnDeviceListMessage{kind: db.Kind, bits: db.Bits, Hashes: db.Hashes}}, nil
}

func (onDeviceProtocol) NewClient(kind phash.Kind, bits int, opts Options) (Client, error) {
	if err := requireExact(onDeviceName, opts); err != nil {
		return nil, err
	}
	if err := checkKind(kind, bits); err != nil {
		return nil, err
	}
	return &onDeviceClient{kind: kind, bits: bits}, nil
}

// OnDeviceListMessage is the whole list, sent once at setup.
type OnDeviceListMessage struct {
	kind   phash.Kind
	bits   int
	Hashes []phash.Hash
}

// Kind names the message.
func (*OnDeviceListMessage) Kind() string { return onDeviceName + "/list" }

// BinarySize is 4 + n*ceil(bits/8).
func (m *OnDeviceListMessage) BinarySize() int { return 4 + len(m.Hashes)*hashBytes(m.bits) }

// MarshalBinary writes a big-endian uint32 count and the hashes' bytes.
func (m *OnDeviceListMessage) MarshalBinary() ([]byte, error) {
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
func (m *OnDeviceListMessage) UnmarshalBinary(b []byte) error {
	if len(b) < 4 {
		return fmt.Errorf("psi: decode %s: %d bytes, need at least 4", m.Kind(), len(b))
	}
	n := uint64(binary.BigEndian.Uint32(b))
	hb := uint64(hashBytes(m.bits))
	if uint64(len(b)-4) != n*hb {
		return fmt.Errorf("psi: decode %s: count %d needs %d bytes of hashes, got %d", m.Kind(), n, n*hb, len(b)-4)
	}
	hs := make([]phash.Hash, n)
	for i := range hs {
		off := 4 + uint64(i)*hb
		h, err := decodeHash(m.kind, m.bits, b[off:off+hb])
		if err != nil {
			return fmt.Errorf("psi: decode %s: entry %d: %w", m.Kind(), i, err)
		}
		hs[i] = h
	}
	m.Hashes = hs
	return nil
}

type onDeviceServer struct {
	list *OnDeviceListMessage
}

func (s *onDeviceServer) Protocol() string { return onDeviceName }
func (s *onDeviceServer) NewSession() (ServerSession, error) {
	return sharedSession{proto: onDeviceName, setup: s.list, query: func() (Steps, error) { return onDeviceServerQuery{}, nil }}, nil
}

// onDeviceServerQuery expects nothing: the server takes no part in a query.
type onDeviceServerQuery struct{ serverQueryStart }

func (onDeviceServerQuery) Expect() Message { return nil }
func (onDeviceServerQuery) Step(in Message) (Message, error) {
	return nil, fmt.Errorf("psi: %s server: expects no query messages", onDeviceName)
}
func (onDeviceServerQuery) Outcome() Outcome { return Outcome{} }

type onDeviceClient struct {
	kind phash.Kind
	bits int
	mu   sync.Mutex
	set  map[phash.Hash]struct{}
}

func (c *onDeviceClient) Protocol() string { return onDeviceName }

// Setup downloads the list.
func (c *onDeviceClient) Setup() (Steps, error) {
	return recvSetup(onDeviceName, func() Message { return &OnDeviceListMessage{kind: c.kind, bits: c.bits} }, c.accept), nil
}

func (c *onDeviceClient) accept(m Message) error {
	l, ok := m.(*OnDeviceListMessage)
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

func (c *onDeviceClient) NewQuery(h phash.Hash) (Steps, error) {
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
	return &onDeviceClientQuery{out: Outcome{Known: true, Match: match}}, nil
}

type onDeviceClientQuery struct{ out Outcome }

func (q *onDeviceClientQuery) Start() (Message, error) { return nil, nil }
func (q *onDeviceClientQuery) Expect() Message         { return nil }
func (q *onDeviceClientQuery) Step(in Message) (Message, error) {
	return nil, fmt.Errorf("psi: %s client: expects no query messages", onDeviceName)
}
func (q *onDeviceClientQuery) Outcome() Outcome { return q.out }
