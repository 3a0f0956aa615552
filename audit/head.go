package audit

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
)

// TreeHead is what a publisher commits to: which log, its size and root.
type TreeHead struct {
	// Log names the tree: a list ("list/ncmec") or a database.
	Log  string
	Size uint64
	Root Hash
}

// SignedHead is a TreeHead with the publisher's ed25519 signature over
// "privmatch audit tree head v1" || len(log) || log || size || root.
type SignedHead struct {
	TreeHead
	Sig [ed25519.SignatureSize]byte
}

const headLabel = "privmatch audit tree head v1\x00"

// MaxLogName bounds a log name's length.
const MaxLogName = 255

func (h TreeHead) signedBytes() []byte {
	b := append([]byte(headLabel), byte(len(h.Log)))
	b = append(b, h.Log...)
	b = binary.BigEndian.AppendUint64(b, h.Size)
	return append(b, h.Root[:]...)
}

// Sign signs the head. It fails on a log name over MaxLogName bytes.
func Sign(h TreeHead, key ed25519.PrivateKey) (SignedHead, error) {
	if len(h.Log) > MaxLogName {
		return SignedHead{}, fmt.Errorf("audit: sign: log name of %d bytes", len(h.Log))
	}
	if len(key) != ed25519.PrivateKeySize {
		return SignedHead{}, fmt.Errorf("audit: sign: bad private key length %d", len(key))
	}
	s := SignedHead{TreeHead: h}
	copy(s.Sig[:], ed25519.Sign(key, h.signedBytes()))
	return s, nil
}

// ErrSignature is wrapped when a signature does not verify.
var ErrSignature = errors.New("audit: bad signature")

// Verify checks the signature under pub.
func (s SignedHead) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize || len(s.Log) > MaxLogName || !ed25519.Verify(pub, s.signedBytes(), s.Sig[:]) {
		return fmt.Errorf("%w: head of %q at size %d", ErrSignature, s.Log, s.Size)
	}
	return nil
}

// BinarySize is the encoded length: 1 + len(log) + 8 + 32 + 64.
func (s SignedHead) BinarySize() int { return 1 + len(s.Log) + 8 + 32 + ed25519.SignatureSize }

// MarshalBinary encodes the head and signature.
func (s SignedHead) MarshalBinary() ([]byte, error) {
	if len(s.Log) > MaxLogName {
		return nil, fmt.Errorf("audit: encode head: log name of %d bytes", len(s.Log))
	}
	b := append([]byte{byte(len(s.Log))}, s.Log...)
	b = binary.BigEndian.AppendUint64(b, s.Size)
	b = append(b, s.Root[:]...)
	return append(b, s.Sig[:]...), nil
}

// UnmarshalBinary decodes exactly one signed head; it does not verify the
// signature.
func (s *SignedHead) UnmarshalBinary(b []byte) error {
	if len(b) < 1 || len(b) != 1+int(b[0])+8+32+ed25519.SignatureSize {
		return fmt.Errorf("audit: decode head: %d bytes", len(b))
	}
	n := int(b[0])
	s.Log = string(b[1 : 1+n])
	b = b[1+n:]
	s.Size = binary.BigEndian.Uint64(b)
	copy(s.Root[:], b[8:40])
	copy(s.Sig[:], b[40:])
	return nil
}

// SplitView is the evidence that a publisher showed two devices
// incompatible trees: two validly signed heads of one log that no
// consistency proof reconciles.
type SplitView struct {
	A, B   SignedHead
	Reason string
}

func (e *SplitView) Error() string {
	return fmt.Sprintf("audit: split view of %q: sizes %d and %d: %s", e.A.Log, e.A.Size, e.B.Size, e.Reason)
}

// CompareHeads is the check two devices (or a device and an auditor) run
// on the heads they each received from the same publisher. Both
// signatures must verify under pub. Equal sizes need equal roots. For an
// append-only log of different sizes, proof must be a consistency proof
// from the smaller to the larger; for a snapshot (append false, as for a
// sorted database) different sizes are simply different versions and only
// equal sizes are compared. A *SplitView error is proof of equivocation,
// signed by the publisher.
func CompareHeads(a, b SignedHead, pub ed25519.PublicKey, appendOnly bool, proof []Hash) error {
	if err := a.Verify(pub); err != nil {
		return err
	}
	if err := b.Verify(pub); err != nil {
		return err
	}
	if a.Log != b.Log {
		return fmt.Errorf("audit: compare heads: logs %q and %q differ", a.Log, b.Log)
	}
	if a.Size == b.Size {
		if a.Root != b.Root {
			return &SplitView{a, b, "same size, different roots"}
		}
		return nil
	}
	if !appendOnly {
		return nil
	}
	if a.Size > b.Size {
		a, b = b, a
	}
	if a.Size == 0 {
		if a.Root != EmptyRoot {
			return &SplitView{a, b, "size 0 with a non-empty root"}
		}
		return nil
	}
	if err := VerifyConsistency(a.Size, b.Size, a.Root, b.Root, proof); err != nil {
		return &SplitView{a, b, err.Error()}
	}
	return nil
}
