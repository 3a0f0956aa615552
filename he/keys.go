package he

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
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
type EvaluationKeys struct {
	params Params
	rlk    *rlwe.RelinearizationKey
	// rotations by k slot positions within a row and their keys.
	rots []int
	gks  []*rlwe.GaloisKey
	// galLevel is the top Q level the Galois keys support.
	galLevel int
}

// GenEvaluationKeys derives a relinearisation key valid at every level and
// Galois keys for the given column rotations, valid up to galoisLevel.
func (sk *SecretKey) GenEvaluationKeys(rotations []int, galoisLevel int) (*EvaluationKeys, error) {
	p := sk.params
	if galoisLevel < 0 || galoisLevel > p.MaxLevel() {
		return nil, fmt.Errorf("he: evaluation keys: galois level %d outside 0..%d", galoisLevel, p.MaxLevel())
	}
	if len(rotations) > 64 {
		return nil, fmt.Errorf("he: evaluation keys: %d rotations, at most 64", len(rotations))
	}
	kgen := rlwe.NewKeyGenerator(p.bgv)
	ek := &EvaluationKeys{params: p, rlk: kgen.GenRelinearizationKeyNew(sk.sk), galLevel: galoisLevel}
	lvlP := p.bgv.MaxLevelP()
	for _, k := range rotations {
		gk := kgen.GenGaloisKeyNew(p.bgv.GaloisElementForColRotation(k), sk.sk, rlwe.EvaluationKeyParameters{LevelQ: utils.Pointy(galoisLevel), LevelP: utils.Pointy(lvlP)})
		ek.rots = append(ek.rots, k)
		ek.gks = append(ek.gks, gk)
	}
	return ek, nil
}

func (ek *EvaluationKeys) keySet() *rlwe.MemEvaluationKeySet {
	return rlwe.NewMemEvaluationKeySet(ek.rlk, ek.gks...)
}

// Rotations returns the column rotations the keys support.
func (ek *EvaluationKeys) Rotations() []int { return append([]int(nil), ek.rots...) }

// BinarySize returns the exact number of bytes MarshalBinary writes.
func (ek *EvaluationKeys) BinarySize() int {
	s := headerLen + 1 + 1 + 4 + ek.rlk.BinarySize()
	for _, gk := range ek.gks {
		s += 4 + gk.BinarySize()
	}
	return s
}

// MarshalBinary encodes the keys: header, galois level, rotation count,
// then each key's Lattigo encoding preceded by its rotation (int32).
func (ek *EvaluationKeys) MarshalBinary() ([]byte, error) {
	out := make([]byte, 0, ek.BinarySize())
	out = putHeader(out, kindEvalKey, ek.params)
	out = append(out, byte(ek.galLevel), byte(len(ek.gks)))
	b, err := ek.rlk.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("he: marshal relinearization key: %w", err)
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
	out = append(out, b...)
	for i, gk := range ek.gks {
		out = binary.LittleEndian.AppendUint32(out, uint32(int32(ek.rots[i])))
		b, err := gk.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("he: marshal galois key: %w", err)
		}
		out = append(out, b...)
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

// UnmarshalEvaluationKeys decodes keys made under p. Sizes, levels, ring
// degree and Galois elements are checked before and after Lattigo parses
// the bytes; malformed input returns an error and never panics.
func UnmarshalEvaluationKeys(p Params, data []byte) (ek *EvaluationKeys, err error) {
	defer func() {
		if r := recover(); r != nil {
			ek, err = nil, fmt.Errorf("he: decode evaluation keys: malformed input (%v)", r)
		}
	}()
	if err := checkHeader(data, kindEvalKey, p); err != nil {
		return nil, fmt.Errorf("he: decode evaluation keys: %w", err)
	}
	data = data[headerLen:]
	if len(data) < 6 {
		return nil, fmt.Errorf("he: decode evaluation keys: truncated")
	}
	galLevel, count := int(data[0]), int(data[1])
	if galLevel > p.MaxLevel() {
		return nil, fmt.Errorf("he: decode evaluation keys: galois level %d > max %d", galLevel, p.MaxLevel())
	}
	if count > 64 {
		return nil, fmt.Errorf("he: decode evaluation keys: %d galois keys, at most 64", count)
	}
	rlkLen := int(binary.LittleEndian.Uint32(data[2:6]))
	data = data[6:]
	wantRlk := rlwe.NewRelinearizationKey(p.bgv)
	if rlkLen != wantRlk.BinarySize() {
		return nil, fmt.Errorf("he: decode evaluation keys: relinearization key of %d bytes, want %d", rlkLen, wantRlk.BinarySize())
	}
	lvlP := p.bgv.MaxLevelP()
	gkTmpl := rlwe.NewGaloisKey(p.bgv, rlwe.EvaluationKeyParameters{LevelQ: utils.Pointy(galLevel), LevelP: utils.Pointy(lvlP)})
	gkLen := gkTmpl.BinarySize()
	if want := rlkLen + count*(4+gkLen); len(data) != want {
		return nil, fmt.Errorf("he: decode evaluation keys: body of %d bytes, want %d", len(data), want)
	}
	ek = &EvaluationKeys{params: p, galLevel: galLevel, rlk: rlwe.NewRelinearizationKey(p.bgv)}
	if err := ek.rlk.UnmarshalBinary(data[:rlkLen]); err != nil {
		return nil, fmt.Errorf("he: decode relinearization key: %w", err)
	}
	if err := checkGadget(p, &ek.rlk.GadgetCiphertext, p.MaxLevel()); err != nil {
		return nil, fmt.Errorf("he: decode relinearization key: %w", err)
	}
	data = data[rlkLen:]
	seen := map[int]bool{}
	for i := 0; i < count; i++ {
		rot := int(int32(binary.LittleEndian.Uint32(data)))
		if seen[rot] || rot <= -p.Slots()/2 || rot >= p.Slots()/2 {
			return nil, fmt.Errorf("he: decode galois key %d: rotation %d repeated or out of range", i, rot)
		}
		seen[rot] = true
		gk := rlwe.NewGaloisKey(p.bgv, rlwe.EvaluationKeyParameters{LevelQ: utils.Pointy(galLevel), LevelP: utils.Pointy(lvlP)})
		if err := gk.UnmarshalBinary(data[4 : 4+gkLen]); err != nil {
			return nil, fmt.Errorf("he: decode galois key %d: %w", i, err)
		}
		if gk.GaloisElement != p.bgv.GaloisElementForColRotation(rot) {
			return nil, fmt.Errorf("he: decode galois key %d: element %d does not match rotation %d", i, gk.GaloisElement, rot)
		}
		if err := checkGadget(p, &gk.GadgetCiphertext, galLevel); err != nil {
			return nil, fmt.Errorf("he: decode galois key %d: %w", i, err)
		}
		ek.rots = append(ek.rots, rot)
		ek.gks = append(ek.gks, gk)
		data = data[4+gkLen:]
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
