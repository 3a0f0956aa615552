package hashmatch

import (
	"fmt"
	"slices"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// This file holds the evaluation keys the client generates once and the
// server keeps: relinearisation, the rotations of the circuit's linear
// stages and inner sums, conjugation (the sign polynomials clear the
// imaginary part), and Lattigo's bootstrapping keys.

// Keys are a client's evaluation keys. They hold no secret.
type Keys struct {
	p   Params
	evk *rlwe.MemEvaluationKeySet
	btp *bootstrapping.EvaluationKeys // nil in tests that bootstrap with the secret key
}

// BinarySize returns the size of the keys in Lattigo's binary encoding
// (not seeded: every uniform component is counted).
func (k *Keys) BinarySize() int {
	n := k.evk.BinarySize()
	if k.btp != nil {
		n += k.btp.BinarySize()
	}
	return n
}

// Count returns the number of key-switching keys (circuit, bootstrapping).
func (k *Keys) Count() (circuit, boot int) {
	circuit = len(k.evk.GaloisKeys) + 1
	if k.btp != nil {
		boot = len(k.btp.GaloisKeys) + 1
		for _, e := range []*rlwe.EvaluationKey{k.btp.EvkN1ToN2, k.btp.EvkN2ToN1, k.btp.EvkRealToCmplx, k.btp.EvkCmplxToReal, k.btp.EvkDenseToSparse, k.btp.EvkSparseToDense} {
			if e != nil {
				boot++
			}
		}
	}
	return circuit, boot
}

// pairLT describes the linear transformation from the luma to the pairwise
// differences: 1024 diagonals at the top level, encoded at the scale of
// the prime the rescale removes so that the output keeps the input scale.
func (p Params) pairLT() hefloat.LinearTransformationParameters {
	idx := make([]int, nLuma)
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

// distLT describes the database product: 64 diagonals at the top level.
func (p Params) distLT() hefloat.LinearTransformationParameters {
	idx := make([]int, nCoef)
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
	g = append(g, r.GaloisElementsForInnerSum(nCoef, nCoef)...)
	g = append(g, r.GaloisElementsForInnerSum(1, nSlots)...)
	g = append(g, r.GaloisElementForComplexConjugation())
	slices.Sort(g)
	return slices.Compact(g)
}

// genKeys generates the circuit's keys for sk, and the bootstrapping keys
// unless withBoot is false.
func (p Params) genKeys(sk *rlwe.SecretKey, withBoot bool) (*Keys, error) {
	kgen := rlwe.NewKeyGenerator(p.residual)
	gks := kgen.GenGaloisKeysNew(p.galoisElements(), sk)
	evk := rlwe.NewMemEvaluationKeySet(kgen.GenRelinearizationKeyNew(sk), gks...)
	k := &Keys{p: p, evk: evk}
	if withBoot {
		btk, _, err := p.btp.GenEvaluationKeys(sk)
		if err != nil {
			return nil, fmt.Errorf("hashmatch: keys: bootstrapping: %w", err)
		}
		k.btp = btk
	}
	return k, nil
}
