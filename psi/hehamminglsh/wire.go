package hehamminglsh

import (
	"encoding/binary"
	"fmt"

	"github.com/privmatch/privmatch/he/hamminglsh"
)

// Params is he-hamming-lsh's setup message down: the layout and the
// he/hamming preset the server runs (the client rebuilds both from its own
// copies), the threshold, and the key bits per table k, which fix the
// query's size.
type Params struct {
	Layout    string
	Preset    string
	Threshold int
	KeyBits   int
}

const paramsVersion = 1

// maxName bounds each name the decoder accepts.
const maxName = 64

// Kind names the message.
func (*Params) Kind() string { return lshName + "/params" }

// BinarySize is 6 bytes plus the two names.
func (m *Params) BinarySize() int { return 6 + len(m.Layout) + len(m.Preset) }

// MarshalBinary writes version, the two names (each length-prefixed),
// the threshold (big-endian uint16) and k (one byte).
func (m *Params) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("psi: encode %s: %w", m.Kind(), err)
	}
	b := []byte{paramsVersion, byte(len(m.Layout))}
	b = append(append(b, m.Layout...), byte(len(m.Preset)))
	b = append(b, m.Preset...)
	return append(binary.BigEndian.AppendUint16(b, uint16(m.Threshold)), byte(m.KeyBits)), nil
}

// UnmarshalBinary reads what MarshalBinary writes and checks each field's
// range; whether the layout and threshold are acceptable is decided at
// Setup.
func (m *Params) UnmarshalBinary(b []byte) error {
	name := func(b []byte) (string, []byte, error) {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return "", nil, fmt.Errorf("psi: decode %s: truncated name", m.Kind())
		}
		n := 1 + int(b[0])
		return string(b[1:n]), b[n:], nil
	}
	if len(b) < 1 || b[0] != paramsVersion {
		return fmt.Errorf("psi: decode %s: missing or unknown version", m.Kind())
	}
	var v Params
	var err error
	rest := b[1:]
	if v.Layout, rest, err = name(rest); err != nil {
		return err
	}
	if v.Preset, rest, err = name(rest); err != nil {
		return err
	}
	if len(rest) != 3 {
		return fmt.Errorf("psi: decode %s: %d trailing bytes, want 3", m.Kind(), len(rest))
	}
	v.Threshold, v.KeyBits = int(binary.BigEndian.Uint16(rest)), int(rest[2])
	if err := v.check(); err != nil {
		return fmt.Errorf("psi: decode %s: %w", m.Kind(), err)
	}
	*m = v
	return nil
}

// check bounds the fields to what the encoding holds and the protocol
// accepts.
func (m *Params) check() error {
	switch {
	case len(m.Layout) == 0 || len(m.Layout) > maxName:
		return fmt.Errorf("layout name of %d bytes", len(m.Layout))
	case len(m.Preset) == 0 || len(m.Preset) > maxName:
		return fmt.Errorf("preset name of %d bytes", len(m.Preset))
	case m.Threshold < 0 || m.Threshold > lshBits/2:
		return fmt.Errorf("threshold %d outside 0..%d", m.Threshold, lshBits/2)
	case m.KeyBits < 0 || m.KeyBits > hamminglsh.MaxKeyBits:
		return fmt.Errorf("%d key bits outside 0..%d", m.KeyBits, hamminglsh.MaxKeyBits)
	}
	return nil
}
