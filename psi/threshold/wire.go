package threshold

import (
	"encoding"
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
// (threshold k, synthetic rate, the number S of detectable-hash values per
// voucher) and the blinded cuckoo table of oprf-psi. The device refuses a
// policy other than the one it was built for, so a server cannot lower k
// for one device unseen.
type SetupMessage struct {
	// K is the number of genuine matches that opens an account.
	K int
	// SyntheticRate is s in units of 2^-32 (s = Rate32 / 2^32).
	Rate32 uint32
	// S is the number of detectable-hash values per voucher: the most
	// synthetic shares the server can tell from genuine ones.
	S int
	// Table is the blinded cuckoo table, as in oprf-psi.
	Table oprf.Table
}

const thresholdSetupHeader = 2 + 4 + 2

// MaxThreshold bounds k: the server's detection is quadratic, per share,
// in the number of opened shares.
const MaxThreshold = 1024

// Kind names the message.
func (*SetupMessage) Kind() string { return thresholdName + "/setup" }

// BinarySize is 8 + the table's size.
func (t *SetupMessage) BinarySize() int { return thresholdSetupHeader + t.Table.BinarySize() }

// MarshalBinary writes k (uint16), the rate (uint32), S (uint16), then the
// table.
func (t *SetupMessage) MarshalBinary() ([]byte, error) {
	return marshalPolicy(t.Kind(), t.K, t.Rate32, t.S, &t.Table)
}

// UnmarshalBinary checks k's and S's ranges and decodes the table.
func (t *SetupMessage) UnmarshalBinary(b []byte) error {
	var tab oprf.Table
	k, rate, s, err := unmarshalPolicy(t.Kind(), b, &tab)
	if err != nil {
		return err
	}
	t.K, t.Rate32, t.S, t.Table = k, rate, s, tab
	return nil
}

// marshalPolicy writes the policy header, then what follows it.
func marshalPolicy(kind string, k int, rate uint32, s int, rest encoding.BinaryMarshaler) ([]byte, error) {
	b, err := appendPolicy(nil, kind, k, rate, s)
	if err != nil {
		return nil, err
	}
	r, err := rest.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(b, r...), nil
}

// unmarshalPolicy reads the policy header and decodes the rest into rest.
func unmarshalPolicy(kind string, b []byte, rest encoding.BinaryUnmarshaler) (k int, rate uint32, s int, err error) {
	if k, rate, s, err = parsePolicy(kind, b); err != nil {
		return 0, 0, 0, err
	}
	if err := rest.UnmarshalBinary(b[thresholdSetupHeader:]); err != nil {
		return 0, 0, 0, fmt.Errorf("psi: decode %s: %w", kind, err)
	}
	return k, rate, s, nil
}

// appendPolicy appends k (uint16), the rate (uint32) and S (uint16).
func appendPolicy(b []byte, kind string, k int, rate uint32, s int) ([]byte, error) {
	if k < 1 || k > MaxThreshold {
		return nil, fmt.Errorf("psi: encode %s: threshold %d outside 1..%d", kind, k, MaxThreshold)
	}
	if s < 0 || s > MaxOpenedLimit {
		return nil, fmt.Errorf("psi: encode %s: %d detectable-hash values outside 0..%d", kind, s, MaxOpenedLimit)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(k))
	b = binary.BigEndian.AppendUint32(b, rate)
	return binary.BigEndian.AppendUint16(b, uint16(s)), nil
}

// parsePolicy reads and range-checks appendPolicy's header.
func parsePolicy(kind string, b []byte) (k int, rate uint32, s int, err error) {
	if len(b) < thresholdSetupHeader {
		return 0, 0, 0, fmt.Errorf("psi: decode %s: %d bytes, header needs %d", kind, len(b), thresholdSetupHeader)
	}
	k, s = int(binary.BigEndian.Uint16(b)), int(binary.BigEndian.Uint16(b[6:]))
	if k < 1 || k > MaxThreshold {
		return 0, 0, 0, fmt.Errorf("psi: decode %s: threshold %d outside 1..%d", kind, k, MaxThreshold)
	}
	if s > MaxOpenedLimit {
		return 0, 0, 0, fmt.Errorf("psi: decode %s: %d detectable-hash values outside 0..%d", kind, s, MaxOpenedLimit)
	}
	return k, binary.BigEndian.Uint32(b[2:]), s, nil
}

// VoucherPart is one cuckoo way's part of a voucher: Q and the outer
// ciphertext, the voucher's body key sealed under a key only a*Q gives.
type VoucherPart struct {
	Q     [ec.ElemSize]byte
	Outer [thresholdOuterLen]byte
}

// Voucher is what the device sends per image: the account, the
// commitment to the account's secret, three parts in random order, and
// the body, sealed under a fresh body key that the parts carry. The body
// holds a Shamir share (x, y), the S detectable-hash values of x, and the
// inner ciphertext: the payload (the image's hash) sealed under a key
// derived from the account secret and x.
type Voucher struct {
	bits    int
	s       int
	Account AccountID
	Commit  [32]byte
	Parts   [ec.Ways]VoucherPart
	Body    []byte
}

const (
	thresholdShareSize = 2 * 32
	thresholdHeader    = 16 + 32
	aeadOverhead       = 16
	bodyKeySize        = 32
	thresholdOuterLen  = bodyKeySize + aeadOverhead
)

func thresholdInnerLen(bits int) int { return kit.HashBytes(bits) + aeadOverhead }

// thresholdBodyPlainLen is the body's plaintext: x, y, w and the inner
// ciphertext.
func thresholdBodyPlainLen(bits, s int) int {
	return thresholdShareSize + 32*s + thresholdInnerLen(bits)
}

func thresholdBodyLen(bits, s int) int { return thresholdBodyPlainLen(bits, s) + aeadOverhead }

// Kind names the message.
func (*Voucher) Kind() string { return thresholdName + "/voucher" }

// BinarySize is 48 + 3 * (32 + 48) + 64 + 32*S + ceil(bits/8) + 32: 416 +
// 32*S bytes for 256-bit hashes.
func (v *Voucher) BinarySize() int {
	return thresholdHeader + ec.Ways*(ec.ElemSize+thresholdOuterLen) + thresholdBodyLen(v.bits, v.s)
}

// MarshalBinary writes account, commitment, the parts and the body back to
// back.
func (v *Voucher) MarshalBinary() ([]byte, error) {
	if len(v.Body) != thresholdBodyLen(v.bits, v.s) {
		return nil, fmt.Errorf("psi: encode %s: body %d bytes, want %d", v.Kind(), len(v.Body), thresholdBodyLen(v.bits, v.s))
	}
	b := make([]byte, 0, v.BinarySize())
	b = append(b, v.Account[:]...)
	b = append(b, v.Commit[:]...)
	for i := range v.Parts {
		b = append(b, v.Parts[i].Q[:]...)
		b = append(b, v.Parts[i].Outer[:]...)
	}
	return append(b, v.Body...), nil
}

// UnmarshalBinary checks the exact length and that every Q is a valid
// non-identity element.
func (v *Voucher) UnmarshalBinary(b []byte) error {
	if v.bits <= 0 || v.bits > 1<<16 || v.s < 0 || v.s > MaxOpenedLimit {
		return fmt.Errorf("psi: decode %s: hash length %d or %d detectable-hash values not set", v.Kind(), v.bits, v.s)
	}
	if len(b) != v.BinarySize() {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d", v.Kind(), len(b), v.BinarySize())
	}
	copy(v.Account[:], b[:16])
	copy(v.Commit[:], b[16:48])
	const step = ec.ElemSize + thresholdOuterLen
	for i := range v.Parts {
		chunk := b[thresholdHeader+i*step : thresholdHeader+(i+1)*step]
		Q := ec.Group.NewElement()
		if err := Q.UnmarshalBinary(chunk[:ec.ElemSize]); err != nil || Q.IsIdentity() {
			return fmt.Errorf("psi: decode %s: part %d: Q is not a valid non-identity element", v.Kind(), i)
		}
		copy(v.Parts[i].Q[:], chunk[:ec.ElemSize])
		copy(v.Parts[i].Outer[:], chunk[ec.ElemSize:])
	}
	v.Body = append([]byte(nil), b[thresholdHeader+ec.Ways*step:]...)
	return nil
}
