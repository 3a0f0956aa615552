package hamming

import (
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// The linear stage: for every group g, acc_g = sum_{c<=n} E_c * P_{g,c} at
// the top level, in NTT form, where E_c are the expanded query ciphertexts
// (in Montgomery form) and P_{g,c} the database plaintexts. It is 2^29
// multiply-accumulates per prime per 2^20 entries (two per database bit),
// the server's largest stage. Products are summed as 128-bit integers and reduced once per
// coefficient (a Montgomery reduction), not once per product.
//
// Pre-encoded primes are read straight from the database, with the groups
// in the innermost loop: each block of E's coefficients is loaded once per
// query and meets every group's plaintexts there, and the database is
// streamed once. Primes that are not pre-encoded are lifted group by group
// (one NTT per plaintext per prime) and accumulated the same way.

// macBlock is the number of coefficients one task of the pre-encoded pass
// covers (a multiple of 32, the packing of the residues' top bits).
const macBlock = 256

// linear returns acc_g for every group at the top level (c0, c1 only; the
// plaintext B and the E_{n+1} term are added by the caller).
func (s *Server) linear(W int, EM []*rlwe.Ciphertext) []*rlwe.Ciphertext {
	p, d := s.p, s.db
	N := p.N()
	top := p.bgv.MaxLevel()
	out := make([]*rlwe.Ciphertext, d.groups)
	for g := range out {
		out[g] = bgv.NewCiphertext(p.bgv, 1, top)
		out[g].Scale = EM[0].Scale
	}
	ringTop := p.bgv.RingQ().AtLevel(top)
	isPre := make([]bool, top+1)
	for _, i := range d.preIdx {
		isPre[i] = true
	}
	var liveIdx []int
	var liveSubs []*ring.SubRing
	for i, sr := range ringTop.SubRings[:top+1] {
		if !isPre[i] {
			liveIdx = append(liveIdx, i)
			liveSubs = append(liveSubs, sr)
		}
	}
	// Pre-encoded primes: one task per (prime, block of coefficients).
	if len(d.preIdx) > 0 {
		nb := N / macBlock
		scr := make([][]uint64, W)
		parallel(W, len(d.preIdx)*nb, func(w, task int) {
			if scr[w] == nil {
				scr[w] = make([]uint64, (d.groups*4+1)*macBlock)
			}
			acc, buf := scr[w][macBlock:], scr[w][:macBlock]
			clear(acc)
			k, k0 := task/nb, (task%nb)*macBlock
			i := d.preIdx[k]
			for c := range EM {
				e0 := EM[c].Value[0].Coeffs[i][k0 : k0+macBlock]
				e1 := EM[c].Value[1].Coeffs[i][k0 : k0+macBlock]
				for g := 0; g < d.groups; g++ {
					off := d.preIndex(g, c, k, N) + k0
					a := acc[g*4*macBlock : (g+1)*4*macBlock]
					if k < d.narrow {
						macPacked(a, e0, e1, d.preLo[off:off+macBlock], d.preHi[off/32:off/32+macBlock/32], buf)
					} else {
						macPlain(a, e0, e1, d.preW[off:off+macBlock])
					}
				}
			}
			sr := ringTop.SubRings[i]
			for g := 0; g < d.groups; g++ {
				reduceAcc(acc[g*4*macBlock:(g+1)*4*macBlock], out[g].Value[0].Coeffs[i][k0:k0+macBlock], out[g].Value[1].Coeffs[i][k0:k0+macBlock], sr.Modulus, sr.MRedConstant)
			}
		})
	}
	if len(liveIdx) == 0 {
		return out
	}
	// Other primes: lift each plaintext, group by group.
	type scratch struct {
		pt   [][]uint64
		acc  []uint64
		coef []uint64
	}
	scr := make([]*scratch, W)
	parallel(W, d.groups, func(w, g int) {
		if scr[w] == nil {
			sc := &scratch{pt: make([][]uint64, len(liveIdx)), acc: make([]uint64, len(liveIdx)*4*N), coef: make([]uint64, N)}
			for j := range sc.pt {
				sc.pt[j] = make([]uint64, N)
			}
			scr[w] = sc
		}
		sc := scr[w]
		clear(sc.acc)
		for c := range EM {
			d.getCoef(g, c, sc.coef)
			liftNTT(liveSubs, sc.coef, sc.pt)
			for j, i := range liveIdx {
				macPlain(sc.acc[j*4*N:(j+1)*4*N], EM[c].Value[0].Coeffs[i], EM[c].Value[1].Coeffs[i], sc.pt[j])
			}
		}
		for j, i := range liveIdx {
			sr := ringTop.SubRings[i]
			reduceAcc(sc.acc[j*4*N:(j+1)*4*N], out[g].Value[0].Coeffs[i], out[g].Value[1].Coeffs[i], sr.Modulus, sr.MRedConstant)
		}
	})
	return out
}

// macPacked is macPlain for residues packed as their low 32 bits lo[j]
// and their two top bits in hi, unpacked into buf first.
func macPacked(acc, e0, e1 []uint64, lo []uint32, hi []uint64, buf []uint64) {
	buf = buf[:len(lo)]
	for j := range buf {
		buf[j] = uint64(lo[j]) | (hi[j>>5]>>(2*(j&31))&3)<<32
	}
	macPlain(acc, e0, e1, buf)
}

// macPlain adds e0[j]*p[j] and e1[j]*p[j] to the 128-bit accumulators in
// acc: the low and high words of the c0 sums, then of the c1 sums.
func macPlain(acc, e0, e1, p []uint64) {
	n := len(p)
	l0, h0, l1, h1 := acc[:n], acc[n:2*n], acc[2*n:3*n], acc[3*n:4*n]
	e0, e1 = e0[:n], e1[:n]
	for j, v := range p {
		ph, pl := bits.Mul64(e0[j], v)
		var cy uint64
		l0[j], cy = bits.Add64(l0[j], pl, 0)
		h0[j] += ph + cy
		ph, pl = bits.Mul64(e1[j], v)
		l1[j], cy = bits.Add64(l1[j], pl, 0)
		h1[j] += ph + cy
	}
}

// reduceAcc writes the accumulators of acc, each multiplied by 2^-64 mod q
// (undoing E's Montgomery factor), into c0 and c1, fully reduced.
func reduceAcc(acc, c0, c1 []uint64, q, qInv uint64) {
	n := len(c0)
	l0, h0, l1, h1 := acc[:n], acc[n:2*n], acc[2*n:3*n], acc[3*n:4*n]
	for j := range c0 {
		c0[j] = mred128(h0[j], l0[j], q, qInv)
		c1[j] = mred128(h1[j], l1[j], q, qInv)
	}
}

// mred128 returns (hi*2^64 + lo) * 2^-64 mod q (Montgomery reduction with
// qInv = q^-1 mod 2^64; hi is first brought below q).
func mred128(hi, lo, q, qInv uint64) uint64 {
	if hi >= q {
		hi %= q
	}
	H, _ := bits.Mul64(lo*qInv, q)
	r := hi - H + q
	if r >= q {
		r -= q
	}
	return r
}
