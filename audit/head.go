package audit

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
)

// TreeHead is what a publisher commits to at one epoch: which log, the
// tree's size and root, the parameters a device matches with, and the
// history of the log's earlier heads.
type TreeHead struct {
	// Log names the tree: a list ("list/ncmec"), a database or a table.
	Log string
	// Epoch numbers the log's heads 0, 1, 2, ...: a publisher signs
	// exactly one head per epoch.
	Epoch uint64
	Size  uint64
	Root  Hash
	// Params is the digest of the matching parameters (Params.Digest);
	// zero for a list, which has none.
	Params Hash
	// History is the root of the tree whose leaf e is HistoryLeaf of
	// the head at epoch e, over epochs 0..Epoch-1; EmptyRoot at epoch 0.
	History Hash
}

// SignedHead is a TreeHead with the publisher's ed25519 signature over
// "privmatch audit tree head v2" || len(log) || log || epoch || size ||
// root || params || history.
type SignedHead struct {
	TreeHead
	Sig [ed25519.SignatureSize]byte
}

const headLabel = "privmatch audit tree head v2\x00"

// MaxLogName bounds a log name's length.
const MaxLogName = 255

// headFixed is the encoded length of a head less its log name and
// signature: name length, epoch, size, root, params, history.
const headFixed = 1 + 8 + 8 + 3*32

func (h TreeHead) encode(b []byte) []byte {
	b = append(b, byte(len(h.Log)))
	b = append(b, h.Log...)
	b = binary.BigEndian.AppendUint64(b, h.Epoch)
	b = binary.BigEndian.AppendUint64(b, h.Size)
	b = append(b, h.Root[:]...)
	b = append(b, h.Params[:]...)
	return append(b, h.History[:]...)
}

func (h TreeHead) signedBytes() []byte { return h.encode([]byte(headLabel)) }

// HistoryLeaf is the leaf hash of a head in its log's history tree.
func HistoryLeaf(h TreeHead) Hash { return LeafHash(h.signedBytes()) }

// check reports a head no honest publisher signs.
func (h TreeHead) check() error {
	if len(h.Log) > MaxLogName {
		return fmt.Errorf("log name of %d bytes", len(h.Log))
	}
	if h.Epoch == 0 && h.History != EmptyRoot {
		return fmt.Errorf("epoch 0 with a history")
	}
	if h.Size == 0 && h.Root != EmptyRoot {
		return fmt.Errorf("size 0 with a non-empty root")
	}
	return nil
}

// Sign signs the head. It fails on a log name over MaxLogName bytes, an
// epoch-0 head whose History is not EmptyRoot, and an empty tree whose
// root is not EmptyRoot. Publisher.Publish numbers and links heads; Sign
// signs one as given.
func Sign(h TreeHead, key ed25519.PrivateKey) (SignedHead, error) {
	if err := h.check(); err != nil {
		return SignedHead{}, fmt.Errorf("audit: sign: %w", err)
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

// Verify checks that the head is well formed and its signature verifies
// under pub.
func (s SignedHead) Verify(pub ed25519.PublicKey) error {
	if err := s.check(); err != nil {
		return fmt.Errorf("audit: malformed head of %q at epoch %d: %w", s.Log, s.Epoch, err)
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, s.signedBytes(), s.Sig[:]) {
		return fmt.Errorf("%w: head of %q at epoch %d, size %d", ErrSignature, s.Log, s.Epoch, s.Size)
	}
	return nil
}

// BinarySize is the encoded length: 1 + len(log) + 8 + 8 + 3*32 + 64.
func (s SignedHead) BinarySize() int { return headFixed + len(s.Log) + ed25519.SignatureSize }

// MarshalBinary encodes the head and signature.
func (s SignedHead) MarshalBinary() ([]byte, error) {
	if len(s.Log) > MaxLogName {
		return nil, fmt.Errorf("audit: encode head: log name of %d bytes", len(s.Log))
	}
	b := s.encode(make([]byte, 0, s.BinarySize()))
	return append(b, s.Sig[:]...), nil
}

// UnmarshalBinary decodes exactly one signed head; it does not verify the
// signature.
func (s *SignedHead) UnmarshalBinary(b []byte) error {
	if len(b) < 1 || len(b) != headFixed+int(b[0])+ed25519.SignatureSize {
		return fmt.Errorf("audit: decode head: %d bytes", len(b))
	}
	n := int(b[0])
	s.Log = string(b[1 : 1+n])
	b = b[1+n:]
	s.Epoch = binary.BigEndian.Uint64(b)
	s.Size = binary.BigEndian.Uint64(b[8:])
	b = b[16:]
	copy(s.Root[:], b[:32])
	copy(s.Params[:], b[32:64])
	copy(s.History[:], b[64:96])
	copy(s.Sig[:], b[96:])
	return nil
}
