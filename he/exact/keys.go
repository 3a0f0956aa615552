package exact

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/utils"
)

// secretKey is the client's BGV secret key. It has no wire methods on
// purpose: it never leaves the client.
type secretKey struct {
	params Parameters
	sk     *rlwe.SecretKey
}

// newSecretKey samples a ternary secret key. Lattigo's key generator draws
// its coins from its own crypto/rand-seeded PRNG (it cannot be seeded from
// outside in v5).
func newSecretKey(p Parameters) *secretKey {
	kgen := rlwe.NewKeyGenerator(p.bgv)
	return &secretKey{params: p, sk: kgen.GenSecretKeyNew()}
}

// Parameters returns the parameters of the key.
func (sk *secretKey) Parameters() Parameters { return sk.params }

// evaluationKeys holds the relinearisation key and the Galois (rotation)
// keys that let the server evaluate on the client's ciphertexts. It crosses
// the wire once per client (one-time key material).
//
// Each gadget ciphertext (the relinearisation key, then each Galois key)
// travels seeded: a 32-byte seed and, for every component, only its c0 =
// -a*s + e + gadget term, packed at the primes' bit widths. The uniform
// halves a were drawn by Lattigo's key generator from an AES-256-CTR
// stream keyed by the seed; the receiver redraws them by
// replaying the generator's own sampling calls (the toolkit's seeded key
// codec, he/internal/core), so the
// encoding is about a quarter of Lattigo's.
type evaluationKeys struct {
	params Parameters
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

// genEvaluationKeys derives a relinearisation key valid at every level and
// Galois keys for the given column rotations, valid up to galoisLevel. The
// seeds of the uniform halves are read from rng (crypto/rand when nil);
// Lattigo's error sampler keeps its own crypto/rand-seeded stream.
func (sk *secretKey) genEvaluationKeys(rotations []int, galoisLevel int, rng io.Reader) (*evaluationKeys, error) {
	p := sk.params
	if galoisLevel < 0 || galoisLevel > p.MaxLevel() {
		return nil, fmt.Errorf("he: evaluation keys: galois level %d outside 0..%d", galoisLevel, p.MaxLevel())
	}
	if len(rotations) > maxGaloisKeys {
		return nil, fmt.Errorf("he: evaluation keys: %d rotations, at most %d", len(rotations), maxGaloisKeys)
	}
	kg, seed, err := core.SeededKeyGenerator(p.Parameters, rng)
	if err != nil {
		return nil, fmt.Errorf("he: evaluation keys: %w", err)
	}
	ek := &evaluationKeys{params: p, rlk: kg.GenRelinearizationKeyNew(sk.sk), galLevel: galoisLevel, seeds: [][32]byte{seed}}
	for _, k := range rotations {
		kg, seed, err := core.SeededKeyGenerator(p.Parameters, rng)
		if err != nil {
			return nil, fmt.Errorf("he: evaluation keys: %w", err)
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

func galoisParams(p Parameters, level int) rlwe.EvaluationKeyParameters {
	return rlwe.EvaluationKeyParameters{LevelQ: utils.Pointy(level), LevelP: utils.Pointy(p.bgv.MaxLevelP())}
}

func (ek *evaluationKeys) keySet() *rlwe.MemEvaluationKeySet {
	return rlwe.NewMemEvaluationKeySet(ek.rlk, ek.gks...)
}

// Rotations returns the column rotations the keys support.
func (ek *evaluationKeys) Rotations() []int { return append([]int(nil), ek.rots...) }

// evaluationKeysSize is the encoded size of a key set with count Galois
// keys at galLevel: header, level, count, the relinearisation key's seed
// and c0 halves, then per Galois key its rotation (int32), seed and c0
// halves.
func evaluationKeysSize(p Parameters, galLevel, count int) int {
	rlk := rlwe.NewRelinearizationKey(p.bgv)
	gk := rlwe.NewGaloisKey(p.bgv, galoisParams(p, galLevel))
	return core.HeaderLen + 2 + core.GadgetSize(p.Parameters, &rlk.GadgetCiphertext) + count*(4+core.GadgetSize(p.Parameters, &gk.GadgetCiphertext))
}

// BinarySize returns the exact number of bytes MarshalBinary writes.
func (ek *evaluationKeys) BinarySize() int {
	return evaluationKeysSize(ek.params, ek.galLevel, len(ek.gks))
}

// MarshalBinary encodes the keys: header, galois level, rotation count,
// the relinearisation key (seed, c0 halves), then each Galois key
// preceded by its rotation (int32).
func (ek *evaluationKeys) MarshalBinary() ([]byte, error) {
	p := ek.params
	out := make([]byte, 0, ek.BinarySize())
	out = putHeader(out, core.KindExactEvalKey, p)
	out = append(out, byte(ek.galLevel), byte(len(ek.gks)))
	out = core.AppendGadget(out, p.Parameters, ek.seeds[0], &ek.rlk.GadgetCiphertext)
	for i, gk := range ek.gks {
		out = binary.LittleEndian.AppendUint32(out, uint32(int32(ek.rots[i])))
		out = core.AppendGadget(out, p.Parameters, ek.seeds[1+i], &gk.GadgetCiphertext)
	}
	return out, nil
}

// WriteTo writes MarshalBinary's bytes to w.
func (ek *evaluationKeys) WriteTo(w io.Writer) (int64, error) {
	b, err := ek.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// unmarshalEvaluationKeys decodes keys made under p. The length, levels,
// rotations and every residue are checked before the uniform halves are
// redrawn; malformed input returns an error and never panics.
func unmarshalEvaluationKeys(p Parameters, data []byte) (ek *evaluationKeys, err error) {
	defer core.Recover(&err, "he: decode evaluation keys")
	if err := checkHeader(data, core.KindExactEvalKey, p); err != nil {
		return nil, fmt.Errorf("he: decode evaluation keys: %w", err)
	}
	if len(data) < core.HeaderLen+2 {
		return nil, fmt.Errorf("he: decode evaluation keys: truncated")
	}
	galLevel, count := int(data[core.HeaderLen]), int(data[core.HeaderLen+1])
	if galLevel > p.MaxLevel() {
		return nil, fmt.Errorf("he: decode evaluation keys: galois level %d > max %d", galLevel, p.MaxLevel())
	}
	if count > maxGaloisKeys {
		return nil, fmt.Errorf("he: decode evaluation keys: %d galois keys, at most %d", count, maxGaloisKeys)
	}
	if want := evaluationKeysSize(p, galLevel, count); len(data) != want {
		return nil, fmt.Errorf("he: decode evaluation keys: %d bytes, want %d for %d galois keys at level %d", len(data), want, count, galLevel)
	}
	data = data[core.HeaderLen+2:]
	ek = &evaluationKeys{params: p, galLevel: galLevel, rlk: rlwe.NewRelinearizationKey(p.bgv)}
	// read takes one seeded gadget ciphertext off data.
	read := func(g *rlwe.GadgetCiphertext) error {
		seed, err := core.ReadGadget(data, p.Parameters, g)
		if err != nil {
			return err
		}
		data = data[core.GadgetSize(p.Parameters, g):]
		ek.seeds = append(ek.seeds, seed)
		return nil
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
		if err := core.CheckGadget(p.Parameters, &gk.GadgetCiphertext, galLevel); err != nil {
			return nil, fmt.Errorf("he: decode galois key %d: %w", i, err)
		}
		ek.rots = append(ek.rots, rot)
		ek.gks = append(ek.gks, gk)
	}
	if err := core.CheckGadget(p.Parameters, &ek.rlk.GadgetCiphertext, p.MaxLevel()); err != nil {
		return nil, fmt.Errorf("he: decode relinearization key: %w", err)
	}
	return ek, nil
}
