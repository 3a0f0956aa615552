package ec

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// Cuckoo hashing places each database item in one of Ways table rows
// chosen by a public seed, so a client can find an item's row from the item
// alone while the table holds exactly one element per row. Three ways at a
// load of 1/expansion (about 0.77) insert with overwhelming
// probability; a failed build retries with a new seed.
const (
	Ways      = 3
	expansion = 1.3
	MinRows   = 16
	maxKicks  = 2000
	tries     = 8
)

// Rows is the table length for n items: 1.3n+1 rounded up to a bucket
// of three significant bits (j*2^e with 8 <= j < 16), so the table size,
// which every device sees, tells n only to within a factor of about 9/8
// rather than exactly. Padding costs at most an eighth more rows.
func Rows(n int) int {
	m := int(float64(n)*expansion) + 1
	if m < MinRows {
		m = MinRows
	}
	return bucket(m)
}

// bucket rounds m up to the next j*2^e with 8 <= j < 16.
func bucket(m int) int {
	step := 1
	for m/step >= 16 {
		step *= 2
	}
	return (m + step - 1) / step * step
}

// Positions returns the item's candidate rows in a table of m rows.
// The rows need not be distinct.
func Positions(seed *[16]byte, m uint32, item []byte) [Ways]uint32 {
	h := sha256.New()
	h.Write([]byte("privmatch cuckoo v1"))
	h.Write(seed[:])
	h.Write(item)
	var sum [32]byte
	h.Sum(sum[:0])
	var pos [Ways]uint32
	for i := range pos {
		// 64 bits reduced mod m < 2^32: bias below 2^-32.
		pos[i] = uint32(binary.LittleEndian.Uint64(sum[8*i:]) % uint64(m))
	}
	return pos
}

// BuildCuckoo places distinct items in m rows and returns, for each row,
// the index of its item or -1, with the seed it used. Kick choices come
// from rnd, so a build is reproducible from its randomness.
func BuildCuckoo(items [][]byte, m int, rnd io.Reader) ([]int32, [16]byte, error) {
	var seed [16]byte
	rows := make([]int32, m)
	pos := make([][Ways]uint32, len(items))
	var rb [8]byte
	for try := 0; try < tries; try++ {
		if _, err := io.ReadFull(rnd, seed[:]); err != nil {
			return nil, seed, fmt.Errorf("psi: cuckoo: randomness: %w", err)
		}
		for i, it := range items {
			pos[i] = Positions(&seed, uint32(m), it)
		}
		for i := range rows {
			rows[i] = -1
		}
		// A small deterministic generator seeded from rnd drives the kicks.
		if _, err := io.ReadFull(rnd, rb[:]); err != nil {
			return nil, seed, fmt.Errorf("psi: cuckoo: randomness: %w", err)
		}
		state := binary.LittleEndian.Uint64(rb[:]) | 1
		next := func() uint64 {
			state ^= state << 13
			state ^= state >> 7
			state ^= state << 17
			return state
		}
		ok := true
		for i := range items {
			cur := int32(i)
			placed := false
			for kick := 0; kick < maxKicks; kick++ {
				p := pos[cur]
				for _, r := range p {
					if rows[r] == -1 {
						rows[r] = cur
						placed = true
						break
					}
				}
				if placed {
					break
				}
				r := p[next()%Ways]
				rows[r], cur = cur, rows[r]
			}
			if !placed {
				ok = false
				break
			}
		}
		if ok {
			return rows, seed, nil
		}
	}
	return nil, seed, fmt.Errorf("psi: cuckoo: could not place %d items in %d rows after %d seeds", len(items), m, tries)
}
