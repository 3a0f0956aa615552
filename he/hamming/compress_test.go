package hamming

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// composed returns coefficient i of a polynomial in coefficient form as
// an integer mod the product of its moduli (CRT with math/big).
func composed(c ring.Poly, moduli []uint64, i int) (*big.Int, *big.Int) {
	x, Q := big.NewInt(0), big.NewInt(1)
	for _, q := range moduli {
		Q.Mul(Q, new(big.Int).SetUint64(q))
	}
	for j, q := range moduli {
		qj := new(big.Int).SetUint64(q)
		Mj := new(big.Int).Quo(Q, qj)
		inv := new(big.Int).ModInverse(new(big.Int).Mod(Mj, qj), qj)
		t := new(big.Int).SetUint64(c.Coeffs[j][i])
		t.Mul(t, inv).Mod(t, qj).Mul(t, Mj)
		x.Add(x, t)
	}
	return x.Mod(x, Q), Q
}

// centredDiff returns |a - b| centred mod Q.
func centredDiff(a, b, Q *big.Int) *big.Int {
	d := new(big.Int).Sub(a, b)
	d.Mod(d, Q)
	if d.Cmp(new(big.Int).Rsh(Q, 1)) > 0 {
		d.Sub(Q, d)
	}
	return d
}

// TestCompressionRoundTrip: the compressed answer components and the
// compressed blinding c0 decode to within half a dropped unit of the
// originals, checked against an independent big-integer CRT.
func TestCompressionRoundTrip(t *testing.T) {
	p := testParams(t, 64, 10)
	r := rand.New(rand.NewPCG(3, 3))
	q := p.bgv.Q()
	random := func(level int) ring.Poly {
		rq := p.bgv.RingQ().AtLevel(level)
		c := rq.NewPoly()
		for j := 0; j <= level; j++ {
			for i := range c.Coeffs[j] {
				c.Coeffs[j][i] = r.Uint64N(q[j])
			}
		}
		return c
	}
	// Answer: both components at level 0.
	ct := bgv.NewCiphertext(p.bgv, 1, 0)
	rq0 := p.bgv.RingQ().AtLevel(0)
	orig := [2]ring.Poly{random(0), random(0)}
	for j := range orig {
		rq0.NTT(orig[j], ct.Value[j])
	}
	b := p.appendCompressed(nil, ct)
	if len(b) != p.compressedCtBytes() {
		t.Fatalf("%d bytes, want %d", len(b), p.compressedCtBytes())
	}
	back := bgv.NewCiphertext(p.bgv, 1, 0)
	if err := p.readCompressed(b, [2]ring.Poly{back.Value[0], back.Value[1]}); err != nil {
		t.Fatal(err)
	}
	for j, drop := range []uint{answerDrop.C0, answerDrop.C1} {
		got := rq0.NewPoly()
		rq0.INTT(back.Value[j], got)
		half := new(big.Int).Lsh(big.NewInt(1), drop-1)
		for i := range got.Coeffs[0] {
			a, Q := composed(orig[j], q[:1], i)
			g, _ := composed(got, q[:1], i)
			if centredDiff(a, g, Q).Cmp(half) > 0 {
				t.Fatalf("answer component %d coefficient %d: %v -> %v", j, i, a, g)
			}
		}
	}
	// Blinding c0 at level 1.
	rq1 := p.bgv.RingQ().AtLevel(1)
	c0 := random(1)
	ntt := rq1.NewPoly()
	rq1.NTT(c0, ntt)
	b = p.appendBlind(nil, ntt)
	if len(b) != p.blindBytes() {
		t.Fatalf("%d bytes, want %d", len(b), p.blindBytes())
	}
	got := rq1.NewPoly()
	if err := p.readBlind(b, got); err != nil {
		t.Fatal(err)
	}
	rq1.INTT(got, got)
	half := new(big.Int).Lsh(big.NewInt(1), blindDrop-1)
	for i := range c0.Coeffs[0] {
		a, Q := composed(c0, q[:2], i)
		g, _ := composed(got, q[:2], i)
		if centredDiff(a, g, Q).Cmp(half) > 0 {
			t.Fatalf("blinding coefficient %d: %v -> %v", i, a, g)
		}
	}
	// A value beyond the largest rounded coefficient is refused.
	for i := range b {
		b[i] = 0xff
	}
	if err := p.readBlind(b, got); err == nil {
		t.Fatal("all-ones blinding accepted")
	}
}
