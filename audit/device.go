package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
)

// Served is what a protocol server hands a device at setup for the audit
// check.
type Served struct {
	// Head is the signed head the server says commits what it serves.
	Head SignedHead
	// Link links the device's published head to Head when Head is newer
	// (Publisher.Link); empty when they are the same epoch.
	Link HeadProof
	// Params are the parameters the device will match with, as it reads
	// them from the server's messages (seed, keys, geometry), not as the
	// server describes them.
	Params Params
	// Rows is the table the device downloaded, Params.RowSize bytes per
	// row. Nil when the database stays on the server (Params.RowSize 0):
	// then only the head and the parameters are checked.
	Rows []byte
}

// ErrParams is wrapped when the parameters a server serves are not the
// ones its signed head commits.
var ErrParams = errors.New("audit: parameters differ from the signed head's")

// CheckServed is the device's setup check, run before the first query:
// both heads verify under the publisher's key pub and name one log; the
// served head is not older than the published one (else ErrStale), is the
// same head or linked to it by s.Link (else a *SplitView); the served
// parameters hash to the served head's Params (else ErrParams); and a
// served table has Head.Size rows of Params.RowSize bytes whose Merkle
// root is Head.Root (else ErrProof). The error names what did not match.
// For a database served in the clear, Policy.VerifyAll then checks its
// entries against the same head.
func CheckServed(pub ed25519.PublicKey, published SignedHead, s Served) error {
	if err := published.Verify(pub); err != nil {
		return fmt.Errorf("audit: published head: %w", err)
	}
	if err := s.Head.Verify(pub); err != nil {
		return fmt.Errorf("audit: served head: %w", err)
	}
	if s.Head.Log != published.Log {
		return fmt.Errorf("audit: served head is of log %q, the published head of %q", s.Head.Log, published.Log)
	}
	if s.Head.Epoch < published.Epoch {
		return fmt.Errorf("%w: served head of %q is epoch %d, the device has seen epoch %d", ErrStale, s.Head.Log, s.Head.Epoch, published.Epoch)
	}
	if err := CompareHeads(published, s.Head, pub, false, s.Link); err != nil {
		return fmt.Errorf("audit: served head against the published head: %w", err)
	}
	if d := s.Params.Digest(); d != s.Head.Params {
		return fmt.Errorf("%w: served %v", ErrParams, s.Params)
	}
	rs := s.Params.RowSize
	if rs == 0 {
		if s.Rows != nil {
			return fmt.Errorf("%w: %d bytes of rows served, the parameters declare no table", ErrParams, len(s.Rows))
		}
		return nil
	}
	if len(s.Rows)%rs != 0 || uint64(len(s.Rows)/rs) != s.Head.Size {
		return fmt.Errorf("%w: table of %d bytes in rows of %d, the signed head says %d rows", ErrProof, len(s.Rows), rs, s.Head.Size)
	}
	r, err := RootOfRecords(s.Rows, rs)
	if err != nil {
		return err
	}
	if r != s.Head.Root {
		return fmt.Errorf("%w: the served table's root differs from the signed head's", ErrProof)
	}
	return nil
}

// Device is a device's audit memory for one table or database log: the
// publisher's key and the newest head it has accepted, kept between
// sessions, so that a server replaying an older head is caught and heads
// from peers can be compared (gossip). It is not safe for concurrent
// use.
type Device struct {
	key    ed25519.PublicKey
	newest SignedHead
}

// NewDevice starts from a published head, which must verify under pub.
func NewDevice(pub ed25519.PublicKey, published SignedHead) (*Device, error) {
	if err := published.Verify(pub); err != nil {
		return nil, fmt.Errorf("audit: published head: %w", err)
	}
	return &Device{key: pub, newest: published}, nil
}

// Newest is the newest head the device has accepted: what it gossips.
func (d *Device) Newest() SignedHead { return d.newest }

// Setup runs CheckServed against the newest head accepted so far and, on
// success, remembers the served head.
func (d *Device) Setup(s Served) error {
	if err := CheckServed(d.key, d.newest, s); err != nil {
		return err
	}
	d.newest = s.Head
	return nil
}

// Gossip compares a head received from a peer with the newest accepted
// one (CompareHeads, proof linking the older of the two to the newer) and
// keeps the newer. A *SplitView error is evidence to publish.
func (d *Device) Gossip(peer SignedHead, proof HeadProof) error {
	if err := CompareHeads(d.newest, peer, d.key, false, proof); err != nil {
		return err
	}
	if peer.Epoch > d.newest.Epoch {
		d.newest = peer
	}
	return nil
}
