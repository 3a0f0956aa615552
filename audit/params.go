package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Params are the settings that change what a device matches against,
// committed in a table's or database's signed head (TreeHead.Params) so
// a server cannot serve one device a different seed, key, geometry,
// algorithm or threshold than it published. For oprf-psi, for example:
// Protocol "oprf-psi", Algorithm "pdq", Bits 256, Threshold 0, RowSize
// the encoded element size, and Settings the cuckoo seed and the
// server's public element L.
type Params struct {
	// Protocol names the protocol ("oprf-psi", "threshold-psi").
	Protocol string
	// Algorithm and Bits name the perceptual hash (phash kind, length).
	Algorithm string
	Bits      int
	// Threshold is the largest Hamming distance that matches; 0 for
	// exact matching.
	Threshold int
	// RowSize is the size in bytes of each row of a table the device
	// downloads and checks (the head's Size is the row count); 0 when
	// the database stays on the server.
	RowSize int
	// Settings are the protocol's other parameters, in the protocol's
	// fixed order, names distinct.
	Settings []Setting
}

// Setting is one named protocol parameter.
type Setting struct {
	Name  string
	Value []byte
}

// Bounds on a decoded Params.
const (
	MaxSettings     = 64
	MaxSettingBytes = 1 << 16
)

const paramsLabel = "privmatch audit params v1\x00"

// encode writes every field with uvarint lengths and values: injective
// for any Params, valid or not.
func (p Params) encode(b []byte) []byte {
	str := func(s []byte) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str([]byte(p.Protocol))
	str([]byte(p.Algorithm))
	for _, v := range []int{p.Bits, p.Threshold, p.RowSize} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	b = binary.AppendUvarint(b, uint64(len(p.Settings)))
	for _, s := range p.Settings {
		str([]byte(s.Name))
		str(s.Value)
	}
	return b
}

// Digest is SHA-256 over a label and the parameters' encoding: the value
// a publisher puts in TreeHead.Params.
func (p Params) Digest() Hash {
	return sha256.Sum256(p.encode([]byte(paramsLabel)))
}

// validate reports what MarshalBinary refuses.
func (p Params) validate() error {
	if p.Bits < 0 || p.Threshold < 0 || p.RowSize < 0 {
		return fmt.Errorf("negative bits, threshold or row size")
	}
	if len(p.Protocol) > MaxSettingBytes || len(p.Algorithm) > MaxSettingBytes {
		return fmt.Errorf("protocol or algorithm name over %d bytes", MaxSettingBytes)
	}
	if len(p.Settings) > MaxSettings {
		return fmt.Errorf("%d settings, at most %d", len(p.Settings), MaxSettings)
	}
	seen := map[string]bool{}
	for _, s := range p.Settings {
		if len(s.Name) > MaxSettingBytes || len(s.Value) > MaxSettingBytes {
			return fmt.Errorf("setting %.20q over %d bytes", s.Name, MaxSettingBytes)
		}
		if seen[s.Name] {
			return fmt.Errorf("setting %q repeated", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// BinarySize is the encoded length.
func (p Params) BinarySize() int { return len(p.encode(nil)) }

// MarshalBinary encodes the parameters as they are digested. It fails on
// negative numbers, repeated setting names and lengths over the bounds.
func (p Params) MarshalBinary() ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("audit: encode params: %w", err)
	}
	return p.encode(nil), nil
}

// UnmarshalBinary decodes exactly one Params.
func (p *Params) UnmarshalBinary(b []byte) error {
	bad := func(what string) error { return fmt.Errorf("audit: decode params: %s", what) }
	num := func(what string, max uint64) (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 || n != len(binary.AppendUvarint(nil, v)) || v > max {
			return 0, bad(what)
		}
		b = b[n:]
		return v, nil
	}
	str := func(what string) ([]byte, error) {
		n, err := num(what+" length", MaxSettingBytes)
		if err != nil {
			return nil, err
		}
		if uint64(len(b)) < n {
			return nil, bad(what + " truncated")
		}
		s := b[:n:n]
		b = b[n:]
		return s, nil
	}
	var q Params
	proto, err := str("protocol")
	if err != nil {
		return err
	}
	alg, err := str("algorithm")
	if err != nil {
		return err
	}
	q.Protocol, q.Algorithm = string(proto), string(alg)
	for _, f := range []struct {
		name string
		v    *int
	}{{"bits", &q.Bits}, {"threshold", &q.Threshold}, {"row size", &q.RowSize}} {
		v, err := num(f.name, 1<<31-1)
		if err != nil {
			return err
		}
		*f.v = int(v)
	}
	ns, err := num("setting count", MaxSettings)
	if err != nil {
		return err
	}
	for i := range ns {
		name, err := str(fmt.Sprintf("setting %d name", i))
		if err != nil {
			return err
		}
		val, err := str(fmt.Sprintf("setting %d value", i))
		if err != nil {
			return err
		}
		q.Settings = append(q.Settings, Setting{string(name), append([]byte{}, val...)})
	}
	if len(b) != 0 {
		return bad(fmt.Sprintf("%d trailing bytes", len(b)))
	}
	if err := q.validate(); err != nil {
		return bad(err.Error())
	}
	*p = q
	return nil
}

// String names the parameters for error messages: protocol, hash,
// threshold, row size and each setting (long values shortened).
func (p Params) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s/%d threshold %d rows of %d B", p.Protocol, p.Algorithm, p.Bits, p.Threshold, p.RowSize)
	for _, s := range p.Settings {
		v := hex.EncodeToString(s.Value)
		if len(v) > 16 {
			v = v[:16] + "..."
		}
		fmt.Fprintf(&sb, " %s=%s", s.Name, v)
	}
	return sb.String()
}
