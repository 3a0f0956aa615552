package threshold

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"

	"github.com/cloudflare/circl/group"
)

func thresholdCommit(acct AccountID, s0 group.Scalar) [32]byte {
	sb, _ := s0.MarshalBinary()
	h := sha256.New()
	h.Write(thresholdCommitLabel)
	h.Write(acct[:])
	h.Write(sb)
	var c [32]byte
	h.Sum(c[:0])
	return c
}

func gcmFromKey(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// thresholdOuterKey derives the outer AEAD from the shared element S.
func thresholdOuterKey(S group.Element, q []byte) (cipher.AEAD, error) {
	sb, err := S.MarshalBinaryCompress()
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, sb, nil, thresholdOuterLabel+string(q), 32)
	if err != nil {
		return nil, err
	}
	return gcmFromKey(key)
}

// thresholdInnerKey derives the inner AEAD of the share at x from s0.
func thresholdInnerKey(acct AccountID, s0 group.Scalar, xb []byte) (cipher.AEAD, error) {
	sb, err := s0.MarshalBinary()
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, sb, acct[:], thresholdInnerLabel+string(xb), 32)
	if err != nil {
		return nil, err
	}
	return gcmFromKey(key)
}

func outerAD(v *Voucher, q []byte) []byte {
	ad := make([]byte, 0, thresholdHeader+len(q))
	ad = append(ad, v.Account[:]...)
	ad = append(ad, v.Commit[:]...)
	return append(ad, q...)
}

// bodyAD binds a voucher's body to its account and commitment.
func bodyAD(v *Voucher) []byte {
	return append(append(make([]byte, 0, thresholdHeader), v.Account[:]...), v.Commit[:]...)
}
