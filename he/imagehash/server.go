package imagehash

import (
	"fmt"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/schemes/ckks"
)

// Server evaluates the DCT block on encrypted luma without decrypting.
//
// The m x n block matrix M (m outputs, n inputs; 64 x 1024 for phash8,
// 256 x 4096 for pdq) runs as m diagonals of the slots x slots map
// y[j] = sum_k d_k[j] x[j+k], with d_k[j] = M[j mod m][(j+k) mod n] / c for
// j < n and zero beyond, on luma repeated with period n in the slots; the
// baby-step giant-step evaluation needs about 2 sqrt(m) rotations. Slot j
// then holds the part of output j mod m from n/m columns; an inner sum
// over the n/m blocks of m slots (log2(n/m) rotations) adds them. The
// constant c (the largest row L1 norm) keeps every slot within [-1, 1].
//
// A Server is not safe for concurrent use; use one per goroutine.
type Server struct {
	p      Parameters
	lt     hefloat.LinearTransformation
	eval   *hefloat.Evaluator
	ltEval *hefloat.LinearTransformationEvaluator
}

// NewServer encodes the matrix diagonals (plaintexts independent of any
// client) and loads the client's evaluation keys.
func NewServer(p Parameters, keys []byte) (s *Server, err error) {
	defer core.Recover(&err, "imagehash: new server")
	if p.alg == "" {
		return nil, fmt.Errorf("imagehash: new server: zero Parameters")
	}
	evk, err := p.unmarshalKeys(keys)
	if err != nil {
		return nil, fmt.Errorf("imagehash: new server: decode keys: %w", err)
	}
	hp := hefloat.Parameters{Parameters: p.ckks}
	m, n := p.shape.outputs, p.shape.inputs
	slots := p.ckks.MaxSlots()
	mat := matrix(p.alg)
	c := p.norm
	diags := hefloat.Diagonals[float64]{}
	for k := 0; k < m; k++ {
		d := make([]float64, slots)
		for j := 0; j < n; j++ {
			d[j] = mat[j%m][(j+k)%n] / c
		}
		diags[k] = d
	}
	lt := hefloat.NewLinearTransformation(hp, p.ltParams())
	if err := hefloat.EncodeLinearTransformation[float64](hefloat.NewEncoder(hp), diags, lt); err != nil {
		return nil, fmt.Errorf("imagehash: new server: encode matrix: %w", err)
	}
	eval := hefloat.NewEvaluator(hp, evk)
	return &Server{p: p, lt: lt, eval: eval, ltEval: hefloat.NewLinearTransformationEvaluator(eval)}, nil
}

// Answer decodes a query, evaluates the DCT block on it and encodes the
// encrypted coefficients (slots 0..Outputs-1 of a level-0 ciphertext).
func (s *Server) Answer(query []byte) (ans []byte, err error) {
	defer core.Recover(&err, "imagehash: answer")
	p := s.p
	ct, err := p.expandQuery(query)
	if err != nil {
		return nil, fmt.Errorf("imagehash: answer: decode query: %w", err)
	}
	out := ckks.NewCiphertext(p.ckks, 1, 1)
	if err := s.ltEval.Evaluate(ct, s.lt, out); err != nil {
		return nil, fmt.Errorf("imagehash: answer: %w", err)
	}
	if err := s.eval.Rescale(out, out); err != nil {
		return nil, fmt.Errorf("imagehash: answer: %w", err)
	}
	if err := s.eval.InnerSum(out, p.shape.outputs, p.foldN(), out); err != nil {
		return nil, fmt.Errorf("imagehash: answer: %w", err)
	}
	if out.Level() != 0 || out.Scale.Cmp(rlwe.NewScale(p.ckks.DefaultScale().Float64())) != 0 {
		return nil, fmt.Errorf("imagehash: answer: result at level %d scale %v, want level 0 scale 2^%d", out.Level(), out.Scale.Float64(), p.lit.LogScale)
	}
	res := p.putHeader(make([]byte, 0, AnswerSize(p)), core.KindImageAnswer)
	res = packPoly(res, out.Value[0], p.ckks.Q()[:1])
	return packPoly(res, out.Value[1], p.ckks.Q()[:1]), nil
}
