package hehamming

import (
	"encoding/binary"
	"fmt"
)

// Params is he-hamming's setup message down: the name of the
// engine preset the server loaded its database under (the client rebuilds
// the literal from its own copy of that preset, so no modulus comes from
// the server), the hash length, the threshold and the number of answer
// ciphertexts K, which fixes the answer's and the reply's sizes.
type Params struct {
	Preset    string
	HashBits  int
	Threshold int
	Outputs   int
}

const heHammingParamsVersion = 1

// Kind names the message.
func (*Params) Kind() string { return heHammingName + "/params" }

// BinarySize is 8 + len(Preset) bytes.
func (m *Params) BinarySize() int { return 1 + 1 + len(m.Preset) + 2 + 2 + 2 }

// MarshalBinary writes version, preset name (length-prefixed), hash bits,
// threshold and outputs (big-endian uint16 each).
func (m *Params) MarshalBinary() ([]byte, error) {
	if err := checkHEHammingParams(m); err != nil {
		return nil, fmt.Errorf("psi: encode %s: %w", m.Kind(), err)
	}
	b := make([]byte, 0, m.BinarySize())
	b = append(b, heHammingParamsVersion, byte(len(m.Preset)))
	b = append(b, m.Preset...)
	b = binary.BigEndian.AppendUint16(b, uint16(m.HashBits))
	b = binary.BigEndian.AppendUint16(b, uint16(m.Threshold))
	return binary.BigEndian.AppendUint16(b, uint16(m.Outputs)), nil
}

// UnmarshalBinary reads what MarshalBinary writes and checks every field's
// range; whether the preset and threshold are acceptable is decided at
// Setup.
func (m *Params) UnmarshalBinary(b []byte) error {
	if len(b) < 2 {
		return fmt.Errorf("psi: decode %s: truncated header", m.Kind())
	}
	if b[0] != heHammingParamsVersion {
		return fmt.Errorf("psi: decode %s: version %d, want %d", m.Kind(), b[0], heHammingParamsVersion)
	}
	n := int(b[1])
	if len(b) != 2+n+6 {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d for a %d-byte name", m.Kind(), len(b), 2+n+6, n)
	}
	r := b[2+n:]
	v := Params{
		Preset:    string(b[2 : 2+n]),
		HashBits:  int(binary.BigEndian.Uint16(r)),
		Threshold: int(binary.BigEndian.Uint16(r[2:])),
		Outputs:   int(binary.BigEndian.Uint16(r[4:])),
	}
	if err := checkHEHammingParams(&v); err != nil {
		return fmt.Errorf("psi: decode %s: %w", m.Kind(), err)
	}
	*m = v
	return nil
}

// checkHEHammingParams bounds the fields to what the encoding holds and
// the protocol accepts.
func checkHEHammingParams(m *Params) error {
	switch {
	case len(m.Preset) == 0 || len(m.Preset) > maxPresetName:
		return fmt.Errorf("preset name of %d bytes", len(m.Preset))
	case m.HashBits < heHammingMinBits || m.HashBits > 256:
		return fmt.Errorf("hash length %d outside %d..256", m.HashBits, heHammingMinBits)
	case m.Threshold < 0 || m.Threshold > m.HashBits/2:
		return fmt.Errorf("threshold %d outside 0..%d", m.Threshold, m.HashBits/2)
	case m.Outputs < 1 || m.Outputs > heHammingMaxOutputs:
		return fmt.Errorf("%d answer ciphertexts outside 1..%d", m.Outputs, heHammingMaxOutputs)
	}
	return nil
}

// maxPresetName bounds the preset name the params decoder accepts.
const maxPresetName = 64
