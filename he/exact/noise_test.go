package exact

import (
	"math"
	"math/big"

	"github.com/tuneinsight/lattigo/v5/ring"
)

// noiseBits returns log2 of the largest centred coefficient of the
// decryption of ct before reduction mod t, and log2(q0/2): the difference is
// the remaining noise margin.
func noiseBits(sk *secretKey, c *ciphertext) (used, avail float64) {
	p := sk.params
	ct := c.ct
	lvl := ct.Level()
	ringQ := p.bgv.RingQ().AtLevel(lvl)
	tmp := ringQ.NewPoly()
	ringQ.MulCoeffsMontgomery(ct.Value[1], sk.sk.Value.Q, tmp)
	ringQ.Add(tmp, ct.Value[0], tmp)
	// Lattigo stores t^-1*m + e; multiply by t to get m + t*e.
	ringQ.MulScalar(tmp, p.T(), tmp)
	ringQ.INTT(tmp, tmp)
	big0 := make([]*big.Int, p.N())
	for i := range big0 {
		big0[i] = new(big.Int)
	}
	ringQ.PolyToBigintCentered(tmp, 1, big0)
	maxAbs := new(big.Int)
	for _, b := range big0 {
		a := new(big.Int).Abs(b)
		if a.Cmp(maxAbs) > 0 {
			maxAbs = a
		}
	}
	mod := ringQ.Modulus()
	f, _ := new(big.Float).SetInt(maxAbs).Float64()
	m, _ := new(big.Float).SetInt(mod).Float64()
	_ = ring.Poly{}
	return math.Log2(f), math.Log2(m / 2)
}
