package imagehash

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/utils/sampling"
)

// This file holds the evaluation keys: the Galois (rotation) keys the
// server's baby-step giant-step matrix product and final fold need, and
// their wire format (galois element, then every polynomial of the key
// bit-packed in a fixed order fixed by the parameters).

// ltParams describes the server's linear transformation: diagonals 0..m-1
// of the slots x slots matrix (see Server), at level 1, encoded at scale
// Q[1] so that one rescale brings the result back to the input scale.
func (p Params) ltParams() hefloat.LinearTransformationParameters {
	diags := make([]int, p.shape.outputs)
	for k := range diags {
		diags[k] = k
	}
	return hefloat.LinearTransformationParameters{
		DiagonalsIndexList:       diags,
		Level:                    1,
		Scale:                    rlwe.NewScale(p.ckks.Q()[1]),
		LogDimensions:            p.ckks.LogMaxDimensions(),
		LogBabyStepGianStepRatio: 1,
	}
}

// foldN is how many blocks of Outputs slots the final inner sum adds.
func (p Params) foldN() int { return p.shape.inputs / p.shape.outputs }

// galoisElements lists, sorted, the Galois elements the server uses.
func (p Params) galoisElements() []uint64 {
	hp := hefloat.Parameters{Parameters: p.ckks}
	g := hefloat.GaloisElementsForLinearTransformation(hp, p.ltParams())
	g = append(g, rlwe.GaloisElementsForInnerSum(hp, p.shape.outputs, p.foldN())...)
	slices.Sort(g)
	return slices.Compact(g)
}

// keyPoly is one polynomial of a key with the moduli of its limbs.
type keyPoly struct {
	poly   ring.Poly
	moduli []uint64
}

// polysOf lists, in wire order, the polynomials of component comp (0: the
// masked part; 1: the uniform part, regenerated from a seed) of each
// gadget entry of gk.
func (p Params) polysOf(gk *rlwe.GaloisKey, comp int) []keyPoly {
	var out []keyPoly
	for _, row := range gk.Value {
		for _, vec := range row {
			qp := vec[comp]
			out = append(out, keyPoly{qp.Q, p.ckks.Q()[:qp.Q.Level()+1]})
			if qp.P.Level() >= 0 && len(qp.P.Coeffs) > 0 {
				out = append(out, keyPoly{qp.P, p.ckks.P()[:qp.P.Level()+1]})
			}
		}
	}
	return out
}

// keySize is the wire size of one seeded Galois key: galois element,
// seed, and the masked component.
func (p Params) keySize() int {
	n := 8 + seedLen
	for _, kp := range p.polysOf(rlwe.NewGaloisKey(p.ckks), 0) {
		n += packedLen(p.ckks.N(), kp.moduli)
	}
	return n
}

// KeysSize returns the byte size of the evaluation keys the client sends
// once. Each key's uniform component travels as a 32-byte seed.
func KeysSize(p Params) int {
	return headerLen + 2 + len(p.galoisElements())*p.keySize()
}

// genKeys generates the Galois keys, the uniform component of key i drawn
// from a keyed PRNG under seeds[i], and encodes them.
func (p Params) genKeys(sk *rlwe.SecretKey, rng io.Reader) ([]*rlwe.GaloisKey, []byte, error) {
	galEls := p.galoisElements()
	base := rlwe.NewKeyGenerator(p.ckks)
	out := p.putHeader(make([]byte, 0, KeysSize(p)), kindKeys)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(galEls)))
	gks := make([]*rlwe.GaloisKey, len(galEls))
	for i, g := range galEls {
		var seed [seedLen]byte
		if _, err := io.ReadFull(rng, seed[:]); err != nil {
			return nil, nil, fmt.Errorf("read seed: %w", err)
		}
		prng, err := sampling.NewKeyedPRNG(seed[:])
		if err != nil {
			return nil, nil, err
		}
		kg := &rlwe.KeyGenerator{Encryptor: base.Encryptor.WithPRNG(prng)}
		gks[i] = kg.GenGaloisKeyNew(g, sk)
		// The server rebuilds the uniform parts with fillUniform: check
		// that it reproduces Lattigo's draws, so that a difference (a
		// changed sampler) fails here rather than as a wrong hash.
		if err := p.checkUniform(gks[i], seed[:]); err != nil {
			return nil, nil, fmt.Errorf("key %d: %w", i, err)
		}
		out = binary.LittleEndian.AppendUint64(out, g)
		out = append(out, seed[:]...)
		for _, kp := range p.polysOf(gks[i], 0) {
			out = packPoly(out, kp.poly, kp.moduli)
		}
	}
	return gks, out, nil
}

// unmarshalKeys decodes and validates keys made for p and regenerates
// their uniform components.
func (p Params) unmarshalKeys(data []byte) (*rlwe.MemEvaluationKeySet, error) {
	gks, err := p.decodeKeys(data)
	if err != nil {
		return nil, err
	}
	return rlwe.NewMemEvaluationKeySet(nil, gks...), nil
}

func (p Params) decodeKeys(data []byte) ([]*rlwe.GaloisKey, error) {
	if err := p.checkHeader(data, kindKeys); err != nil {
		return nil, err
	}
	want := p.galoisElements()
	if len(data) != KeysSize(p) {
		return nil, fmt.Errorf("keys of %d bytes, want %d", len(data), KeysSize(p))
	}
	if n := int(binary.LittleEndian.Uint16(data[headerLen:])); n != len(want) {
		return nil, fmt.Errorf("%d keys, want %d", n, len(want))
	}
	off := headerLen + 2
	gks := make([]*rlwe.GaloisKey, len(want))
	for i, g := range want {
		if got := binary.LittleEndian.Uint64(data[off:]); got != g {
			return nil, fmt.Errorf("key %d for galois element %d, want %d", i, got, g)
		}
		off += 8
		prng, err := sampling.NewKeyedPRNG(data[off : off+seedLen])
		if err != nil {
			return nil, err
		}
		off += seedLen
		gk := rlwe.NewGaloisKey(p.ckks)
		gk.GaloisElement = g
		gk.NthRoot = p.ckks.RingQ().NthRoot()
		for _, kp := range p.polysOf(gk, 0) {
			l := packedLen(p.ckks.N(), kp.moduli)
			if err := unpackPoly(data[off:off+l], kp.poly, kp.moduli); err != nil {
				return nil, fmt.Errorf("key %d: %w", i, err)
			}
			off += l
		}
		fillUniform(gk, prng, p.ckks.RingQP())
		gks[i] = gk
	}
	return gks, nil
}

// fillUniform regenerates the uniform component of every gadget entry of
// gk from prng, drawing exactly as Lattigo's encryptor did for the client.
//
// The encryptor takes a fresh AtLevel view of its uniform sampler for each
// encryption of zero, and a fresh view starts by refilling its buffer from
// the PRNG: whatever its previous refill left unread is dropped. One view
// reused across entries would go on from those leftover bytes instead.
// The two agree only when rejection sampling rejected nothing in the
// entries before, so reusing a view gave a wrong key for some seeds: 17 of
// 960 phash8 clients at Default (20 keys; the 40-bit prime rejects 1.3e-7
// of draws), and every key where a prime rejects half of them.
func fillUniform(gk *rlwe.GaloisKey, prng sampling.PRNG, r *ringqp.Ring) {
	us := ringqp.NewUniformSampler(prng, *r)
	for _, row := range gk.Value {
		for _, vec := range row {
			us.AtLevel(gk.LevelQ(), gk.LevelP()).Read(vec[1])
		}
	}
}

// checkUniform verifies that fillUniform rebuilds gk's uniform components
// from seed.
func (p Params) checkUniform(gk *rlwe.GaloisKey, seed []byte) error {
	prng, err := sampling.NewKeyedPRNG(seed)
	if err != nil {
		return err
	}
	re := rlwe.NewGaloisKey(p.ckks)
	fillUniform(re, prng, p.ckks.RingQP())
	for r, row := range gk.Value {
		for k, vec := range row {
			if !vec[1].Equal(&re.Value[r][k][1]) {
				return fmt.Errorf("seeded uniform part of gadget entry (%d, %d) does not regenerate", r, k)
			}
		}
	}
	return nil
}
