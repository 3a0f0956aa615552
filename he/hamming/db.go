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
// as a plaintext polynomial mod t (coefficient form, 17 bits each: the low
// 16 in coefLo, bit 16 in coefHi), and optionally the same plaintexts
// lifted to some ciphertext primes in NTT form (the memory-for-time
// lever): first the primes below 2^34 ("narrow", the eight middle primes
// of H14), stored as their low 32 bits in preLo and bits 32..33 in preHi
// (4.25 bytes per database bit per prime), then the others ("wide", q0 and
// the top prime), 8 bytes each in preW. When every prime is pre-encoded the
// coefficients mod t are not kept.
//
// Columns: c < n holds -y_c * 2^-l (bit c of each entry), column n holds
// C * 2^-l with C = |y| mod 2; base holds B = floor(|y|/2) (n+1 in padding
// slots, so that padding never matches).
type database struct {
	size   int
	groups int
	cols   int
	coefLo []uint16 // groups x cols x N
	coefHi []uint64 // bit 16 of each coefficient, 64 per word
	base   [][]uint64
	preLo  []uint32 // groups x cols x narrow x N, low 32 bits
	preHi  []uint64 // groups x cols x narrow x N/32, bits 32..33
	narrow int      // pre-encoded primes below 2^34
	preW   []uint64 // groups x cols x wide x N
	wide   int      // pre-encoded primes above 2^34
	preIdx []int    // the pre-encoded primes: the narrow ones, then the wide ones
}

// preprocess encodes the database. With preLimbs > 0 it also keeps every
// plaintext in NTT form at preLimbs ciphertext primes, those below 2^34
// first (4.25 bytes per bit each), then the others (8 bytes per bit each).
func preprocess(p Parameters, db [][32]byte, preLimbs int, workers int) (*database, error) {
	n := p.lit.HashBits
	N := p.N()
	groups := max(1, (len(db)+N-1)/N)
	d := &database{size: len(db), groups: groups, cols: n + 1, base: make([][]uint64, groups)}
	t := uint64(PlaintextModulus)
	inv := modInv(uint64(1)<<p.expandLog()%t, t) // 2^-l mod t
	neg := t - inv                               // -2^-l mod t
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wide []int
	for i, q := range p.bgv.Q() {
		if q < 1<<34 {
			d.preIdx = append(d.preIdx, i)
		} else {
			wide = append(wide, i)
		}
	}
	d.preIdx = append(d.preIdx, wide...)[:min(max(preLimbs, 0), len(p.bgv.Q()))]
	preLimbs = len(d.preIdx)
	d.narrow = min(preLimbs, len(p.bgv.Q())-len(wide))
	d.wide = preLimbs - d.narrow
	preEncode := preLimbs > 0
	d.preLo = make([]uint32, groups*d.cols*d.narrow*N)
	d.preHi = make([]uint64, groups*d.cols*d.narrow*N/32)
	d.preW = make([]uint64, groups*d.cols*d.wide*N)
	keepCoef := preLimbs < len(p.bgv.Q())
	if keepCoef {
		d.coefLo = make([]uint16, groups*d.cols*N)
		d.coefHi = make([]uint64, groups*d.cols*N/64)
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
	if err := parallelErr(workers, groups, func(w, g int) error {
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
				return err
			}
			if keepCoef {
				d.putCoef(g, c, pT.Coeffs[0])
			}
			if preEncode {
				liftNTT(preSubs, pT.Coeffs[0], pq.Coeffs[:preLimbs])
				for i, s := range preSubs {
					v := pq.Coeffs[i]
					for k := range v {
						v[k] %= s.Modulus // the lazy NTT leaves residues up to a few q
					}
					d.putPre(g, c, i, v)
				}
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("hamming: encode database: %w", err)
	}
	return d, nil
}

// liftNTT writes the centred lift of a mod-t polynomial into one limb per
// subring of out, in NTT form (lazy: residues below a small multiple of q,
// which the server's 128-bit accumulation accepts), not Montgomery:
// the server multiplies by ciphertexts kept in Montgomery form.
func liftNTT(subs []*ring.SubRing, coef []uint64, out [][]uint64) {
	t := uint64(PlaintextModulus)
	for i, s := range subs {
		q := s.Modulus
		dst := out[i]
		for k, v := range coef {
			if v > t/2 {
				dst[k] = q - (t - v)
			} else {
				dst[k] = v
			}
		}
		s.NTTLazy(dst, dst)
	}
}

// putCoef stores plaintext (g, c) mod t at 17 bits per coefficient.
func (d *database) putCoef(g, c int, v []uint64) {
	off := (g*d.cols + c) * len(v)
	lo, hi := d.coefLo[off:off+len(v)], d.coefHi[off/64:(off+len(v))/64]
	for k, x := range v {
		lo[k] = uint16(x)
		hi[k/64] |= (x >> 16 & 1) << (k % 64)
	}
}

// getCoef reads plaintext (g, c) mod t into dst.
func (d *database) getCoef(g, c int, dst []uint64) {
	off := (g*d.cols + c) * len(dst)
	lo, hi := d.coefLo[off:off+len(dst)], d.coefHi[off/64:(off+len(dst))/64]
	for k := range dst {
		dst[k] = uint64(lo[k]) | (hi[k/64]>>(k%64)&1)<<16
	}
}

// preIndex returns the offset of pre-encoded limb k (an index into preIdx)
// of plaintext (g, c) in preLo (narrow limbs) or preW (wide limbs).
func (d *database) preIndex(g, c, k, N int) int {
	if k < d.narrow {
		return ((g*d.cols+c)*d.narrow + k) * N
	}
	return ((g*d.cols+c)*d.wide + k - d.narrow) * N
}

// putPre stores a fully reduced limb.
func (d *database) putPre(g, c, k int, v []uint64) {
	off := d.preIndex(g, c, k, len(v))
	if k >= d.narrow {
		copy(d.preW[off:off+len(v)], v)
		return
	}
	lo, hi := d.preLo[off:off+len(v)], d.preHi[off/32:(off+len(v))/32]
	for j, x := range v {
		lo[j] = uint32(x)
		hi[j/32] |= (x >> 32 & 3) << (2 * (j % 32))
	}
}

// memBytes returns the bytes held by the pre-processed database.
func (d *database) memBytes() int {
	return 2*len(d.coefLo) + 8*len(d.coefHi) + 8*len(d.base)*len(d.base[0]) + 4*len(d.preLo) + 8*len(d.preHi) + 8*len(d.preW)
}

func modInv(a, m uint64) uint64 { return core.InvMod(a, m) }
