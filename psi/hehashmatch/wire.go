package hehashmatch

import "fmt"

// Params is he-hash-match's setup message down: the name of the engine
// preset the server runs (the client rebuilds the parameters from its own
// copy of that preset, so no modulus comes from the server) and the
// Hamming threshold of a match.
type Params struct {
	Preset    string
	Threshold int
}

// paramsVersion 2: the query is the standardised luma (version 1 sent
// luma/255 to a circuit that scaled by the worst case).
const paramsVersion = 2

// maxPresetName bounds the preset name the decoder accepts.
const maxPresetName = 32

// Kind names the message.
func (*Params) Kind() string { return protocolName + "/params" }

// BinarySize is 3 + len(Preset) bytes.
func (m *Params) BinarySize() int { return 3 + len(m.Preset) }

// MarshalBinary writes the version, the threshold and the preset name
// (length-prefixed).
func (m *Params) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("psi: encode %s: %w", m.Kind(), err)
	}
	b := append(make([]byte, 0, m.BinarySize()), paramsVersion, byte(m.Threshold), byte(len(m.Preset)))
	return append(b, m.Preset...), nil
}

// UnmarshalBinary reads what MarshalBinary writes and checks the fields'
// ranges; whether the preset and threshold are acceptable is decided at
// setup.
func (m *Params) UnmarshalBinary(b []byte) error {
	if len(b) < 3 {
		return fmt.Errorf("psi: decode %s: %d bytes, want at least 3", m.Kind(), len(b))
	}
	if b[0] != paramsVersion {
		return fmt.Errorf("psi: decode %s: version %d, want %d", m.Kind(), b[0], paramsVersion)
	}
	if n := int(b[2]); len(b) != 3+n {
		return fmt.Errorf("psi: decode %s: %d bytes, want %d for a %d-byte name", m.Kind(), len(b), 3+n, n)
	}
	v := Params{Threshold: int(b[1]), Preset: string(b[3:])}
	if err := v.check(); err != nil {
		return fmt.Errorf("psi: decode %s: %w", m.Kind(), err)
	}
	*m = v
	return nil
}

func (m *Params) check() error {
	switch {
	case len(m.Preset) == 0 || len(m.Preset) > maxPresetName:
		return fmt.Errorf("preset name of %d bytes", len(m.Preset))
	case m.Threshold < 0 || m.Threshold > maxPDQThreshold:
		return fmt.Errorf("threshold %d outside 0..%d", m.Threshold, maxPDQThreshold)
	}
	return nil
}
