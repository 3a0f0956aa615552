package hashmatch

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// This file holds the evaluation keys the client generates once and the
// server keeps: relinearisation, the rotations of the circuit's linear
// stages and inner sums, conjugation (the sign polynomials clear the
// imaginary part), and Lattigo's bootstrapping keys (relinearisation,
// Galois keys and the two dense/sparse encapsulation keys). Every key is
// a gadget ciphertext made by a key generator whose uniform draws come
// from its own 32-byte seed, and travels in he's one seeded codec
// (he/internal/core): seed plus the packed c0 halves; the server redraws
// the c1 halves.

// Keys are a client's evaluation keys in their seeded wire encoding. They
// hold no secret. The encoding is checked only for its length and header
// here; NewServer decodes and validates the rest.
type Keys struct {
	p    Params
	data []byte
}

// keySet is the decoded form the server evaluates with.
type keySet struct {
	evk *rlwe.MemEvaluationKeySet
	btp *bootstrapping.EvaluationKeys // nil in tests that bootstrap with the secret key
}

// codecs returns the seeded codec's view of the residual and the
// bootstrapping chains.
func (p Params) codecs() (res, btp core.Params) {
	return core.CodecParams("hashmatch-residual", p.residual.Parameters.Parameters),
		core.CodecParams("hashmatch-btp", p.btp.BootstrappingParameters.Parameters.Parameters)
}

// id fingerprints the parameters for the keys' header.
func (p Params) id() uint64 {
	h := core.Mix(14695981039346656037, uint64(p.lit.LogN), uint64(p.lit.LogScale))
	h = core.Mix(h, p.residual.Q()...)
	h = core.Mix(h, p.residual.P()...)
	h = core.Mix(h, p.btp.BootstrappingParameters.Q()...)
	if p.shape.alg == imagehash.AlgPDQ {
		// The luma's encoding (pdqGain, pdqScaleGain) is part of the
		// circuit: keys made for another encoding must not load. Queries
		// carry no fingerprint; a session's queries come with its keys.
		h = core.Mix(h, uint64(p.shape.coefs), pdqGain, pdqScaleGain)
	}
	return core.Mix(h, p.btp.BootstrappingParameters.P()...)
}

// btpGalois lists the bootstrapping circuit's Galois elements, as
// Lattigo's GenEvaluationKeys does.
func (p Params) btpGalois() []uint64 {
	bp := p.btp.BootstrappingParameters
	return append(p.btp.GaloisElements(bp), bp.GaloisElementForComplexConjugation())
}

// encapsulated reports whether bootstrapping uses the sparse ephemeral
// secret (two more keys).
func (p Params) encapsulated() bool { return p.btp.EphemeralSecretWeight != 0 }

// KeysSize returns the byte size of the seeded keys under p.
func KeysSize(p Params) int {
	res, bt := p.codecs()
	rg := rlwe.NewGaloisKey(p.residual)
	bg := rlwe.NewGaloisKey(p.btp.BootstrappingParameters)
	n := core.HeaderLen
	n += core.GadgetSize(res, &rlwe.NewRelinearizationKey(p.residual).GadgetCiphertext)
	n += len(p.galoisElements()) * (8 + core.GadgetSize(res, &rg.GadgetCiphertext))
	n += core.GadgetSize(bt, &rlwe.NewRelinearizationKey(p.btp.BootstrappingParameters).GadgetCiphertext)
	n += len(p.btpGalois()) * (8 + core.GadgetSize(bt, &bg.GadgetCiphertext))
	if p.encapsulated() {
		n += 2 * core.GadgetSize(bt, &rlwe.NewEvaluationKey(p.btp.BootstrappingParameters).GadgetCiphertext)
	}
	return n
}

// BinarySize returns the size of the seeded encoding.
func (k *Keys) BinarySize() int { return len(k.data) }

// MarshalBinary returns the seeded encoding.
func (k *Keys) MarshalBinary() ([]byte, error) { return k.data, nil }

// UnmarshalKeys reads keys made for p, checking their length and header;
// NewServer checks every residue and redraws the uniform halves.
func UnmarshalKeys(p Params, data []byte) (*Keys, error) {
	if p.lit.LogN == 0 {
		return nil, fmt.Errorf("hashmatch: keys: zero Params")
	}
	if len(data) != KeysSize(p) {
		return nil, fmt.Errorf("hashmatch: keys: %d bytes, want %d", len(data), KeysSize(p))
	}
	if err := core.CheckHeader(data, core.KindHashMatchKeys, p.id()); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: %w", err)
	}
	return &Keys{p: p, data: data}, nil
}

// Count returns the number of key-switching keys (circuit, bootstrapping).
func (k *Keys) Count() (circuit, boot int) {
	boot = len(k.p.btpGalois()) + 1
	if k.p.encapsulated() {
		boot += 2
	}
	return len(k.p.galoisElements()) + 1, boot
}

// seededKeys generates every key under its own seed read from rng and
// encodes it at once, so that at most one key is held unencoded.
func (p Params) seededKeys(sk *rlwe.SecretKey, rng io.Reader) (*Keys, error) {
	res, bt := p.codecs()
	out := core.PutHeader(make([]byte, 0, KeysSize(p)), core.KindHashMatchKeys, p.id())
	gadget := func(c core.Params, gen func(*rlwe.KeyGenerator) *rlwe.GadgetCiphertext) error {
		kg, seed, err := core.SeededKeyGenerator(c, rng)
		if err != nil {
			return err
		}
		out = core.AppendGadget(out, c, seed, gen(kg))
		return nil
	}
	galois := func(c core.Params, els []uint64) error {
		for _, g := range els {
			out = binary.LittleEndian.AppendUint64(out, g)
			if err := gadget(c, func(kg *rlwe.KeyGenerator) *rlwe.GadgetCiphertext {
				return &kg.GenGaloisKeyNew(g, sk).GadgetCiphertext
			}); err != nil {
				return err
			}
		}
		return nil
	}
	relin := func(kg *rlwe.KeyGenerator) *rlwe.GadgetCiphertext {
		return &kg.GenRelinearizationKeyNew(sk).GadgetCiphertext
	}
	if err := gadget(res, relin); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: %w", err)
	}
	if err := galois(res, p.galoisElements()); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: %w", err)
	}
	// Bootstrapping keys, as Lattigo's GenEvaluationKeys makes them when
	// the residual and bootstrapping rings agree: under the client's
	// secret (it already spans the bootstrapping chain), then the
	// encapsulation keys to and from a fresh sparse secret.
	if err := gadget(bt, relin); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: bootstrapping: %w", err)
	}
	if err := galois(bt, p.btpGalois()); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: bootstrapping: %w", err)
	}
	if p.encapsulated() {
		bp := p.btp.BootstrappingParameters
		sp, err := rlwe.NewParametersFromLiteral(rlwe.ParametersLiteral{LogN: bp.LogN(), Q: bp.Q()[:1], P: bp.P()[:1]})
		if err != nil {
			return nil, fmt.Errorf("hashmatch: keys: sparse secret: %w", err)
		}
		sparse := rlwe.NewKeyGenerator(sp).GenSecretKeyWithHammingWeightNew(p.btp.EphemeralSecretWeight)
		for _, io := range [][2]*rlwe.SecretKey{{sk, sparse}, {sparse, sk}} {
			if err := gadget(bt, func(kg *rlwe.KeyGenerator) *rlwe.GadgetCiphertext {
				return &kg.GenEvaluationKeyNew(io[0], io[1]).GadgetCiphertext
			}); err != nil {
				return nil, fmt.Errorf("hashmatch: keys: encapsulation: %w", err)
			}
		}
	}
	if len(out) != KeysSize(p) {
		return nil, fmt.Errorf("hashmatch: keys: encoded %d bytes, want %d", len(out), KeysSize(p))
	}
	return &Keys{p: p, data: out}, nil
}

// decode checks every residue of the keys and redraws their uniform
// halves.
func (k *Keys) decode() (ks *keySet, err error) {
	defer core.Recover(&err, "hashmatch: keys")
	p := k.p
	res, bt := p.codecs()
	data := k.data[core.HeaderLen:]
	read := func(c core.Params, g *rlwe.GadgetCiphertext) error {
		if _, err := core.ReadGadget(data, c, g); err != nil {
			return err
		}
		data = data[core.GadgetSize(c, g):]
		return nil
	}
	galois := func(c core.Params, r rlwe.ParameterProvider, els []uint64) ([]*rlwe.GaloisKey, error) {
		gks := make([]*rlwe.GaloisKey, len(els))
		for i, g := range els {
			if got := binary.LittleEndian.Uint64(data); got != g {
				return nil, fmt.Errorf("key %d for galois element %d, want %d", i, got, g)
			}
			data = data[8:]
			gk := rlwe.NewGaloisKey(r)
			gk.GaloisElement = g
			gk.NthRoot = r.GetRLWEParameters().RingQ().NthRoot()
			if err := read(c, &gk.GadgetCiphertext); err != nil {
				return nil, fmt.Errorf("galois key %d: %w", i, err)
			}
			gks[i] = gk
		}
		return gks, nil
	}
	rlk := rlwe.NewRelinearizationKey(p.residual)
	if err := read(res, &rlk.GadgetCiphertext); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: relinearisation: %w", err)
	}
	gks, err := galois(res, p.residual, p.galoisElements())
	if err != nil {
		return nil, fmt.Errorf("hashmatch: keys: %w", err)
	}
	bp := p.btp.BootstrappingParameters
	brlk := rlwe.NewRelinearizationKey(bp)
	if err := read(bt, &brlk.GadgetCiphertext); err != nil {
		return nil, fmt.Errorf("hashmatch: keys: bootstrapping relinearisation: %w", err)
	}
	bgks, err := galois(bt, bp, p.btpGalois())
	if err != nil {
		return nil, fmt.Errorf("hashmatch: keys: bootstrapping: %w", err)
	}
	btk := &bootstrapping.EvaluationKeys{MemEvaluationKeySet: rlwe.NewMemEvaluationKeySet(brlk, bgks...)}
	if p.encapsulated() {
		btk.EvkDenseToSparse, btk.EvkSparseToDense = rlwe.NewEvaluationKey(bp), rlwe.NewEvaluationKey(bp)
		for _, e := range []*rlwe.EvaluationKey{btk.EvkDenseToSparse, btk.EvkSparseToDense} {
			if err := read(bt, &e.GadgetCiphertext); err != nil {
				return nil, fmt.Errorf("hashmatch: keys: encapsulation: %w", err)
			}
		}
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("hashmatch: keys: %d trailing bytes", len(data))
	}
	return &keySet{evk: rlwe.NewMemEvaluationKeySet(rlk, gks...), btp: btk}, nil
}

// pairLT describes the linear transformation from the luma to the pairwise
// differences (phash8: 1024 diagonals) or from the luma to PDQ's
// coefficients (256 diagonals, pdq.go), at the top level.
func (p Params) pairLT() hefloat.LinearTransformationParameters {
	if p.shape.alg == imagehash.AlgPDQ {
		lt := p.topLT(p.shape.coefs)
		lt.Scale = lt.Scale.Mul(rlwe.NewScale(pdqScaleGain))
		return lt
	}
	return p.topLT(p.shape.luma)
}

// distLT describes the database product: one diagonal per hash bit, at
// the top level.
func (p Params) distLT() hefloat.LinearTransformationParameters { return p.topLT(p.shape.coefs) }

// topLT describes a linear transformation with diagonals 0..n-1 at the
// top level, encoded at the scale of the prime the rescale removes so
// that the output keeps the input scale.
func (p Params) topLT(n int) hefloat.LinearTransformationParameters {
	idx := make([]int, n)
	for k := range idx {
		idx[k] = k
	}
	lvl := p.residual.MaxLevel()
	return hefloat.LinearTransformationParameters{
		DiagonalsIndexList:       idx,
		Level:                    lvl,
		Scale:                    rlwe.NewScale(p.residual.Q()[lvl]),
		LogDimensions:            dims,
		LogBabyStepGianStepRatio: 1,
	}
}

// galoisElements lists, sorted, every Galois element the circuit uses
// outside bootstrapping.
func (p Params) galoisElements() []uint64 {
	r := p.residual
	g := hefloat.GaloisElementsForLinearTransformation(r, p.pairLT())
	g = append(g, hefloat.GaloisElementsForLinearTransformation(r, p.distLT())...)
	if p.shape.alg == imagehash.AlgPDQ {
		// Block sums of 256 slots, and the pair rotations 16k + a as two
		// steps (pdq.go).
		g = append(g, r.GaloisElementsForInnerSum(pdqCoefs, nSlots/pdqCoefs)...)
		for a := 1; a < pdqBlocks; a++ {
			g = append(g, r.GaloisElement(a), r.GaloisElement(pdqBlocks*a))
		}
	} else {
		g = append(g, r.GaloisElementsForInnerSum(nCoef, nCoef)...)
	}
	g = append(g, r.GaloisElementsForInnerSum(1, nSlots)...)
	g = append(g, r.GaloisElementForComplexConjugation())
	slices.Sort(g)
	return slices.Compact(g)
}
