package hamminglsh

import (
	"fmt"
	"slices"
)

// index holds, for every table, the database entries sorted by their key
// (a counting sort): bucket b of table t is ids[t][off[t][b]:off[t][b+1]].
type index struct {
	k   int
	off [][]uint32
	ids [][]uint32
	pb  []uint64 // every entry's pool bits
}

// newIndex buckets the items at k key bits (k > 0).
func newIndex(p Parameters, items [][32]byte, k int) (*index, error) {
	if len(items) > 1<<32-1 {
		return nil, fmt.Errorf("hamminglsh: index: %d entries", len(items))
	}
	pbs := make([]uint64, len(items))
	for i := range items {
		pbs[i] = p.poolBits(&items[i])
	}
	ix := &index{k: k, pb: pbs}
	keys := make([]uint64, len(items))
	for t := 0; t < p.lit.Tables; t++ {
		off := make([]uint32, 1<<k+1)
		for i, pb := range pbs {
			keys[i] = p.key(pb, t, k)
			off[keys[i]+1]++
		}
		for b := 1; b < len(off); b++ {
			off[b] += off[b-1]
		}
		ids := make([]uint32, len(items))
		next := slices.Clone(off[:len(off)-1])
		for i, key := range keys {
			ids[next[key]] = uint32(i)
			next[key]++
		}
		ix.off = append(ix.off, off)
		ix.ids = append(ix.ids, ids)
	}
	return ix, nil
}

// candidates returns the distinct entries of the keys' buckets that far
// does not rule out, at most share from each table (the lowest indices
// first), in increasing order, and how many entries the cut left out
// (counted per table).
func (ix *index) candidates(keys []uint64, share int, far func(pb uint64) bool) (out []uint32, cut int) {
	for t, key := range keys {
		taken := 0
		for _, id := range ix.ids[t][ix.off[t][key]:ix.off[t][key+1]] {
			switch {
			case far(ix.pb[id]):
			case taken == share:
				cut++
			default:
				out = append(out, id)
				taken++
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), cut
}

// cut counts the entries, over all tables, beyond their bucket's share.
func (ix *index) cut(share int) int {
	n := 0
	for _, off := range ix.off {
		for b := 1; b < len(off); b++ {
			n += max(0, int(off[b]-off[b-1])-share)
		}
	}
	return n
}

// memBytes is the memory the index holds.
func (ix *index) memBytes() int {
	n := 8 * len(ix.pb)
	for t := range ix.off {
		n += 4 * (len(ix.off[t]) + len(ix.ids[t]))
	}
	return n
}
