package hamming

import (
	"fmt"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The diagonal circuit ([Literal.Diagonal]) serves one group of at most
// N/2 entries without the oblivious expansion. Entry c sits in column c of
// both slot rows (slots c and N/2 + c): row 0 holds the first m = n/2 of
// its bits, row 1 the others. The client encrypts its hash bits
// replicated over the columns (row p, column c holds x_(p m + c mod m);
// m divides the row length N/2, so a rotation within the rows keeps the
// period). For entry c,
//
//	d_c = |y_c| + sum_j x_j (1 - 2 y_cj) = |y_c| + sum_(rows) sum_r diag_r[c] * rot(x, r)[c],
//
// diag_r[p, c] = 1 - 2 y_(c, p m + (c+r) mod m), r < m: m generalised
// diagonals, each covering both halves of the bits. With r = n1 g + b (n1
// baby steps, m/n1 giant steps),
//
//	sum_r diag_r . rot(x, r) = sum_g rot(S_g, n1 g),  S_g = sum_b rot(diag_r, -n1 g) . rot(x, b),
//
// the giant-step plaintexts pre-rotated in the clear. The baby steps are
// n1 - 1 rotations of the query, hoisted (its c1 decomposed once), the
// giant steps Horner's rule, acc = rot(acc, n1) + S_g, m/n1 - 1 rotations
// by n1, and one row swap adds the two halves: n1 + 1 Galois keys in all.
// The threshold then runs on d itself, prod_{r<=T}(d - r): without the
// client's weight there is no parity trick, so its degree is T + 1, one
// level more than the expansion circuit's h. Padding columns get diagonal
// 0 and |y| = n + 1, row 1 gets n + T + 1 (its d - |y| lies in [-n, n]):
// neither is ever a match, so only slot c can name entry c. The
// randomiser, mask, re-randomisation and answer are the expansion
// circuit's.

// diagonal holds the candidates of one query.
type diagonal struct {
	p     Parameters
	items [][32]byte
}

// newDiagonal checks and keeps the entries (at most N/2).
func newDiagonal(p Parameters, db [][32]byte) (*diagonal, error) {
	if len(db) > p.GroupSize() {
		return nil, fmt.Errorf("hamming: diagonal circuit: %d entries, at most %d", len(db), p.GroupSize())
	}
	return &diagonal{p: p, items: db}, nil
}

// memBytes is the memory the entries hold.
func (d *diagonal) memBytes() int { return 32 * len(d.items) }

// babySteps returns n1 = 2^ceil(log2(m)/2) for the period m = HashBits/2.
func (p Parameters) babySteps() int {
	l := bits.Len(uint(p.lit.HashBits/2)) - 1
	return 1 << ((l + 1) / 2)
}

// GroupSize returns the most entries one group holds: N, or N/2 under the
// diagonal circuit (each entry in both slot rows). A diagonal server holds
// one group.
func (p Parameters) GroupSize() int {
	if p.lit.Diagonal {
		return p.N() / 2
	}
	return p.N()
}

// galoisElements returns the automorphisms the key material carries: the
// expansion's, or the diagonal circuit's rotations by 1..n1-1 (the baby
// steps) and by n1 (the giant step) and its row swap.
func (p Parameters) galoisElements() []uint64 {
	if !p.lit.Diagonal {
		return expandGaloisElements(p)
	}
	n1 := p.babySteps()
	els := make([]uint64, n1, n1+1)
	for b := range els {
		els[b] = p.bgv.GaloisElement(b + 1) // rotations by 1..n1-1, then by n1
	}
	return append(els, p.bgv.GaloisElementForRowRotation())
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

// replicate writes x's bits into every column: row p, column c holds
// bit p m + c mod m, m = n/2.
func (p Parameters) replicate(x *[32]byte, vals []uint64) {
	m, half := p.lit.HashBits/2, len(vals)/2
	for i := range vals {
		vals[i] = bit(x, i/half*m+i%half%m)
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
	m, n1 := p.lit.HashBits/2, p.babySteps()
	top := x.Level()
	ev := evals[0]
	xb, err := d.babySteps(evals, x)
	if err != nil {
		return nil, err
	}
	sc := newGiantScratch(p, top, len(evals))
	S, acc, rot := bgv.NewCiphertext(p.bgv, 1, top), bgv.NewCiphertext(p.bgv, 1, top), bgv.NewCiphertext(p.bgv, 1, top)
	for g := m/n1 - 1; g >= 0; g-- {
		if err := d.giantStep(sc, xb, g, S); err != nil {
			return nil, fmt.Errorf("giant step %d: %w", g, err)
		}
		if g == m/n1-1 {
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
	if err := ev.RotateRows(acc, rot); err != nil {
		return nil, fmt.Errorf("row swap: %w", err)
	}
	if err := ev.Add(acc, rot, acc); err != nil {
		return nil, fmt.Errorf("row swap: %w", err)
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
// vals[i] = diag_r[rowShift(i, s)], diag_r[p, c] = 1 - 2 y_(c, p m + (c+r) mod m)
// for a listed entry c, 0 in padding columns.
func (d *diagonal) diagonal(r, s int, vals []uint64) {
	m, half := d.p.lit.HashBits/2, len(vals)/2
	for i := range vals {
		e := rowShift(i, s, half)
		c := e % half
		vals[i] = 0
		if c < len(d.items) {
			vals[i] = 1
			if bit(&d.items[c], e/half*m+(c+r)%m) == 1 {
				vals[i] = PlaintextModulus - 1
			}
		}
	}
}

// weights returns |y_c| in row 0's columns, n + 1 in padding columns and
// n + T + 1 in row 1: only row 0's listed columns can be within T.
func (d *diagonal) weights() []uint64 {
	n, half := d.p.lit.HashBits, d.p.N()/2
	out := make([]uint64, d.p.N())
	for i := range out {
		switch {
		case i >= half:
			out[i] = uint64(n + d.p.lit.Threshold + 1)
		case i < len(d.items):
			out[i] = uint64(Distance(d.items[i], [32]byte{}, n))
		default:
			out[i] = uint64(n + 1)
		}
	}
	return out
}
