package he

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/utils"
)

// SecretKey is the client's BGV secret key. It has no wire methods on
// purpose: it never leaves the client.
type SecretKey struct {
	params Params
	sk     *rlwe.SecretKey
}

// NewSecretKey samples a ternary secret key. Lattigo's key generator draws
// its coins from its own crypto/rand-seeded PRNG (it cannot be seeded from
// outside in v5).
func NewSecretKey(p Params) *SecretKey {
	kgen := rlwe.NewKeyGenerator(p.bgv)
	return &SecretKey{params: p, sk: kgen.GenSecretKeyNew()}
}

// Params returns the parameters of the key.
func (sk *SecretKey) Params() Params { return sk.params }

// EvaluationKeys holds the relinearisation key and the Galois (rotation)
// keys that let the server evaluate on the client's ciphertexts. It crosses
// the wire once per client (one-time key material).
//
// Each gadget ciphertext (the relinearisation key, then each Galois key)
// travels seeded: a 32-byte seed and, for every component, only its c0 =
// -a*s + e + gadget term, packed at the primes' bit widths. The uniform
// halves a were drawn by Lattigo's key generator from an AES-256-CTR
// stream keyed by the seed (seedPRG); the receiver redraws them by
// replaying the generator's own sampling calls (see redrawC1), so the
// encoding is about a quarter of Lattigo's.
type EvaluationKeys struct {
	params Params
	rlk    *rlwe.RelinearizationKey
	// rotations by k slot positions within a row and their keys.
	rots []int
	gks  []*rlwe.GaloisKey
	// seeds of the uniform halves: the relinearisation key's, then one per
	// Galois key.
	seeds [][32]byte
	// galLevel is the top Q level the Galois keys support.
	galLevel int
}

// GenEvaluationKeys derives a relinearisation key valid at every level and
// Galois keys for the given column rotations, valid up to galoisLevel. The
// seeds of the uniform halves come from crypto/rand.
func (sk *SecretKey) GenEvaluationKeys(rotations []int, galoisLevel int) (*EvaluationKeys, error) {
	return sk.genEvaluationKeys(rotations, galoisLevel, nil)
}

// genEvaluationKeys is GenEvaluationKeys with the seeds read from rng
// (crypto/rand when nil). Lattigo's error sampler keeps its own
// crypto/rand-seeded stream.
func (sk *SecretKey) genEvaluationKeys(rotations []int, galoisLevel int, rng io.Reader) (*EvaluationKeys, error) {
	p := sk.params
	if galoisLevel < 0 || galoisLevel > p.MaxLevel() {
		return nil, fmt.Errorf("he: evaluation keys: galois level %d outside 0..%d", galoisLevel, p.MaxLevel())
	}
	if len(rotations) > maxGaloisKeys {
		return nil, fmt.Errorf("he: evaluation keys: %d rotations, at most %d", len(rotations), maxGaloisKeys)
	}
	rng = orCrypto(rng)
	base := rlwe.NewKeyGenerator(p.bgv)
	seeded := func() (*rlwe.KeyGenerator, [32]byte, error) {
		var seed [32]byte
		if _, err := io.ReadFull(rng, seed[:]); err != nil {
			return nil, seed, fmt.Errorf("he: evaluation keys: read seed: %w", err)
		}
		g, err := newSeedPRG(seed[:])
		if err != nil {
			return nil, seed, fmt.Errorf("he: evaluation keys: %w", err)
		}
		return &rlwe.KeyGenerator{Encryptor: base.Encryptor.WithPRNG(g)}, seed, nil
	}
	kg, seed, err := seeded()
	if err != nil {
		return nil, err
	}
	ek := &EvaluationKeys{params: p, rlk: kg.GenRelinearizationKeyNew(sk.sk), galLevel: galoisLevel, seeds: [][32]byte{seed}}
	for _, k := range rotations {
		kg, seed, err := seeded()
		if err != nil {
			return nil, err
		}
		gk := kg.GenGaloisKeyNew(p.bgv.GaloisElementForColRotation(k), sk.sk, galoisParams(p, galoisLevel))
		ek.rots = append(ek.rots, k)
		ek.gks = append(ek.gks, gk)
		ek.seeds = append(ek.seeds, seed)
	}
	return ek, nil
}

// maxGaloisKeys bounds the Galois keys one key set may carry.
const maxGaloisKeys = 64

func galoisParams(p Params, level int) rlwe.EvaluationKeyParameters {
	return rlwe.EvaluationKeyParameters{LevelQ: utils.Pointy(level), LevelP: utils.Pointy(p.bgv.MaxLevelP())}
}

// redrawC1 overwrites the uniform half c1 of every component of g with
// what Lattigo's key generator drew from seed. It replays the generator's
// calls (genEvaluationKey: one WithKey view, then one EncryptZero per
// component, in order) on a fresh generator keyed by the same seed and a
// zero secret key, so the uniform sampler is driven exactly as when the
// key was made, whatever buffering it does between components; only the
// error sampler, which has its own stream, and the discarded c0 differ.
func redrawC1(p Params, seed []byte, g *rlwe.GadgetCiphertext) error {
	prg, err := newSeedPRG(seed)
	if err != nil {
		return err
	}
	enc := rlwe.NewKeyGenerator(p.bgv).Encryptor.WithPRNG(prg).WithKey(rlwe.NewSecretKey(p.bgv))
	tmp := p.bgv.RingQP().AtLevel(g.LevelQ(), g.LevelP()).NewPoly()
	for i := range g.Value {
		for j := range g.Value[i] {
			el := rlwe.Element[ringqp.Poly]{
				MetaData: &rlwe.MetaData{CiphertextMetaData: rlwe.CiphertextMetaData{IsNTT: true, IsMontgomery: true}},
				Value:    []ringqp.Poly{tmp, g.Value[i][j][1]},
			}
			if err := enc.EncryptZero(el); err != nil {
				return err
			}
		}
	}
	return nil
}

// gadgetC0Size is the packed size of the c0 halves of every component of g.
func gadgetC0Size(p Params, g *rlwe.GadgetCiphertext) int {
	n := 0
	q, pp := p.bgv.Q()[:g.LevelQ()+1], p.bgv.P()[:g.LevelP()+1]
	for i := range g.Value {
		n += len(g.Value[i]) * (polyPackedLen(p.N(), q) + polyPackedLen(p.N(), pp))
	}
	return n
}

func appendGadgetC0(dst []byte, p Params, g *rlwe.GadgetCiphertext) []byte {
	q, pp := p.bgv.Q()[:g.LevelQ()+1], p.bgv.P()[:g.LevelP()+1]
	for i := range g.Value {
		for j := range g.Value[i] {
			dst = packPoly(dst, g.Value[i][j][0].Q.Coeffs, q)
			dst = packPoly(dst, g.Value[i][j][0].P.Coeffs, pp)
		}
	}
	return dst
}

// readGadgetC0 fills the c0 halves of g from src (exactly gadgetC0Size
// bytes), checking every residue.
func readGadgetC0(src []byte, p Params, g *rlwe.GadgetCiphertext) error {
	q, pp := p.bgv.Q()[:g.LevelQ()+1], p.bgv.P()[:g.LevelP()+1]
	off := 0
	for i := range g.Value {
		for j := range g.Value[i] {
			n, err := unpackPoly(src[off:], g.Value[i][j][0].Q.Coeffs, q)
			if err != nil {
				return err
			}
			off += n
			if n, err = unpackPoly(src[off:], g.Value[i][j][0].P.Coeffs, pp); err != nil {
				return err
			}
			off += n
		}
	}
	return nil
}

func (ek *EvaluationKeys) keySet() *rlwe.MemEvaluationKeySet {
	return rlwe.NewMemEvaluationKeySet(ek.rlk, ek.gks...)
}

// Rotations returns the column rotations the keys support.
func (ek *EvaluationKeys) Rotations() []int { return append([]int(nil), ek.rots...) }

// evaluationKeysSize is the encoded size of a key set with count Galois
// keys at galLevel: header, level, count, the relinearisation key's seed
// and c0 halves, then per Galois key its rotation (int32), seed and c0
// halves.
func evaluationKeysSize(p Params, galLevel, count int) int {
	rlk := rlwe.NewRelinearizationKey(p.bgv)
	gk := rlwe.NewGaloisKey(p.bgv, galoisParams(p, galLevel))
	return headerLen + 2 + 32 + gadgetC0Size(p, &rlk.GadgetCiphertext) + count*(4+32+gadgetC0Size(p, &gk.GadgetCiphertext))
}

// BinarySize returns the exact number of bytes MarshalBinary writes.
func (ek *EvaluationKeys) BinarySize() int {
	return evaluationKeysSize(ek.params, ek.galLevel, len(ek.gks))
}

// MarshalBinary encodes the keys: header, galois level, rotation count,
// the relinearisation key (seed, c0 halves), then each Galois key
// preceded by its rotation (int32).
func (ek *EvaluationKeys) MarshalBinary() ([]byte, error) {
	p := ek.params
	out := make([]byte, 0, ek.BinarySize())
	out = putHeader(out, kindEvalKey, p)
	out = append(out, byte(ek.galLevel), byte(len(ek.gks)))
	out = append(out, ek.seeds[0][:]...)
	out = appendGadgetC0(out, p, &ek.rlk.GadgetCiphertext)
	for i, gk := range ek.gks {
		out = binary.LittleEndian.AppendUint32(out, uint32(int32(ek.rots[i])))
		out = append(out, ek.seeds[1+i][:]...)
		out = appendGadgetC0(out, p, &gk.GadgetCiphertext)
	}
	return out, nil
}

// WriteTo writes MarshalBinary's bytes to w.
func (ek *EvaluationKeys) WriteTo(w io.Writer) (int64, error) {
	b, err := ek.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// UnmarshalEvaluationKeys decodes keys made under p. The length, levels,
// rotations and every residue are checked before the uniform halves are
// redrawn; malformed input returns an error and never panics.
func UnmarshalEvaluationKeys(p Params, data []byte) (ek *EvaluationKeys, err error) {
	defer func() {
		if r := recover(); r != nil {
			ek, err = nil, fmt.Errorf("he: decode evaluation keys: malformed input (%v)", r)
		}
	}()
	if err := checkHeader(data, kindEvalKey, p); err != nil {
		return nil, fmt.Errorf("he: decode evaluation keys: %w", err)
	}
	if len(data) < headerLen+2 {
		return nil, fmt.Errorf("he: decode evaluation keys: truncated")
	}
	galLevel, count := int(data[headerLen]), int(data[headerLen+1])
	if galLevel > p.MaxLevel() {
		return nil, fmt.Errorf("he: decode evaluation keys: galois level %d > max %d", galLevel, p.MaxLevel())
	}
	if count > maxGaloisKeys {
		return nil, fmt.Errorf("he: decode evaluation keys: %d galois keys, at most %d", count, maxGaloisKeys)
	}
	if want := evaluationKeysSize(p, galLevel, count); len(data) != want {
		return nil, fmt.Errorf("he: decode evaluation keys: %d bytes, want %d for %d galois keys at level %d", len(data), want, count, galLevel)
	}
	data = data[headerLen+2:]
	ek = &EvaluationKeys{params: p, galLevel: galLevel, rlk: rlwe.NewRelinearizationKey(p.bgv)}
	// read takes one seeded gadget ciphertext off data.
	read := func(g *rlwe.GadgetCiphertext) error {
		var seed [32]byte
		copy(seed[:], data)
		n := gadgetC0Size(p, g)
		if err := readGadgetC0(data[32:32+n], p, g); err != nil {
			return err
		}
		data = data[32+n:]
		ek.seeds = append(ek.seeds, seed)
		return redrawC1(p, seed[:], g)
	}
	if err := read(&ek.rlk.GadgetCiphertext); err != nil {
		return nil, fmt.Errorf("he: decode relinearization key: %w", err)
	}
	seen := map[int]bool{}
	for i := 0; i < count; i++ {
		rot := int(int32(binary.LittleEndian.Uint32(data)))
		if seen[rot] || rot <= -p.Slots()/2 || rot >= p.Slots()/2 {
			return nil, fmt.Errorf("he: decode galois key %d: rotation %d repeated or out of range", i, rot)
		}
		seen[rot] = true
		data = data[4:]
		gk := rlwe.NewGaloisKey(p.bgv, galoisParams(p, galLevel))
		gk.GaloisElement = p.bgv.GaloisElementForColRotation(rot)
		gk.NthRoot = p.bgv.RingQ().NthRoot()
		if err := read(&gk.GadgetCiphertext); err != nil {
			return nil, fmt.Errorf("he: decode galois key %d: %w", i, err)
		}
		if err := checkGadget(p, &gk.GadgetCiphertext, galLevel); err != nil {
			return nil, fmt.Errorf("he: decode galois key %d: %w", i, err)
		}
		ek.rots = append(ek.rots, rot)
		ek.gks = append(ek.gks, gk)
	}
	if err := checkGadget(p, &ek.rlk.GadgetCiphertext, p.MaxLevel()); err != nil {
		return nil, fmt.Errorf("he: decode relinearization key: %w", err)
	}
	return ek, nil
}

// checkGadget verifies the shape of a decoded key and that every residue
// is below its prime.
func checkGadget(p Params, g *rlwe.GadgetCiphertext, levelQ int) error {
	if g.LevelQ() != levelQ || g.LevelP() != p.bgv.MaxLevelP() {
		return fmt.Errorf("key at levels (%d,%d), want (%d,%d)", g.LevelQ(), g.LevelP(), levelQ, p.bgv.MaxLevelP())
	}
	q, pp := p.bgv.Q(), p.bgv.P()
	for _, row := range g.Value {
		for _, el := range row {
			for _, qp := range el {
				for i, c := range qp.Q.Coeffs {
					if len(c) != p.N() {
						return fmt.Errorf("ring degree %d, want %d", len(c), p.N())
					}
					for _, v := range c {
						if v >= q[i] {
							return fmt.Errorf("residue %d >= q%d", v, i)
						}
					}
				}
				for i, c := range qp.P.Coeffs {
					if len(c) != p.N() {
						return fmt.Errorf("ring degree %d, want %d", len(c), p.N())
					}
					for _, v := range c {
						if v >= pp[i] {
							return fmt.Errorf("residue %d >= p%d", v, i)
						}
					}
				}
			}
		}
	}
	return nil
}
