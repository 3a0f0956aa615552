package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
)

// Publisher signs the successive heads of one log, numbering them by
// epoch and keeping the history tree that links each head to the ones
// before it. It is the server-side half of split-view detection. It keeps
// every head in memory and is not safe for concurrent use.
type Publisher struct {
	key     ed25519.PrivateKey
	log     string
	heads   []SignedHead
	history *Tree
}

// NewPublisher returns a publisher for the named log with no heads yet.
func NewPublisher(log string, key ed25519.PrivateKey) (*Publisher, error) {
	if len(log) > MaxLogName {
		return nil, fmt.Errorf("audit: publisher: log name of %d bytes", len(log))
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("audit: publisher: bad private key length %d", len(key))
	}
	return &Publisher{key: key, log: log, history: NewTree(nil)}, nil
}

// Publish signs h as the log's next head: it sets h's Epoch and History.
// h.Log must be the publisher's log.
func (p *Publisher) Publish(h TreeHead) (SignedHead, error) {
	if h.Log != p.log {
		return SignedHead{}, fmt.Errorf("audit: publish: head of log %q to publisher of %q", h.Log, p.log)
	}
	h.Epoch = p.history.Size()
	h.History = p.history.Root()
	s, err := Sign(h, p.key)
	if err != nil {
		return SignedHead{}, err
	}
	p.heads = append(p.heads, s)
	p.history.Append(HistoryLeaf(h))
	return s, nil
}

// Head returns the head published at epoch e.
func (p *Publisher) Head(e uint64) (SignedHead, error) {
	if e >= uint64(len(p.heads)) {
		return SignedHead{}, fmt.Errorf("audit: head at epoch %d: %d published", e, len(p.heads))
	}
	return p.heads[e], nil
}

// Link returns the proof that the head at epoch older precedes the head
// at epoch newer in one history. For an append-only log, content is the
// log's tree (grown to at least the newer head's size) and the proof also
// shows the older tree is a prefix of the newer; for a snapshot, content
// is nil. Link(e, e, ...) is the empty proof.
func (p *Publisher) Link(older, newer uint64, content *Tree) (HeadProof, error) {
	if older > newer || newer >= uint64(len(p.heads)) {
		return HeadProof{}, fmt.Errorf("audit: link epochs %d -> %d of %d", older, newer, len(p.heads))
	}
	if older == newer {
		return HeadProof{}, nil
	}
	var hp HeadProof
	var err error
	if hp.Inclusion, err = p.history.InclusionProof(older, newer); err != nil {
		return HeadProof{}, err
	}
	if older > 0 {
		if hp.History, err = p.history.ConsistencyProof(older, newer); err != nil {
			return HeadProof{}, err
		}
	}
	a, b := p.heads[older], p.heads[newer]
	if content != nil && a.Size > 0 && a.Size < b.Size {
		if hp.Tree, err = content.ConsistencyProof(a.Size, b.Size); err != nil {
			return HeadProof{}, err
		}
	}
	return hp, nil
}

// SplitView is the evidence that a publisher showed two parties
// incompatible views of one log: two validly signed heads that cannot
// both be honest. Conclusive is true when the two heads alone prove it
// (two heads of one epoch; an append-only log that shrank or changed at
// one size); otherwise the given proof failed to link them, and it is
// conclusive once the publisher, asked for the linking proof, cannot give
// one.
type SplitView struct {
	A, B       SignedHead
	Conclusive bool
	Reason     string
}

func (e *SplitView) Error() string {
	return fmt.Sprintf("audit: split view of %q: epochs %d and %d (sizes %d and %d): %s", e.A.Log, e.A.Epoch, e.B.Epoch, e.A.Size, e.B.Size, e.Reason)
}

// ErrStale is wrapped when a server offers a head older than one the
// device has already accepted: a replay.
var ErrStale = errors.New("audit: stale head")

// CompareHeads is the check two parties (two devices that gossip, or a
// device and an auditor) run on the heads they each received from one
// publisher. Both signatures must verify under pub and name one log. Two
// heads of one epoch must be identical. Of different epochs, proof must
// link the older to the newer: the older head is the newer's history leaf
// at its epoch and the older history a prefix of the newer. For an
// append-only log (appendOnly, as for a list) the newer tree must also
// extend the older: proof.Tree is their consistency proof. A *SplitView
// error is the publisher's signed evidence of equivocation.
func CompareHeads(a, b SignedHead, pub ed25519.PublicKey, appendOnly bool, proof HeadProof) error {
	if err := a.Verify(pub); err != nil {
		return err
	}
	if err := b.Verify(pub); err != nil {
		return err
	}
	if a.Log != b.Log {
		return fmt.Errorf("audit: compare heads: logs %q and %q differ", a.Log, b.Log)
	}
	if a.Epoch > b.Epoch {
		a, b = b, a
	}
	split := func(conclusive bool, format string, args ...any) error {
		return &SplitView{A: a, B: b, Conclusive: conclusive, Reason: fmt.Sprintf(format, args...)}
	}
	if a.Epoch == b.Epoch {
		if a.TreeHead != b.TreeHead {
			return split(true, "two different heads signed for epoch %d", a.Epoch)
		}
		return nil
	}
	if appendOnly {
		if a.Size > b.Size {
			return split(true, "the append-only log shrank from %d to %d entries", a.Size, b.Size)
		}
		if a.Size == b.Size && a.Root != b.Root {
			return split(true, "the append-only log has two roots at size %d", a.Size)
		}
	}
	if err := VerifyInclusion(a.Epoch, b.Epoch, HistoryLeaf(a.TreeHead), proof.Inclusion, b.History); err != nil {
		return split(false, "epoch %d's head is not in epoch %d's history: %v", a.Epoch, b.Epoch, err)
	}
	if a.Epoch == 0 {
		if len(proof.History) != 0 {
			return fmt.Errorf("audit: compare heads: history proof from epoch 0 is not empty")
		}
	} else if err := VerifyConsistency(a.Epoch, b.Epoch, a.History, b.History, proof.History); err != nil {
		return split(false, "epoch %d's history is not a prefix of epoch %d's: %v", a.Epoch, b.Epoch, err)
	}
	if !appendOnly || a.Size == b.Size || a.Size == 0 {
		if len(proof.Tree) != 0 {
			return fmt.Errorf("audit: compare heads: tree consistency proof where none is due")
		}
		return nil
	}
	if err := VerifyConsistency(a.Size, b.Size, a.Root, b.Root, proof.Tree); err != nil {
		return split(false, "the log at %d entries is not a prefix of the log at %d: %v", a.Size, b.Size, err)
	}
	return nil
}
