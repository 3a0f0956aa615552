package hamminglsh

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/privmatch/privmatch/phash"
)

// The bucket layout: a public pool of bit positions, and for every table
// the first k of its own permutation of the pool.

// permutation returns a permutation of 0..n-1 fixed by (seed, label): a
// Fisher-Yates shuffle driven by SHA-256 in counter mode, with rejection
// sampling so every index is uniform. It is public and deterministic,
// not secret randomness.
func permutation(seed string, label uint64, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	var ctr uint64
	var buf []byte
	next := func() uint32 {
		if len(buf) < 4 {
			h := sha256.New()
			h.Write([]byte(seed))
			h.Write(binary.LittleEndian.AppendUint64(nil, label))
			h.Write(binary.LittleEndian.AppendUint64(nil, ctr))
			ctr++
			buf = h.Sum(nil)
		}
		v := binary.LittleEndian.Uint32(buf)
		buf = buf[4:]
		return v
	}
	for i := n - 1; i > 0; i-- {
		bound := uint64(i + 1)
		accept := 1<<32 - (1<<32)%bound // a multiple of bound
		v := uint64(next())
		for v >= accept {
			v = uint64(next())
		}
		j := int(v % bound)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// bit returns bit j of an item in he/hamming's order (byte j/8, bit j%8).
func bit(x *[32]byte, j int) uint64 { return uint64(x[j>>3]>>(j&7)) & 1 }

// poolBits gathers the pool's bits of x: bit i of the result is the item's
// bit at pool position i.
func (p Parameters) poolBits(x *[32]byte) uint64 {
	var v uint64
	for i, j := range p.pool {
		v |= bit(x, j) << i
	}
	return v
}

// key returns table t's k-bit key of an item whose pool bits are pb.
func (p Parameters) key(pb uint64, t, k int) uint64 {
	var v uint64
	for i, j := range p.perm[t][:k] {
		v |= (pb >> j & 1) << i
	}
	return v
}

// Keys returns the item's key in every table for k key bits.
func (p Parameters) Keys(x [32]byte, k int) []uint64 {
	pb := p.poolBits(&x)
	out := make([]uint64, p.lit.Tables)
	for t := range out {
		out[t] = p.key(pb, t, k)
	}
	return out
}

// Collide reports whether x and y share a bucket in some table at k key
// bits (always, at k = 0): the bucket rule in the clear, before any
// bucket is cut at its share of the capacity.
func (p Parameters) Collide(x, y [32]byte, k int) bool {
	diff := p.poolBits(&x) ^ p.poolBits(&y)
	for t := range p.perm {
		if p.key(diff, t, k) == 0 {
			return true
		}
	}
	return false
}

// revealed returns the pool bits the keys reveal: a mask of the pool
// positions covered by the tables' first k positions, and their values.
func (p Parameters) revealed(keys []uint64, k int) (mask, val uint64) {
	for t, v := range keys {
		for i, j := range p.perm[t][:k] {
			mask |= 1 << j
			val |= (v >> i & 1) << j
		}
	}
	return mask, val
}

// LeakedPositions returns the hash bit positions whose values the keys
// reveal at k key bits: the union of the tables' positions (empty at
// k = 0), a subset of the pool.
func (p Parameters) LeakedPositions(k int) []int {
	seen := make([]bool, len(p.pool))
	for t := range p.perm {
		for _, j := range p.perm[t][:k] {
			seen[j] = true
		}
	}
	var out []int
	for i, s := range seen {
		if s {
			out = append(out, p.pool[i])
		}
	}
	return out
}

// Item writes h's bits in the engine's order: bit i of the printed
// integer (phash.Hash.Bit(i)) at byte i/8, bit i%8, as psi's he-hamming
// protocols do, so the pool names the same bits everywhere.
func Item(h phash.Hash) (x [32]byte) {
	for i := range min(h.Bits(), 256) {
		if h.Bit(i) {
			x[i>>3] |= 1 << (i & 7)
		}
	}
	return x
}
