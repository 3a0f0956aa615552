package exact

import (
	"encoding"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// ciphertext is a degree-1 BGV ciphertext in NTT form. Its wire encoding
// stores each residue in ceil(log2 q_i) bits, so a ciphertext dropped to
// level 0 costs 2*N*|q0| bits.
type ciphertext struct {
	params Parameters
	ct     *rlwe.Ciphertext
}

// Level returns the ciphertext level (number of primes minus one).
func (c *ciphertext) Level() int { return c.ct.Level() }

// BinarySize returns the exact number of bytes MarshalBinary writes.
func (c *ciphertext) BinarySize() int {
	return core.HeaderLen + 1 + 4 + 2*core.PolyPackedLen(c.params.N(), c.params.bgv.Q()[:c.Level()+1])
}

// MarshalBinary encodes header, level, scale (mod t) and both components.
func (c *ciphertext) MarshalBinary() ([]byte, error) {
	out := make([]byte, 0, c.BinarySize())
	out = putHeader(out, core.KindExactCipher, c.params)
	out = append(out, byte(c.Level()))
	out = binary.LittleEndian.AppendUint32(out, uint32(c.ct.Scale.Uint64()))
	q := c.params.bgv.Q()[:c.Level()+1]
	out = core.PackPoly(out, c.ct.Value[0].Coeffs, q)
	out = core.PackPoly(out, c.ct.Value[1].Coeffs, q)
	return out, nil
}

// WriteTo writes MarshalBinary's bytes to w.
func (c *ciphertext) WriteTo(w io.Writer) (int64, error) { return writeMarshaled(w, c) }

// unmarshalCiphertext decodes a ciphertext made under p, refusing wrong
// lengths, levels above maxLevel, scales >= t and residues >= their prime.
func unmarshalCiphertext(p Parameters, data []byte, maxLevel int) (*ciphertext, error) {
	level, err := readLevel(p, data, core.KindExactCipher, "ciphertext", 4)
	if err != nil {
		return nil, err
	}
	if level > maxLevel || level > p.MaxLevel() {
		return nil, fmt.Errorf("he: decode ciphertext: level %d above %d", level, min(maxLevel, p.MaxLevel()))
	}
	scale := uint64(binary.LittleEndian.Uint32(data[core.HeaderLen+1:]))
	if scale == 0 || scale >= p.T() {
		return nil, fmt.Errorf("he: decode ciphertext: scale %d not in 1..t-1", scale)
	}
	q := p.bgv.Q()[:level+1]
	body := data[core.HeaderLen+5:]
	if want := 2 * core.PolyPackedLen(p.N(), q); len(body) != want {
		return nil, fmt.Errorf("he: decode ciphertext: body of %d bytes, want %d for level %d", len(body), want, level)
	}
	ct := bgv.NewCiphertext(p.bgv, 1, level)
	n, err := core.UnpackPoly(body, ct.Value[0].Coeffs, q)
	if err != nil {
		return nil, fmt.Errorf("he: decode ciphertext: %w", err)
	}
	if _, err := core.UnpackPoly(body[n:], ct.Value[1].Coeffs, q); err != nil {
		return nil, fmt.Errorf("he: decode ciphertext: %w", err)
	}
	ct.Scale = rlwe.NewScaleModT(scale, p.T())
	return &ciphertext{params: p, ct: ct}, nil
}

// seededCiphertext is a fresh secret-key encryption sent as its first
// component plus the 32-byte seed of its uniform component: about half the
// bytes of a full ciphertext.
type seededCiphertext struct {
	params Parameters
	level  int
	seed   [32]byte
	c0     ring.Poly
}

// BinarySize returns the exact number of bytes MarshalBinary writes.
func (c *seededCiphertext) BinarySize() int {
	return core.HeaderLen + 1 + 32 + core.PolyPackedLen(c.params.N(), c.params.bgv.Q()[:c.level+1])
}

// MarshalBinary encodes header, level, seed and the first component.
func (c *seededCiphertext) MarshalBinary() ([]byte, error) {
	return appendSeeded(make([]byte, 0, c.BinarySize()), c.params, c.level, &c.seed, c.c0), nil
}

// appendSeeded appends the wire encoding of a seeded ciphertext.
func appendSeeded(dst []byte, p Parameters, level int, seed *[32]byte, c0 ring.Poly) []byte {
	dst = putHeader(dst, core.KindExactQuery, p)
	dst = append(dst, byte(level))
	dst = append(dst, seed[:]...)
	return core.PackPoly(dst, c0.Coeffs, p.bgv.Q()[:level+1])
}

// WriteTo writes MarshalBinary's bytes to w.
func (c *seededCiphertext) WriteTo(w io.Writer) (int64, error) { return writeMarshaled(w, c) }

// writeMarshaled writes m's MarshalBinary bytes to w; the ciphertexts'
// MarshalBinary cannot fail.
func writeMarshaled(w io.Writer, m encoding.BinaryMarshaler) (int64, error) {
	b, _ := m.MarshalBinary()
	n, err := w.Write(b)
	return int64(n), err
}

// readLevel checks data's header (kind under p) and that the level byte
// and at least more bytes follow it, and returns the level; what names
// the value in errors.
func readLevel(p Parameters, data []byte, kind byte, what string, more int) (int, error) {
	if err := checkHeader(data, kind, p); err != nil {
		return 0, fmt.Errorf("he: decode %s: %w", what, err)
	}
	if len(data) < core.HeaderLen+1+more {
		return 0, fmt.Errorf("he: decode %s: truncated", what)
	}
	return int(data[core.HeaderLen]), nil
}

// unmarshalSeededCiphertext decodes a seeded ciphertext made under p; the
// level must equal wantLevel.
func unmarshalSeededCiphertext(p Parameters, data []byte, wantLevel int) (*seededCiphertext, error) {
	level, err := readLevel(p, data, core.KindExactQuery, "seeded ciphertext", 32)
	if err != nil {
		return nil, err
	}
	if level != wantLevel || level > p.MaxLevel() {
		return nil, fmt.Errorf("he: decode seeded ciphertext: level %d, want %d", level, wantLevel)
	}
	c := &seededCiphertext{params: p, level: level, c0: p.bgv.RingQ().AtLevel(level).NewPoly()}
	copy(c.seed[:], data[core.HeaderLen+1:])
	q := p.bgv.Q()[:level+1]
	body := data[core.HeaderLen+33:]
	if want := core.PolyPackedLen(p.N(), q); len(body) != want {
		return nil, fmt.Errorf("he: decode seeded ciphertext: body of %d bytes, want %d", len(body), want)
	}
	if _, err := core.UnpackPoly(body, c.c0.Coeffs, q); err != nil {
		return nil, fmt.Errorf("he: decode seeded ciphertext: %w", err)
	}
	return c, nil
}

// parseQuery decodes a seeded query ciphertext at the given level and
// regenerates its uniform component.
func parseQuery(p Parameters, msg []byte, level int) (*rlwe.Ciphertext, error) {
	sq, err := unmarshalSeededCiphertext(p, msg, level)
	if err != nil {
		return nil, err
	}
	x, err := sq.expand()
	if err != nil {
		return nil, err
	}
	return x.ct, nil
}

// expand regenerates the uniform component from the seed.
func (c *seededCiphertext) expand() (*ciphertext, error) {
	p := c.params
	ct := bgv.NewCiphertext(p.bgv, 1, c.level)
	ct.Value[0].Copy(c.c0)
	if err := core.ExpandC1(c.seed[:], p.bgv.Q()[:c.level+1], ct.Value[1].Coeffs); err != nil {
		return nil, err
	}
	return &ciphertext{params: p, ct: ct}, nil
}

// Expand returns the full ciphertext.
func (c *seededCiphertext) Expand() (*ciphertext, error) {
	ct, err := c.expand()
	if err != nil {
		return nil, fmt.Errorf("he: expand seeded ciphertext: %w", err)
	}
	return ct, nil
}

// encryptor encrypts slot vectors under a secret key with the toolkit's
// seeded encryption (core.SeededEncryptor: c1 expanded from a 32-byte
// seed by AES-CTR, c0 = NTT(t^-1 * m + e) - a*s, where m is the slot
// vector's plaintext polynomial, coefficients mod t, Lattigo's BGV
// encoding at scale 1). It is not safe for concurrent use.
type encryptor struct {
	params Parameters
	sk     *secretKey
	ecd    *bgv.Encoder
	rng    io.Reader
	seeded *core.SeededEncryptor
	pT     ring.Poly // plaintext mod t, scratch
}

// newEncryptor returns an encryptor; seeds of the uniform component are read
// from rng (crypto/rand when nil). The noise is always drawn from a stream
// keyed from crypto/rand.
func newEncryptor(sk *secretKey, rng io.Reader) *encryptor {
	p := sk.params
	rng = core.OrCrypto(rng)
	seeded, err := core.NewSeededEncryptor(p.Parameters, sk.sk, rng)
	if err != nil {
		panic(err) // BGV parameters always carry a Gaussian Xe
	}
	return &encryptor{params: p, sk: sk, ecd: bgv.NewEncoder(p.bgv), rng: rng, seeded: seeded, pT: p.bgv.RingT().NewPoly()}
}

// EncryptSeeded encrypts values (each < t, at most Slots) at the given level
// and returns the compressed ciphertext.
func (e *encryptor) EncryptSeeded(values []uint64, level int) (*seededCiphertext, error) {
	p := e.params
	if level < 0 || level > p.MaxLevel() {
		return nil, fmt.Errorf("he: encrypt: level %d outside 0..%d", level, p.MaxLevel())
	}
	c := &seededCiphertext{params: p, level: level, c0: p.bgv.RingQ().AtLevel(level).NewPoly()}
	if err := e.encryptSeeded(values, level, &c.seed, c.c0); err != nil {
		return nil, err
	}
	return c, nil
}

// encryptSeeded writes the seed and the first component (c0, level+1
// limbs) of a fresh encryption of values.
func (e *encryptor) encryptSeeded(values []uint64, level int, seed *[32]byte, c0 ring.Poly) error {
	p := e.params
	if len(values) > p.Slots() || level < 0 || level > p.MaxLevel() || c0.Level() != level {
		return fmt.Errorf("he: encrypt: %d values at level %d (max %d slots, level %d)", len(values), level, p.Slots(), p.MaxLevel())
	}
	for i, v := range values {
		if v >= p.T() {
			return fmt.Errorf("he: encrypt: value %d at slot %d >= t", v, i)
		}
	}
	if err := e.ecd.EncodeRingT(values, p.bgv.DefaultScale(), e.pT); err != nil {
		return fmt.Errorf("he: encrypt: %w", err)
	}
	e.ecd.RingT2Q(level, true, e.pT, c0) // t^-1 * m
	s, err := e.seeded.Encrypt(c0)
	if err != nil {
		return fmt.Errorf("he: encrypt: %w", err)
	}
	*seed = s
	return nil
}

// decryptor decrypts and decodes ciphertexts. It is not safe for
// concurrent use.
type decryptor struct {
	params Parameters
	dec    *rlwe.Decryptor
	ecd    *bgv.Encoder
}

// newDecryptor returns a decryptor for sk.
func newDecryptor(sk *secretKey) *decryptor {
	return &decryptor{params: sk.params, dec: rlwe.NewDecryptor(sk.params.bgv, sk.sk), ecd: bgv.NewEncoder(sk.params.bgv)}
}

// Decrypt returns the Slots() slot values of ct.
func (d *decryptor) Decrypt(ct *ciphertext) ([]uint64, error) {
	if !ct.params.equal(d.params) {
		return nil, fmt.Errorf("he: decrypt: ciphertext under other parameters")
	}
	pt := d.dec.DecryptNew(ct.ct)
	out := make([]uint64, d.params.Slots())
	if err := d.ecd.Decode(pt, out); err != nil {
		return nil, fmt.Errorf("he: decrypt: %w", err)
	}
	return out, nil
}
