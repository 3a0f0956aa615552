package hamming

import (
	"math"
	"math/big"
	"testing"

	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// answerNoise returns log2 of the largest decryption error over the
// answer's ciphertexts and log2 of the budget q0/(2t): decryption is
// correct while the error stays below the budget. Lattigo's BGV keeps the
// plaintext scaled by t^-1 mod q, so the error is c0 + c1*s minus the
// re-encoded decrypted message, centred mod q0.
func answerNoise(tb testing.TB, c *Client, answer []byte) (noiseLog2, budgetLog2 float64) {
	tb.Helper()
	cts, err := c.p.parseAnswer(answer)
	if err != nil {
		tb.Fatal(err)
	}
	rq := c.p.bgv.RingQ().AtLevel(0)
	q0 := rq.SubRings[0].Modulus
	vals := make([]uint64, c.p.N())
	var worst uint64
	for _, ct := range cts {
		pt := c.dec.DecryptNew(ct)
		if err := c.ecd.Decode(pt, vals); err != nil {
			tb.Fatal(err)
		}
		re := bgv.NewPlaintext(c.p.bgv, 0)
		re.Scale = ct.Scale
		if err := c.ecd.Encode(vals, re); err != nil {
			tb.Fatal(err)
		}
		diff := rq.NewPoly()
		rq.Sub(pt.Value, re.Value, diff)
		rq.INTT(diff, diff)
		for _, v := range diff.Coeffs[0] {
			worst = max(worst, min(v, q0-v))
		}
	}
	budget := new(big.Float).Quo(new(big.Float).SetUint64(q0), new(big.Float).SetUint64(2*PlaintextModulus))
	b, _ := budget.Float64()
	return math.Log2(float64(worst)), math.Log2(b)
}

// TestAnswerNoiseBudget measures the decryption error of a whole answer
// at the test preset (N = 2^12, default flooding) and requires at least
// one bit of margin below q0/(2t). H14's margin is reported by
// BenchmarkHamming (noise-log2, budget-log2).
func TestAnswerNoiseBudget(t *testing.T) {
	fx := fixture(t)
	noise, budget := answerNoise(t, fx.c, fx.ans)
	t.Logf("answer noise 2^%.1f, budget 2^%.1f, flooding 2^%d", noise, budget, fx.p.defaultFloodBits())
	if noise > budget-1 {
		t.Fatalf("answer noise 2^%.1f within one bit of the budget 2^%.1f", noise, budget)
	}
	// The flood alone is uniform in [-2^F, 2^F] on every coefficient: the
	// measured error cannot be far below it.
	if f := float64(fx.p.defaultFloodBits()); noise < f-2 {
		t.Fatalf("answer noise 2^%.1f, below the flooding bound 2^%.0f: flooding not applied?", noise, f)
	}
}
