package threshold

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"
	"github.com/privmatch/privmatch/psi/oprf"
)

// AccountID names the account a voucher belongs to. In a deployment it is
// the server's own account identifier; NewClient draws one at random,
// NewAccountClient takes it (ParseAccount reads a name).
type AccountID [16]byte

// ParseAccount makes an AccountID of a name of 1 to 16 bytes, padded
// with zero bytes.
func ParseAccount(name string) (AccountID, error) {
	var id AccountID
	if len(name) == 0 || len(name) > len(id) || strings.IndexByte(name, 0) >= 0 {
		return id, fmt.Errorf("psi: %s: account name %q: want 1 to %d bytes, no NUL", thresholdName, name, len(id))
	}
	copy(id[:], name)
	return id, nil
}

// String returns the name ParseAccount read, quoted, when the identifier
// is a printable name; otherwise its hex.
func (a AccountID) String() string {
	name := strings.TrimRight(string(a[:]), "\x00")
	if name != "" && strings.IndexByte(name, 0) < 0 && strconv.CanBackquote(name) && utf8.ValidString(name) {
		return strconv.Quote(name)
	}
	return hex.EncodeToString(a[:])
}

// SetupMessage is what a device downloads once: the server's policy
// (threshold k and synthetic rate) and the blinded cuckoo table of
// oprf-psi. The device refuses a policy other than the one it was built
// for, so a server cannot lower k for one device unseen.
type SetupMessage struct {
	// K is the number of genuine matches that opens an account.
	K int
	// SyntheticRate is s in units of 2^-32 (s = Rate32 / 2^32).
	Rate32 uint32
	// Table is the blinded cuckoo table, as in oprf-psi.
	Table oprf.Table
}

const thresholdSetupHeader = 2 + 4

// MaxThreshold bounds k: reconstruction is cubic in the number of opened
// shares.
const MaxThreshold = 1024

// Kind names the message.
func (*SetupMessage) Kind() string { return thresholdName + "/setup" }

// BinarySize is 6 + the table's size.
func (t *SetupMessage) BinarySize() int { return thresholdSetupHeader + t.Table.BinarySize() }

// MarshalBinary writes k (uint16), the rate (uint32), then the table.
func (t *SetupMessage) MarshalBinary() ([]byte, error) {
	if t.K < 1 || t.K > MaxThreshold {
		return nil, fmt.Errorf("psi: encode %s: threshold %d outside 1..%d", t.Kind(), t.K, MaxThreshold)
	}
	tb, err := t.Table.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := binary.BigEndian.AppendUint16(make([]byte, 0, t.BinarySize()), uint16(t.K))
	b = binary.BigEndian.AppendUint32(b, t.Rate32)
	return append(b, tb...), nil
}

// UnmarshalBinary checks k's range and decodes the table.
func (t *SetupMessage) UnmarshalBinary(b []byte) error {
	if len(b) < thresholdSetupHeader {
		return fmt.Errorf("psi: decode %s: %d bytes, header needs %d", t.Kind(), len(b), thresholdSetupHeader)
	}
	k := int(binary.BigEndian.Uint16(b))
	if k < 1 || k > MaxThreshold {
		return fmt.Errorf("psi: decode %s: threshold %d outside 1..%d", t.Kind(), k, MaxThreshold)
	}
	var tab oprf.Table
	if err := tab.UnmarshalBinary(b[thresholdSetupHeader:]); err != nil {
		return fmt.Errorf("psi: decode %s: %w", t.Kind(), err)
	}
	t.K, t.Rate32, t.Table = k, binary.BigEndian.Uint32(b[2:]), tab
	return nil
}

// VoucherPart is one cuckoo way's part of a voucher: Q and the
// outer ciphertext, which opens only under a*Q.
type VoucherPart struct {
	Q     [ec.ElemSize]byte
	Outer []byte
}

// Voucher is what the device sends per image: the account, the
// commitment to the account's secret, and three parts in random order.
// The outer plaintext is a Shamir share (x, y; 32 bytes each) followed by
// the inner ciphertext: the payload (the image's hash) sealed under a key
// derived from the account secret and x.
type Voucher struct {
	bits    int
	Account AccountID
	Commit  [32]byte
	Parts   [ec.Ways]VoucherPart
}

const (
	thresholdShareSize = 2 * 32
	thresholdHeader    = 16 + 32
	aeadOverhead       = 16
)

func thresholdInnerLen(bits int) int { return kit.HashBytes(bits) + aeadOverhead }

func thresholdOuterLen(bits int) int {
	return thresholdShareSize + thresholdInnerLen(bits) + aeadOverhead
}

// Kind names the message.
func (*Voucher) Kind() string { return thresholdName + "/voucher" }

// BinarySize is 48 + 3 * (32 + 64 + 2*16 + ceil(bits/8)): 528 bytes for
// 256-bit hashes.
func (v *Voucher) BinarySize() int {
	return thresholdHeader + ec.Ways*(ec.ElemSize+thresholdOuterLen(v.bits))
}

// MarshalBinary writes account, commitment and the parts back to back.
func (v *Voucher) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, v.BinarySize())
	b = append(b, v.Account[:]...)
	b = append(b, v.Commit[:]...)
	for i := range v.Parts {
		p := &v.Parts[i]
		if len(p.Outer) != thresholdOuterLen(v.bits) {
			return nil, fmt.Errorf("psi: encode %s: part %d ciphertext %d bytes, want %d", v.Kind(), i, len(p.Outer), thresholdOuterLen(v.bits))
		}
		b = append(b, p.Q[:]...)
		b = append(b, p.Outer...)
	}
	return b, nil
}

// UnmarshalBinary checks the exact length and that every Q is a valid
// non-identity element.
func (v *Voucher) UnmarshalBinary(b []byte) error {
	if v.bits <= 0 || v.bits > 1<<16 {
		return fmt.Errorf("psi: decode %s: hash length %d not set", v.Kind(), v.bits)
	}
	if len(b) != v.BinarySize() {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d", v.Kind(), len(b), v.BinarySize())
	}
	copy(v.Account[:], b[:16])
	copy(v.Commit[:], b[16:48])
	step := ec.ElemSize + thresholdOuterLen(v.bits)
	for i := range v.Parts {
		chunk := b[thresholdHeader+i*step : thresholdHeader+(i+1)*step]
		Q := ec.Group.NewElement()
		if err := Q.UnmarshalBinary(chunk[:ec.ElemSize]); err != nil || Q.IsIdentity() {
			return fmt.Errorf("psi: decode %s: part %d: Q is not a valid non-identity element", v.Kind(), i)
		}
		copy(v.Parts[i].Q[:], chunk[:ec.ElemSize])
		v.Parts[i].Outer = append([]byte(nil), chunk[ec.ElemSize:]...)
	}
	return nil
}
