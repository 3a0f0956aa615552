package hashmatch

import (
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// This file holds the precise bootstrap the pairwise comparison uses
// for its first two bootstraps: a bootstrap whose own error is
// bootstrapped again and subtracted (Bae, Cheon, Cho, Kim and Kim,
// "META-BTS", 2022), at the price of a second bootstrap and one level.
//
// Why there: a minimax composite sign's stages equioscillate, so each
// stage's output comes as close to zero as its trough (signFine's log in
// gen_sign: about 2^-13.4 after the first stage, 2^-10.9 after the
// second, 2^-8.3 after the third) not only for the smallest inputs but at
// a few points across the whole range, and a bootstrap adds an error of
// its own whatever the value (README.md has it measured). Refining the
// two bootstraps that follow the shallowest troughs keeps every input
// at least 2^-17 from zero on its side.

// preciseGain is 2^g, by which the first bootstrap's error is multiplied
// before it is bootstrapped again: the error measured at Default
// (README.md) times 2^12 stays well inside [-1, 1], and the second
// bootstrap's error is divided by 2^12.
const preciseGain = 1 << 12

// preciseBootstrapper refines its first n bootstraps and passes the
// others through unchanged. Each precise bootstrap returns its result one
// level below the bootstrapper's output level (the level of the division
// by the gain), so the polynomial stage after it must leave one level
// more.
type preciseBootstrapper struct {
	he.Bootstrapper[rlwe.Ciphertext]
	eval *hefloat.Evaluator
	n    int
}

// Bootstrap returns ct refreshed: out = B(ct) - B((B(ct) - ct) 2^g) / 2^g
// for the first n calls, B(ct) after. It takes ct at any level, 0
// included (PDQ's first stage leaves its sum there).
func (b *preciseBootstrapper) Bootstrap(ct *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	if b.n == 0 {
		return b.Bootstrapper.Bootstrap(ct)
	}
	b.n--
	out, err := b.Bootstrapper.Bootstrap(ct.CopyNew()) // m + e1; bootstrappers work in place
	if err != nil {
		return nil, err
	}
	if r := out.Scale.Float64() / ct.Scale.Float64(); math.Abs(r-1) > 1e-9 {
		return nil, fmt.Errorf("precise bootstrap: output scale %v differs from input scale %v", out.Scale.Float64(), ct.Scale.Float64())
	}
	// e1 at the input's level: the subtraction is exact.
	e := out.CopyNew()
	b.eval.DropLevel(e, e.Level()-ct.Level())
	in := ct.CopyNew()
	in.Scale = e.Scale
	if err := b.eval.Sub(e, in, e); err != nil {
		return nil, err
	}
	// Read e1 as e1 * 2^g by lowering its scale, and bootstrap it:
	// e1 2^g + e2 at the output scale.
	e.Scale = e.Scale.Div(rlwe.NewScale(preciseGain))
	corr, err := b.Bootstrapper.Bootstrap(e)
	if err != nil {
		return nil, err
	}
	// corr / 2^g = e1 + e2 / 2^g, one level down at the same scale.
	if err := b.eval.Mul(corr, 1.0/preciseGain, corr); err != nil {
		return nil, err
	}
	if err := b.eval.Rescale(corr, corr); err != nil {
		return nil, err
	}
	b.eval.DropLevel(out, out.Level()-corr.Level())
	corr.Scale = out.Scale
	if err := b.eval.Sub(out, corr, out); err != nil {
		return nil, err
	}
	return out, nil
}
