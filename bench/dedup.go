package bench

import (
	"sort"

	"github.com/privmatch/privmatch/phash"
)

// NearRef is one reference hash of the near-duplicate rule: a pair is near
// under it when the distance of its Algorithm hashes is at most
// MaxDistance.
type NearRef struct {
	Algorithm   string `json:"algorithm"`
	MaxDistance int    `json:"max_distance"`
}

// DedupRule says which images of a corpus count as copies of each other.
//
// Exact duplicates have identical content digests (SHA-256 of the file's
// bytes). Near duplicates are pairs that every reference hash present in
// the HashSet puts within its MaxDistance; duplicates are closed under
// transitivity (connected components), and each group keeps its first
// item in corpus order. If no reference hash is present, only exact
// duplicates are removed and DedupResult.Applied is empty.
type DedupRule struct {
	Refs      []NearRef `json:"refs"`
	Rationale string    `json:"rationale"`
}

// DefaultDedupRule: near duplicates must sit within about half of the
// match threshold of both PDQ (31) and the 64-bit pHash (10), two hash
// families with different pipelines, so that a pair one algorithm merely
// collides on is not removed from that algorithm's false-match count.
var DefaultDedupRule = DedupRule{
	Refs: []NearRef{{Algorithm: "pdq", MaxDistance: 15}, {Algorithm: "phash8", MaxDistance: 5}},
	Rationale: "exact: identical SHA-256 of the bytes; near: PDQ distance <= 15 and pHash (8x8) distance <= 5, " +
		"about half of each one's match threshold (31 and 10), both required; groups are connected components",
}

// DedupResult is the outcome of Dedup.
type DedupResult struct {
	Rule DedupRule `json:"rule"`
	// Applied lists the reference hashes the near rule used.
	Applied []NearRef `json:"applied"`
	// Items is the number of hashed items (failed items are left out).
	Items int `json:"items"`
	// Distinct is the number of items kept.
	Distinct int `json:"distinct"`
	// ExactRemoved and NearRemoved count items removed as exact and as
	// near duplicates (an item both exact and near counts as exact).
	ExactRemoved int `json:"exact_removed"`
	NearRemoved  int `json:"near_removed"`
	// Groups lists the IDs of every group of two or more items, kept item
	// first.
	Groups [][]string `json:"groups"`
	// Keep lists the corpus indexes of the kept items, ascending.
	Keep []int `json:"-"`
}

// unionFind is a disjoint-set forest with path halving; the root of a set
// is its smallest index.
type unionFind []int32

func (u unionFind) find(i int) int {
	for int(u[i]) != i {
		u[i] = u[u[i]]
		i = int(u[i])
	}
	return i
}

func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if ra > rb {
		ra, rb = rb, ra
	}
	u[rb] = int32(ra)
}

// Dedup finds exact and near duplicates among the successfully hashed
// items of hs under rule. Candidate near pairs come from multi-index
// hashing on the reference hash with the widest segments: a hash split
// into MaxDistance+1 segments shares at least one whole segment with any
// hash within MaxDistance (pigeonhole), so no near pair is missed; each
// candidate is then checked against every reference.
func Dedup(hs *HashSet, rule DedupRule) *DedupResult {
	n := len(hs.IDs)
	res := &DedupResult{Rule: rule}
	var live []int
	for i := 0; i < n; i++ {
		if hs.OK(i) {
			live = append(live, i)
		}
	}
	res.Items = len(live)
	uf := make(unionFind, n)
	for i := range uf {
		uf[i] = int32(i)
	}
	// Exact: identical digests.
	first := map[Digest]int{}
	exact := make([]bool, n)
	for _, i := range live {
		if j, ok := first[hs.Digests[i]]; ok {
			uf.union(j, i)
			exact[i] = true
		} else {
			first[hs.Digests[i]] = i
		}
	}
	// Near: the reference hashes present.
	var refs [][]phash.Hash
	for _, r := range rule.Refs {
		if col, ok := hs.Hashes[r.Algorithm]; ok && r.MaxDistance >= 0 {
			res.Applied = append(res.Applied, r)
			refs = append(refs, col)
		}
	}
	if len(refs) > 0 && len(live) > 1 {
		near := func(i, j int) bool {
			for k, r := range res.Applied {
				d, err := phash.Distance(refs[k][i], refs[k][j])
				if err != nil || d > r.MaxDistance {
					return false
				}
			}
			return true
		}
		// Pick the reference whose segments are widest.
		best := 0
		for k, r := range res.Applied {
			if segWidth(refs[k][live[0]].Bits(), r.MaxDistance) > segWidth(refs[best][live[0]].Bits(), res.Applied[best].MaxDistance) {
				best = k
			}
		}
		multiIndexPairs(refs[best], live, res.Applied[best].MaxDistance, func(i, j int) {
			if near(i, j) {
				uf.union(i, j)
			}
		})
	}
	groups := map[int][]int{}
	for _, i := range live {
		r := uf.find(i)
		groups[r] = append(groups[r], i)
	}
	for _, i := range live {
		if uf.find(i) == i {
			res.Keep = append(res.Keep, i)
			continue
		}
		if exact[i] {
			res.ExactRemoved++
		} else {
			res.NearRemoved++
		}
	}
	res.Distinct = len(res.Keep)
	for _, r := range res.Keep {
		if g := groups[r]; len(g) > 1 {
			ids := make([]string, len(g))
			for k, i := range g {
				ids[k] = hs.IDs[i]
			}
			res.Groups = append(res.Groups, ids)
		}
	}
	return res
}

// segWidth is the narrowest segment width when nbits bits are split into
// maxDist+1 segments.
func segWidth(nbits, maxDist int) int { return nbits / (maxDist + 1) }

// multiIndexPairs calls f(i, j), i < j, for every pair of items in live
// whose hashes agree exactly on at least one of maxDist+1 contiguous bit
// segments, once per pair.
func multiIndexPairs(col []phash.Hash, live []int, maxDist int, f func(i, j int)) {
	nbits := col[live[0]].Bits()
	// At least maxDist+1 segments (pigeonhole), each at most 64 bits.
	m := min(max(maxDist+1, (nbits+63)/64), nbits)
	segs := make([][2]int, m) // [start, end) bit positions
	for s := 0; s < m; s++ {
		segs[s] = [2]int{s * nbits / m, (s + 1) * nbits / m}
	}
	keys := make([][]uint64, len(live))
	for k, i := range live {
		w := col[i].Words()
		keys[k] = make([]uint64, m)
		for s, sg := range segs {
			keys[k][s] = extractBits(w, sg[0], sg[1])
		}
	}
	for s := 0; s < m; s++ {
		buckets := map[uint64][]int{}
		for k := range live {
			buckets[keys[k][s]] = append(buckets[keys[k][s]], k)
		}
		bk := make([]uint64, 0, len(buckets))
		for v := range buckets {
			bk = append(bk, v)
		}
		sort.Slice(bk, func(a, b int) bool { return bk[a] < bk[b] })
		for _, v := range bk {
			b := buckets[v]
			for x := 0; x < len(b); x++ {
			pairs:
				for y := x + 1; y < len(b); y++ {
					// Report each pair only at the first segment it shares.
					for s2 := 0; s2 < s; s2++ {
						if keys[b[x]][s2] == keys[b[y]][s2] {
							continue pairs
						}
					}
					f(live[b[x]], live[b[y]])
				}
			}
		}
	}
}

// extractBits returns bits [lo, hi) of a little-endian word array
// (hi-lo <= 64).
func extractBits(w [4]uint64, lo, hi int) uint64 {
	var v uint64
	for b := lo; b < hi; {
		word, off := b/64, b%64
		take := min(64-off, hi-b)
		chunk := (w[word] >> off) & (1<<take - 1)
		if take == 64 {
			chunk = w[word]
		}
		v |= chunk << (b - lo)
		b += take
	}
	return v
}
