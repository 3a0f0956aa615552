package heexact

import (
	"encoding/binary"
	"fmt"

	"github.com/privmatch/privmatch/he/exact"
)

// Params is he-exact's setup message down: the BGV preset the server
// loaded its database under (the full literal, so a client checks it
// against its own copy of the named preset rather than trusting the
// server's numbers) and its shape: under a Paterson-Stockmeyer preset the
// number of partitions (result cells per bin, 1 to exact.MaxPartitions),
// which fixes the answer's size (one ciphertext per four partitions) and
// the reply's; under a binned preset (Literal.Binned) the number of bins
// (1 to 65535), which the client's query selects among.
type Params struct {
	Literal    exact.Literal
	Partitions int
	Bins       int
}

// Bounds of the params decoder: generous for any BGV preset, tight enough
// that no field can ask for unbounded work.
const (
	heParamsVersion = 2
	heMaxName       = 64
	heMaxPrimes     = 64
)

// Kind names the message.
func (*Params) Kind() string { return heExactName + "/params" }

// BinarySize is 20 + len(name) + len(LogQ) + len(LogP) bytes.
func (m *Params) BinarySize() int {
	return 1 + 1 + len(m.Literal.Name) + 1 + 8 + 1 + len(m.Literal.LogQ) + 1 + len(m.Literal.LogP) + 1 + 1 + 1 + 1 + 2
}

// MarshalBinary writes version, name, LogN, T (big-endian), the LogQ and
// LogP bit sizes, Low, High, the flags (1: insecure, 2: binned), the
// partitions and the bins (big-endian).
func (m *Params) MarshalBinary() ([]byte, error) {
	l := m.Literal
	if err := checkHEParams(l, m.Partitions, m.Bins); err != nil {
		return nil, fmt.Errorf("psi: encode %s: %w", m.Kind(), err)
	}
	b := make([]byte, 0, m.BinarySize())
	b = append(b, heParamsVersion, byte(len(l.Name)))
	b = append(b, l.Name...)
	b = append(b, byte(l.LogN))
	b = binary.BigEndian.AppendUint64(b, l.T)
	b = append(b, byte(len(l.LogQ)))
	for _, q := range l.LogQ {
		b = append(b, byte(q))
	}
	b = append(b, byte(len(l.LogP)))
	for _, q := range l.LogP {
		b = append(b, byte(q))
	}
	flags := byte(0)
	if l.Insecure {
		flags |= 1
	}
	if l.Binned {
		flags |= 2
	}
	b = append(b, byte(l.Low), byte(l.High), flags, byte(m.Partitions))
	return binary.BigEndian.AppendUint16(b, uint16(m.Bins)), nil
}

// UnmarshalBinary reads what MarshalBinary writes and checks every field's
// range; whether the literal is a preset the client accepts is decided at
// Setup.
func (m *Params) UnmarshalBinary(b []byte) error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("psi: decode %s: %s", m.Kind(), fmt.Sprintf(f, a...))
	}
	r := b
	take := func(n int) []byte {
		if len(r) < n {
			return nil
		}
		out := r[:n]
		r = r[n:]
		return out
	}
	hdr := take(2)
	if hdr == nil {
		return bad("truncated header")
	}
	if hdr[0] != heParamsVersion {
		return bad("version %d, want %d", hdr[0], heParamsVersion)
	}
	var l exact.Literal
	name := take(int(hdr[1]))
	fixed := take(1 + 8 + 1)
	if name == nil || fixed == nil {
		return bad("truncated")
	}
	l.Name = string(name)
	l.LogN = int(fixed[0])
	l.T = binary.BigEndian.Uint64(fixed[1:9])
	q := take(int(fixed[9]))
	if q == nil {
		return bad("truncated LogQ")
	}
	np := take(1)
	if np == nil {
		return bad("truncated")
	}
	p := take(int(np[0]))
	tail := take(6)
	if p == nil || tail == nil {
		return bad("truncated")
	}
	if len(r) != 0 {
		return bad("%d trailing bytes", len(r))
	}
	for _, v := range q {
		l.LogQ = append(l.LogQ, int(v))
	}
	for _, v := range p {
		l.LogP = append(l.LogP, int(v))
	}
	l.Low, l.High = int(tail[0]), int(tail[1])
	if tail[2] > 3 {
		return bad("flags %d", tail[2])
	}
	l.Insecure, l.Binned = tail[2]&1 != 0, tail[2]&2 != 0
	bins := int(binary.BigEndian.Uint16(tail[4:]))
	if err := checkHEParams(l, int(tail[3]), bins); err != nil {
		return bad("%v", err)
	}
	m.Literal, m.Partitions, m.Bins = l, int(tail[3]), bins
	return nil
}

// checkHEParams bounds a literal's fields to what the encoding holds and
// BGV allows; it does not build the parameters.
func checkHEParams(l exact.Literal, parts, bins int) error {
	if l.Binned {
		if l.Low != 0 || l.High != 0 || parts != 0 || bins < 1 || bins > 65535 {
			return fmt.Errorf("binned preset with shape %dx%d, %d partitions, %d bins", l.Low, l.High, parts, bins)
		}
	} else if l.Low < 1 || l.Low > 255 || l.High < 1 || l.High > 255 || parts < 1 || parts > exact.MaxPartitions || bins != 0 {
		return fmt.Errorf("Paterson-Stockmeyer shape %dx%d, %d partitions (1..%d), %d bins", l.Low, l.High, parts, exact.MaxPartitions, bins)
	}
	switch {
	case len(l.Name) == 0 || len(l.Name) > heMaxName:
		return fmt.Errorf("preset name of %d bytes", len(l.Name))
	case l.LogN < 10 || l.LogN > 17:
		return fmt.Errorf("LogN %d outside 10..17", l.LogN)
	case l.T < 2:
		return fmt.Errorf("plaintext modulus %d", l.T)
	case len(l.LogQ) == 0 || len(l.LogQ) > heMaxPrimes || len(l.LogP) > heMaxPrimes:
		return fmt.Errorf("%d Q and %d P primes", len(l.LogQ), len(l.LogP))
	}
	for _, v := range append(append([]int(nil), l.LogQ...), l.LogP...) {
		if v < 1 || v > 61 {
			return fmt.Errorf("prime of %d bits", v)
		}
	}
	return nil
}
