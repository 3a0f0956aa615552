package hamming

import (
	"fmt"
	"math/bits"
	"runtime"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// database is the pre-processed database: for each group of N entries
// (one entry per slot) and each column c, the slot vector of column c encoded
// as a plaintext polynomial mod t (coefficient form, one uint32 each), and
// optionally the same plaintexts lifted to the first preLimbs ciphertext
// primes below 2^34 (the eight middle primes of H14) in NTT form (the
// memory-for-time lever). A pre-encoded residue
// (below 2^34: H14's "33-bit" primes lie on both sides of 2^33) is stored
// as its low 32 bits in preLo and its bits 32..33 in preHi: 4.25 bytes per
// database bit per prime.
//
// Columns: c < n holds -y_c * 2^-l (bit c of each entry), column n holds
// C * 2^-l with C = |y| mod 2; base holds B = floor(|y|/2) (n+1 in padding
// slots, so that padding never matches).
type database struct {
	size     int
	groups   int
	cols     int
	coef     []uint32 // groups x cols x N
	base     [][]uint64
	preLo    []uint32 // groups x cols x preLimbs x N, low 32 bits
	preHi    []uint64 // groups x cols x preLimbs x N/32, bits 32..33
	preLimbs int
	preIdx   []int // the pre-encoded primes: the first preLimbs below 2^34
}

// preprocess encodes the database. With preLimbs > 0 it also keeps every
// plaintext in NTT form at the lowest preLimbs ciphertext primes (8 bytes x
// preLimbs per bit).
func preprocess(p Parameters, db [][32]byte, preLimbs int, workers int) (*database, error) {
	n := p.lit.HashBits
	N := p.N()
	groups := max(1, (len(db)+N-1)/N)
	d := &database{size: len(db), groups: groups, cols: n + 1, coef: make([]uint32, groups*(n+1)*N), base: make([][]uint64, groups)}
	t := uint64(PlaintextModulus)
	inv := modInv(uint64(1)<<p.expandLog()%t, t) // 2^-l mod t
	neg := t - inv                               // -2^-l mod t
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for i, q := range p.bgv.Q() {
		if q < 1<<34 && len(d.preIdx) < preLimbs {
			d.preIdx = append(d.preIdx, i)
		}
	}
	preLimbs = len(d.preIdx)
	preEncode := preLimbs > 0
	if preEncode {
		d.preLo = make([]uint32, groups*d.cols*preLimbs*N)
		d.preHi = make([]uint64, groups*d.cols*preLimbs*N/32)
		d.preLimbs = preLimbs
	}
	workers = min(workers, groups)
	ringQ := p.bgv.RingQ()
	var preSubs []*ring.SubRing
	for _, i := range d.preIdx {
		preSubs = append(preSubs, ringQ.SubRings[i])
	}
	type scratch struct {
		ecd  *bgv.Encoder
		pT   ring.Poly
		pq   ring.Poly
		vals []uint64
	}
	scr := make([]*scratch, workers)
	errs := make([]error, groups)
	parallel(workers, groups, func(w, g int) {
		if scr[w] == nil {
			scr[w] = &scratch{ecd: bgv.NewEncoder(p.bgv), pT: p.bgv.RingT().NewPoly(), pq: ringQ.NewPoly(), vals: make([]uint64, N)}
		}
		ecd, pT, pq, vals := scr[w].ecd, scr[w].pT, scr[w].pq, scr[w].vals
		base := make([]uint64, N)
		for i := 0; i < N; i++ {
			e := g*N + i
			if e >= len(db) {
				base[i] = uint64(n + 1)
				continue
			}
			w := 0
			for b := 0; b < 32 && b*8 < n; b++ {
				w += bits.OnesCount8(db[e][b])
			}
			base[i] = uint64(w / 2)
		}
		d.base[g] = base
		for c := 0; c <= n; c++ {
			for i := 0; i < N; i++ {
				e := g*N + i
				vals[i] = 0
				if e >= len(db) {
					continue
				}
				if c < n {
					vals[i] = bit(&db[e], c) * neg
				} else {
					w := 0
					for b := 0; b < 32 && b*8 < n; b++ {
						w += bits.OnesCount8(db[e][b])
					}
					vals[i] = uint64(w&1) * inv
				}
			}
			if err := ecd.EncodeRingT(vals, rlwe.NewScale(1), pT); err != nil {
				errs[g] = err
				return
			}
			off := (g*d.cols + c) * N
			for i, v := range pT.Coeffs[0] {
				d.coef[off+i] = uint32(v)
			}
			if preEncode {
				liftNTT(preSubs, d.coef[off:off+N], pq.Coeffs[:preLimbs])
				for i, s := range preSubs {
					v := pq.Coeffs[i]
					for k := range v {
						v[k] %= s.Modulus // the lazy NTT leaves residues up to a few q
					}
					d.putPre(g, c, i, v)
				}
			}
		}
	})
	for _, e := range errs {
		if e != nil {
			return nil, fmt.Errorf("hamming: encode database: %w", e)
		}
	}
	return d, nil
}

// liftNTT writes the centred lift of a mod-t polynomial into one limb per
// subring of out, in NTT form (lazy: residues below a small multiple of q,
// which Montgomery products accept), not Montgomery:
// the server multiplies by ciphertexts kept in Montgomery form.
func liftNTT(subs []*ring.SubRing, coef []uint32, out [][]uint64) {
	t := uint32(PlaintextModulus)
	for i, s := range subs {
		q := s.Modulus
		dst := out[i]
		for k, v := range coef {
			if v > t/2 {
				dst[k] = q - uint64(t-v)
			} else {
				dst[k] = uint64(v)
			}
		}
		s.NTTLazy(dst, dst)
	}
}

// preIndex returns the offset of limb i of plaintext (g, c) in preLo.
func (d *database) preIndex(g, c, i, N int) int { return ((g*d.cols+c)*d.preLimbs + i) * N }

// putPre stores a fully reduced limb (residues below 2^34).
func (d *database) putPre(g, c, i int, v []uint64) {
	off := d.preIndex(g, c, i, len(v))
	lo, hi := d.preLo[off:off+len(v)], d.preHi[off/32:(off+len(v))/32]
	for k, x := range v {
		lo[k] = uint32(x)
		hi[k/32] |= (x >> 32 & 3) << (2 * (k % 32))
	}
}

// getPre reads limb i of plaintext (g, c) into dst.
func (d *database) getPre(g, c, i int, dst []uint64) {
	off := d.preIndex(g, c, i, len(dst))
	lo, hi := d.preLo[off:off+len(dst)], d.preHi[off/32:(off+len(dst))/32]
	for k := range dst {
		dst[k] = uint64(lo[k]) | (hi[k/32]>>(2*(k%32))&3)<<32
	}
}

// memBytes returns the bytes held by the pre-processed database.
func (d *database) memBytes() int {
	return 4*len(d.coef) + 8*len(d.base)*len(d.base[0]) + 4*len(d.preLo) + 8*len(d.preHi)
}

func modInv(a, m uint64) uint64 { return core.InvMod(a, m) }
