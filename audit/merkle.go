package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a SHA-256 digest: a leaf hash, a node hash or a root.
type Hash [32]byte

// LeafHash is RFC 9162's leaf hash: SHA-256(0x00 || data).
func LeafHash(data []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash is RFC 9162's interior node hash: SHA-256(0x01 || l || r).
func NodeHash(l, r Hash) Hash {
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// EmptyRoot is the root of the empty tree, SHA-256 of the empty string.
var EmptyRoot = Hash(sha256.Sum256(nil))

// ErrProof is wrapped by every proof verification failure.
var ErrProof = errors.New("audit: proof does not verify")

// Tree is an RFC 9162 Merkle tree over leaf hashes, kept level by level so
// that roots, inclusion proofs and consistency proofs for any earlier size
// are cheap. It grows by Append (an append-only log). Memory is about
// 64 bytes per leaf.
type Tree struct {
	levels [][]Hash // levels[0] are leaf hashes
}

// NewTree builds a tree over the given leaf hashes.
func NewTree(leaves []Hash) *Tree {
	t := &Tree{}
	t.levels = [][]Hash{append([]Hash(nil), leaves...)}
	t.rebuild(0)
	return t
}

// rebuild recomputes the complete nodes above leaf index from.
func (t *Tree) rebuild(from int) {
	for l := 0; ; l++ {
		cur := t.levels[l]
		if len(cur) < 2 {
			t.levels = t.levels[:l+1]
			return
		}
		if len(t.levels) == l+1 {
			t.levels = append(t.levels, nil)
		}
		next := t.levels[l+1]
		n := len(cur) / 2
		start := from / 2
		if start > len(next) {
			start = len(next)
		}
		next = next[:start]
		for i := start; i < n; i++ {
			next = append(next, NodeHash(cur[2*i], cur[2*i+1]))
		}
		t.levels[l+1] = next
		from = start
	}
}

// Append adds leaves at the end.
func (t *Tree) Append(leaves ...Hash) {
	from := len(t.levels[0])
	t.levels[0] = append(t.levels[0], leaves...)
	t.rebuild(from)
}

// Size is the number of leaves.
func (t *Tree) Size() uint64 { return uint64(len(t.levels[0])) }

// Leaf returns leaf hash i.
func (t *Tree) Leaf(i uint64) Hash { return t.levels[0][i] }

// Root is the root of the whole tree.
func (t *Tree) Root() Hash { r, _ := t.RootAt(t.Size()); return r }

// RootAt is the root of the first n leaves (the tree as it was at size n).
func (t *Tree) RootAt(n uint64) (Hash, error) {
	if n > t.Size() {
		return Hash{}, fmt.Errorf("audit: root at %d: tree has %d leaves", n, t.Size())
	}
	if n == 0 {
		return EmptyRoot, nil
	}
	return t.mth(0, n), nil
}

// largestPow2Below returns the largest power of two strictly below n (n >= 2).
func largestPow2Below(n uint64) uint64 { return 1 << (bits.Len64(n-1) - 1) }

// mth is the hash of leaves [lo, hi), hi > lo.
func (t *Tree) mth(lo, hi uint64) Hash {
	w := hi - lo
	if w&(w-1) == 0 && lo%w == 0 {
		l := bits.TrailingZeros64(w)
		return t.levels[l][lo>>l]
	}
	k := largestPow2Below(w)
	return NodeHash(t.mth(lo, lo+k), t.mth(lo+k, hi))
}

// InclusionProof is RFC 9162's PATH(i, D[0:n]): the audit path of leaf i
// in the tree of size n.
func (t *Tree) InclusionProof(i, n uint64) ([]Hash, error) {
	if n > t.Size() || i >= n {
		return nil, fmt.Errorf("audit: inclusion proof for leaf %d at size %d of %d", i, n, t.Size())
	}
	var path []Hash
	lo, hi := uint64(0), n
	// Collect from the root down, then reverse to leaf-to-root order.
	for hi-lo > 1 {
		k := largestPow2Below(hi - lo)
		if i < lo+k {
			path = append(path, t.mth(lo+k, hi))
			hi = lo + k
		} else {
			path = append(path, t.mth(lo, lo+k))
			lo += k
		}
	}
	for a, b := 0, len(path)-1; a < b; a, b = a+1, b-1 {
		path[a], path[b] = path[b], path[a]
	}
	return path, nil
}

// ConsistencyProof is RFC 9162's PROOF(m, D[0:n]): it shows the tree of
// size m is a prefix of the tree of size n. 0 < m <= n.
func (t *Tree) ConsistencyProof(m, n uint64) ([]Hash, error) {
	if m == 0 || m > n || n > t.Size() {
		return nil, fmt.Errorf("audit: consistency proof %d -> %d of %d", m, n, t.Size())
	}
	var proof []Hash
	var sub func(m, lo, hi uint64, b bool)
	sub = func(m, lo, hi uint64, b bool) {
		if m == hi-lo {
			if !b {
				proof = append(proof, t.mth(lo, hi))
			}
			return
		}
		k := largestPow2Below(hi - lo)
		if m <= k {
			sub(m, lo, lo+k, b)
			proof = append(proof, t.mth(lo+k, hi))
		} else {
			sub(m-k, lo+k, hi, false)
			proof = append(proof, t.mth(lo, lo+k))
		}
	}
	sub(m, 0, n, true)
	return proof, nil
}

// VerifyInclusion checks an audit path (RFC 9162 section 2.1.3.2).
func VerifyInclusion(i, n uint64, leaf Hash, path []Hash, root Hash) error {
	if i >= n {
		return fmt.Errorf("%w: leaf %d outside size %d", ErrProof, i, n)
	}
	fn, sn, r := i, n-1, leaf
	for _, p := range path {
		if sn == 0 {
			return fmt.Errorf("%w: path too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			fn, sn = untilLowBit(fn, sn)
		} else {
			r = NodeHash(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || r != root {
		return fmt.Errorf("%w: inclusion of leaf %d at size %d", ErrProof, i, n)
	}
	return nil
}

// untilLowBit shifts fn and sn right together until fn's lowest bit is
// set or fn is 0: the step RFC 9162's verifiers take after a left sibling.
func untilLowBit(fn, sn uint64) (uint64, uint64) {
	for fn&1 == 0 && fn != 0 {
		fn >>= 1
		sn >>= 1
	}
	return fn, sn
}

// VerifyConsistency checks that root1 at size m is a prefix of root2 at
// size n (RFC 9162 section 2.1.4.2). m == n needs an empty proof and equal
// roots.
func VerifyConsistency(m, n uint64, root1, root2 Hash, proof []Hash) error {
	switch {
	case m == 0 || m > n:
		return fmt.Errorf("%w: consistency %d -> %d", ErrProof, m, n)
	case m == n:
		if len(proof) != 0 || root1 != root2 {
			return fmt.Errorf("%w: equal sizes %d with different roots", ErrProof, m)
		}
		return nil
	case len(proof) == 0:
		return fmt.Errorf("%w: empty consistency proof", ErrProof)
	}
	if m&(m-1) == 0 {
		proof = append([]Hash{root1}, proof...)
	}
	fn, sn := m-1, n-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return fmt.Errorf("%w: consistency proof too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			fr = NodeHash(c, fr)
			sr = NodeHash(c, sr)
			fn, sn = untilLowBit(fn, sn)
		} else {
			sr = NodeHash(sr, c)
		}
		fn, sn = fn>>1, sn>>1
	}
	if fr != root1 || sr != root2 || sn != 0 {
		return fmt.Errorf("%w: consistency %d -> %d", ErrProof, m, n)
	}
	return nil
}

// RootOf computes the RFC 9162 root of leaf hashes with a stack of at most
// log2(n) subtree roots: what a device runs to recompute a whole table's
// root without keeping the tree.
func RootOf(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return EmptyRoot
	}
	type node struct {
		h      Hash
		height int
	}
	var st []node
	for _, l := range leaves {
		cur := node{l, 0}
		for len(st) > 0 && st[len(st)-1].height == cur.height {
			top := st[len(st)-1]
			st = st[:len(st)-1]
			cur = node{NodeHash(top.h, cur.h), cur.height + 1}
		}
		st = append(st, cur)
	}
	r := st[len(st)-1].h
	for i := len(st) - 2; i >= 0; i-- {
		r = NodeHash(st[i].h, r)
	}
	return r
}

// RootOfRecords is RootOf over the leaf hashes of fixed-size records laid
// end to end, such as the rows of a blinded table.
func RootOfRecords(data []byte, size int) (Hash, error) {
	if size <= 0 || len(data)%size != 0 {
		return Hash{}, fmt.Errorf("audit: %d bytes are not whole records of %d", len(data), size)
	}
	leaves := make([]Hash, len(data)/size)
	for i := range leaves {
		leaves[i] = LeafHash(data[i*size : (i+1)*size])
	}
	return RootOf(leaves), nil
}
