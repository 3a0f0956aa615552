package hamming

import (
	"fmt"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The diagonal circuit ([Literal.Diagonal]) serves one group of at most N
// entries, one per slot, without the oblivious expansion. The client
// encrypts its n hash bits replicated over the slots (slot i holds
// x_(i mod n); n divides the row length N/2, so a rotation within the rows
// keeps the period). For entry i in slot i,
//
//	d_i = |y_i| + sum_j x_j (1 - 2 y_ij) = |y_i| + sum_r diag_r[i] * rot(x, r)[i],
//
// diag_r[i] = 1 - 2 y_(i, (i+r) mod n), r < n: n generalised diagonals.
// With r = n1 g + b (n1 baby steps, n/n1 giant steps),
//
//	sum_r diag_r . rot(x, r) = sum_g rot(S_g, n1 g),  S_g = sum_b rot(diag_r, -n1 g) . rot(x, b),
//
// the giant-step plaintexts pre-rotated in the clear. The baby steps are
// n1 - 1 rotations of the query, hoisted (its c1 decomposed once), the
// giant steps Horner's rule, acc = rot(acc, n1) + S_g, n/n1 - 1 rotations
// by n1: n1 Galois keys in all. The threshold then runs on d itself, prod_{r<=T}(d - r): without
// the client's weight there is no parity trick, so its degree is T + 1,
// one level more than the expansion circuit's h. Padding slots get
// diagonal 0 and |y| = n + 1: never a match. The randomiser, mask,
// re-randomisation and answer are the expansion circuit's.

// diagonal holds the candidates of one query.
type diagonal struct {
	p     Parameters
	items [][32]byte
}

// newDiagonal checks and keeps the entries (at most N).
func newDiagonal(p Parameters, db [][32]byte) (*diagonal, error) {
	if len(db) > p.N() {
		return nil, fmt.Errorf("hamming: diagonal circuit: %d entries, at most %d", len(db), p.N())
	}
	return &diagonal{p: p, items: db}, nil
}

// memBytes is the memory the entries hold.
func (d *diagonal) memBytes() int { return 32 * len(d.items) }

// babySteps returns n1 = 2^ceil(log2(n)/2) for n = HashBits.
func (p Parameters) babySteps() int {
	l := bits.Len(uint(p.lit.HashBits)) - 1
	return 1 << ((l + 1) / 2)
}

// galoisElements returns the automorphisms the key material carries: the
// expansion's, or the diagonal circuit's rotations by 1..n1-1 (the baby
// steps) and by n1 (the giant step).
func (p Parameters) galoisElements() []uint64 {
	if !p.lit.Diagonal {
		return expandGaloisElements(p)
	}
	n1 := p.babySteps()
	els := make([]uint64, n1)
	for b := range els {
		els[b] = p.bgv.GaloisElement(b + 1) // rotations by 1..n1-1, then by n1
	}
	return els
}

// checkDiagonal rejects a diagonal literal whose hash length is not a
// power of two or whose threshold is deeper than the chain.
func (p Parameters) checkDiagonal() error {
	if n := p.lit.HashBits; n&(n-1) != 0 {
		return fmt.Errorf("diagonal circuit: hash length %d is not a power of two", n)
	}
	if lf := treeLevel(p.thresholdLeaves()); lf < rLevel {
		return fmt.Errorf("diagonal circuit: threshold %d needs %d more levels", p.lit.Threshold, rLevel-lf)
	}
	return nil
}

// replicate writes x's bits into every slot, slot i holding bit i mod n.
func (p Parameters) replicate(x *[32]byte, vals []uint64) {
	n := p.lit.HashBits
	for i := range vals {
		vals[i] = bit(x, i%n)
	}
}

// rowShift returns the slot that a rotation of the rows by s brings to
// slot i: (i + s) mod N/2 within i's row.
func rowShift(i, s, half int) int {
	return i - i%half + ((i%half+s)%half+half)%half
}

// values returns the threshold polynomial's value for the one group: the
// distances by baby-step giant-step, then [finishGroup]. The giant steps
// run in turn (Horner), each spreading its primes over the workers, so
// that one accumulator and three ciphertexts serve them all.
func (d *diagonal) values(evals []*bgv.Evaluator, x *rlwe.Ciphertext) ([]*rlwe.Ciphertext, error) {
	p := d.p
	n, n1 := p.lit.HashBits, p.babySteps()
	top := x.Level()
	ev := evals[0]
	xb, err := d.babySteps(evals, x)
	if err != nil {
		return nil, err
	}
	sc := newGiantScratch(p, top, len(evals))
	S, acc, rot := bgv.NewCiphertext(p.bgv, 1, top), bgv.NewCiphertext(p.bgv, 1, top), bgv.NewCiphertext(p.bgv, 1, top)
	for g := n/n1 - 1; g >= 0; g-- {
		if err := d.giantStep(sc, xb, g, S); err != nil {
			return nil, fmt.Errorf("giant step %d: %w", g, err)
		}
		if g == n/n1-1 {
			acc, S = S, acc
			continue
		}
		if err := ev.RotateColumns(acc, n1, rot); err != nil {
			return nil, fmt.Errorf("giant step %d: %w", g, err)
		}
		if err := ev.Add(rot, S, acc); err != nil {
			return nil, fmt.Errorf("giant step %d: %w", g, err)
		}
	}
	f, err := finishGroup(ev, bgv.NewEncoder(p.bgv), acc, d.weights(), p.thresholdK())
	if err != nil {
		return nil, err
	}
	return []*rlwe.Ciphertext{f}, nil
}

// babySteps returns rot(x, b) for b < n1, in Montgomery form for the
// 128-bit accumulation (see distance.go), hoisted: x's c1 is decomposed
// once for all n1 - 1 rotations. x itself becomes the first.
func (d *diagonal) babySteps(evals []*bgv.Evaluator, x *rlwe.Ciphertext) ([]*rlwe.Ciphertext, error) {
	p := d.p
	top := x.Level()
	ev := evals[0]
	levelP := p.bgv.MaxLevelP()
	decomp := make([]ringqp.Poly, p.bgv.BaseRNSDecompositionVectorSize(top, levelP))
	for i := range decomp {
		decomp[i] = p.bgv.RingQP().AtLevel(top, levelP).NewPoly()
	}
	ev.DecomposeNTT(top, levelP, levelP+1, x.Value[1], x.IsNTT, decomp)
	xb := make([]*rlwe.Ciphertext, p.babySteps())
	xb[0] = x
	for b := 1; b < len(xb); b++ {
		xb[b] = bgv.NewCiphertext(p.bgv, 1, top)
		if err := ev.AutomorphismHoisted(top, x, decomp, p.bgv.GaloisElement(b), xb[b]); err != nil {
			return nil, fmt.Errorf("baby step %d: %w", b, err)
		}
	}
	ringQ := p.bgv.RingQ().AtLevel(top)
	parallel(len(evals), len(xb), func(_, b int) {
		for i := range xb[b].Value {
			ringQ.MForm(xb[b].Value[i], xb[b].Value[i])
		}
	})
	return xb, nil
}

// giantScratch is the giant steps' memory: the slot values, their
// coefficients mod t, one lifted limb per worker and the 128-bit
// accumulators of every prime.
type giantScratch struct {
	ecd  *bgv.Encoder
	vals []uint64
	pT   ring.Poly
	limb [][]uint64
	acc  []uint64
	subs []*ring.SubRing
	W    int
}

func newGiantScratch(p Parameters, top, workers int) *giantScratch {
	N := p.N()
	sc := &giantScratch{ecd: bgv.NewEncoder(p.bgv), vals: make([]uint64, N), pT: p.bgv.RingT().NewPoly(),
		acc: make([]uint64, (top+1)*4*N), subs: p.bgv.RingQ().SubRings[:top+1], W: workers}
	for range workers {
		sc.limb = append(sc.limb, make([]uint64, N))
	}
	return sc
}

// giantStep writes S_g = sum_b rot(diag_(n1 g + b), -n1 g) . rot(x, b)
// into out: each plaintext encoded mod t once, then lifted, transformed
// and accumulated prime by prime.
func (d *diagonal) giantStep(sc *giantScratch, xb []*rlwe.Ciphertext, g int, out *rlwe.Ciphertext) error {
	n1 := len(xb)
	N := d.p.N()
	clear(sc.acc)
	for b := range xb {
		d.diagonal(n1*g+b, -n1*g, sc.vals)
		if err := sc.ecd.EncodeRingT(sc.vals, rlwe.NewScale(1), sc.pT); err != nil {
			return err
		}
		parallel(sc.W, len(sc.subs), func(w, j int) {
			liftNTT(sc.subs[j:j+1], sc.pT.Coeffs[0], sc.limb[w:w+1])
			macPlain(sc.acc[j*4*N:(j+1)*4*N], xb[b].Value[0].Coeffs[j], xb[b].Value[1].Coeffs[j], sc.limb[w])
		})
	}
	parallel(sc.W, len(sc.subs), func(_, j int) {
		sr := sc.subs[j]
		reduceAcc(sc.acc[j*4*N:(j+1)*4*N], out.Value[0].Coeffs[j], out.Value[1].Coeffs[j], sr.Modulus, sr.MRedConstant)
	})
	out.Scale = xb[0].Scale
	return nil
}

// diagonal writes diag_r rotated by s within the rows, mod t:
// vals[i] = diag_r[rowShift(i, s)], diag_r[i] = 1 - 2 y_(i, (i+r) mod n)
// for a listed entry i, 0 in padding slots.
func (d *diagonal) diagonal(r, s int, vals []uint64) {
	n, half := d.p.lit.HashBits, d.p.N()/2
	for i := range vals {
		e := rowShift(i, s, half)
		vals[i] = 0
		if e < len(d.items) {
			vals[i] = 1
			if bit(&d.items[e], (e+r)%n) == 1 {
				vals[i] = PlaintextModulus - 1
			}
		}
	}
}

// weights returns |y_i| per slot, n + 1 in padding slots.
func (d *diagonal) weights() []uint64 {
	n := d.p.lit.HashBits
	out := make([]uint64, d.p.N())
	for i := range out {
		out[i] = uint64(n + 1)
		if i < len(d.items) {
			out[i] = uint64(Distance(d.items[i], [32]byte{}, n))
		}
	}
	return out
}
