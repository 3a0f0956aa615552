package bench

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/privmatch/privmatch/phash"
)

// DefaultMaxExactPairs is the number of distinct pairs above which
// PairHistogram samples pairs instead of comparing all of them: 1e9 pairs,
// a corpus of up to 44,721 images, a few seconds of one core (the README
// gives measured rates). Pass a larger MaxExactPairs to force exact
// counts, or count the blocks on many machines (the scale module).
const DefaultMaxExactPairs = 1_000_000_000

// DefaultSamples is the number of pairs sampled above the exact cap.
const DefaultSamples = 200_000_000

// PairOptions controls PairHistogram.
type PairOptions struct {
	// MaxExactPairs is the largest number of distinct pairs compared
	// exhaustively; 0 means DefaultMaxExactPairs.
	MaxExactPairs int64 `json:"max_exact_pairs"`
	// Samples is the number of pairs drawn when the cap is exceeded; 0
	// means DefaultSamples.
	Samples int64 `json:"samples"`
	// Seed seeds the pair sampler (PCG); the sample does not depend on
	// Workers.
	Seed uint64 `json:"seed"`
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int `json:"-"`
}

// PairCounts is the distribution of Hamming distances over pairs of
// distinct images.
type PairCounts struct {
	// Bits is the hash length; Counts has Bits+1 entries.
	Bits int `json:"bits"`
	// Images is the number of hashes compared.
	Images int `json:"images"`
	// Population is the number of distinct pairs, Images*(Images-1)/2.
	Population int64 `json:"population"`
	// Exact reports whether every pair was compared; otherwise Compared
	// pairs were drawn uniformly with replacement from the population with
	// Seed, and any rate read from Counts is a binomial estimate whose
	// Clopper-Pearson interval covers the sampling error.
	Exact bool `json:"exact"`
	// Compared is the number of pairs counted in Counts.
	Compared int64 `json:"compared"`
	// Seed is the sampler's seed (meaningful when Exact is false).
	Seed uint64 `json:"seed"`
	// Counts[d] is the number of compared pairs at distance d.
	Counts []int64 `json:"counts"`
}

// PairHistogram counts the Hamming distance of every distinct pair of
// hashes (i < j), or of a uniform sample of pairs when there are more than
// opt.MaxExactPairs. All hashes must share a kind and length. It runs on
// opt.Workers goroutines with popcount over the hashes' 64-bit words and no
// per-pair allocation.
func PairHistogram(ctx context.Context, hs []phash.Hash, opt PairOptions) (PairCounts, error) {
	if len(hs) < 2 {
		return PairCounts{}, fmt.Errorf("bench: pair histogram: need at least 2 hashes, got %d", len(hs))
	}
	nbits := hs[0].Bits()
	for i, h := range hs {
		if h.Kind() != hs[0].Kind() || h.Bits() != nbits || h.IsZero() {
			return PairCounts{}, fmt.Errorf("bench: pair histogram: hash %d is %s/%d, first is %s/%d: %w", i, h.Kind(), h.Bits(), hs[0].Kind(), nbits, phash.ErrMismatch)
		}
	}
	ws := make([][4]uint64, len(hs))
	for i, h := range hs {
		ws[i] = h.Words()
	}
	if opt.MaxExactPairs <= 0 {
		opt.MaxExactPairs = DefaultMaxExactPairs
	}
	if opt.Samples <= 0 {
		opt.Samples = DefaultSamples
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	pc := PlanPairs(len(hs), nbits, opt)
	var counts []int64
	var err error
	if pc.Exact {
		counts, err = allPairs(ctx, ws, opt.Workers)
	} else {
		counts, err = samplePairs(ctx, ws, opt.Samples, opt.Seed, opt.Workers)
	}
	if err != nil {
		return PairCounts{}, err
	}
	pc.Counts = counts[:nbits+1]
	return pc, nil
}

// PlanPairs returns the PairCounts that PairHistogram fills for n hashes of
// nbits bits under opt, without Counts: whether every pair is compared
// (Exact) and how many pairs are counted. Distributed runners use it to
// split the same measurement into blocks (CountPairBlock) or sampler
// chunks (CountSampleChunk) and sum the parts.
func PlanPairs(n, nbits int, opt PairOptions) PairCounts {
	if opt.MaxExactPairs <= 0 {
		opt.MaxExactPairs = DefaultMaxExactPairs
	}
	if opt.Samples <= 0 {
		opt.Samples = DefaultSamples
	}
	m := int64(n)
	pc := PairCounts{Bits: nbits, Images: n, Population: m * (m - 1) / 2, Seed: opt.Seed}
	if pc.Population <= opt.MaxExactPairs {
		pc.Exact = true
		pc.Compared = pc.Population
	} else {
		pc.Compared = opt.Samples
	}
	return pc
}

// SampleChunks is the number of independent sampler streams a sampled
// PairHistogram draws from; CountSampleChunk computes one of them.
const SampleChunks = sampleChunks

// PackWords checks that hs share a kind and length and holds no zero hash,
// and returns each hash's 64-bit words (4 per hash) and the bit length:
// the input of CountPairBlock and CountSampleChunk.
func PackWords(hs []phash.Hash) ([]uint64, int, error) {
	if len(hs) == 0 {
		return nil, 0, fmt.Errorf("bench: pack words: no hashes")
	}
	nbits := hs[0].Bits()
	out := make([]uint64, 0, 4*len(hs))
	for i, h := range hs {
		if h.Kind() != hs[0].Kind() || h.Bits() != nbits || h.IsZero() {
			return nil, 0, fmt.Errorf("bench: pack words: hash %d is %s/%d, first is %s/%d: %w", i, h.Kind(), h.Bits(), hs[0].Kind(), nbits, phash.ErrMismatch)
		}
		w := h.Words()
		out = append(out, w[:]...)
	}
	return out, nbits, nil
}

// unpack turns packed words into per-hash arrays.
func unpack(w []uint64) [][4]uint64 {
	ws := make([][4]uint64, len(w)/4)
	for i := range ws {
		copy(ws[i][:], w[4*i:])
	}
	return ws
}

// CountPairBlock returns the 257-bin distance histogram of the pairs (i, j)
// with r0 <= i < r1, c0 <= j < c1 and i < j of the packed hashes w (see
// PackWords). The blocks of a partition of the upper triangle sum to
// PairHistogram's exact counts.
func CountPairBlock(w []uint64, r0, r1, c0, c1 int) ([]int64, error) {
	n := len(w) / 4
	if len(w)%4 != 0 || r0 < 0 || c0 < 0 || r0 > r1 || c0 > c1 || r1 > n || c1 > n {
		return nil, fmt.Errorf("bench: pair block [%d,%d)x[%d,%d) outside %d hashes", r0, r1, c0, c1, n)
	}
	rows, cols := unpack(w[4*r0:4*r1]), unpack(w[4*c0:4*c1])
	var h [4][257]int64
	for i := range rows {
		j0 := max(c0, r0+i+1) - c0
		if j0 < len(cols) {
			countRow(&h, rows[i], cols[j0:])
		}
	}
	total := make([]int64, 257)
	for d := range total {
		total[d] = h[0][d] + h[1][d] + h[2][d] + h[3][d]
	}
	return total, nil
}

// CountSampleChunk returns the 257-bin histogram of sampler stream chunk
// (0 <= chunk < SampleChunks) of a sample of m pairs of the packed hashes
// w with seed: the streams sum to the sampled PairHistogram's counts.
func CountSampleChunk(w []uint64, m int64, seed uint64, chunk int) ([]int64, error) {
	if len(w)%4 != 0 || len(w) < 8 || chunk < 0 || chunk >= SampleChunks || m < 0 {
		return nil, fmt.Errorf("bench: sample chunk %d of %d pairs over %d words: bad arguments", chunk, m, len(w))
	}
	ws := unpack(w)
	if uint64(len(ws)) > math.MaxUint32 {
		return nil, fmt.Errorf("bench: sample pairs: %d hashes, at most 2^32-1 supported", len(ws))
	}
	var h [257]int64
	sampleChunk(&h, ws, m, seed, int64(chunk))
	return h[:], nil
}

// rowBlock is the number of rows a worker claims at a time, and colBlock
// the number of columns it sweeps for a block of rows (32 KiB of hashes, so
// the column block stays in L1 while every row of the block passes it).
const (
	rowBlock = 64
	colBlock = 1024
)

// allPairs counts distances of all pairs i < j.
func allPairs(ctx context.Context, ws [][4]uint64, workers int) ([]int64, error) {
	n := len(ws)
	var next atomic.Int64
	var mu sync.Mutex
	total := make([]int64, 257)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h [4][257]int64
			for {
				if ctx.Err() != nil {
					break
				}
				r0 := int(next.Add(rowBlock)) - rowBlock
				if r0 >= n {
					break
				}
				r1 := min(r0+rowBlock, n)
				for c0 := r0 + 1; c0 < n; c0 += colBlock {
					c1 := min(c0+colBlock, n)
					for i := r0; i < r1; i++ {
						j0 := max(c0, i+1)
						if j0 < c1 {
							countRow(&h, ws[i], ws[j0:c1])
						}
					}
				}
			}
			mu.Lock()
			for d := range total {
				total[d] += h[0][d] + h[1][d] + h[2][d] + h[3][d]
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: all pairs: %w", err)
	}
	return total, nil
}

// countRowGeneric adds the distances from a to every hash in bs to h, in
// portable Go (countRow uses it for what its vector kernel leaves). Four
// interleaved histograms break the store-to-load dependency when
// consecutive pairs land in the same bin.
func countRowGeneric(h *[4][257]int64, a [4]uint64, bs [][4]uint64) {
	j := 0
	for ; j+4 <= len(bs); j += 4 {
		b0, b1, b2, b3 := &bs[j], &bs[j+1], &bs[j+2], &bs[j+3]
		d0 := bits.OnesCount64(a[0]^b0[0]) + bits.OnesCount64(a[1]^b0[1]) + bits.OnesCount64(a[2]^b0[2]) + bits.OnesCount64(a[3]^b0[3])
		d1 := bits.OnesCount64(a[0]^b1[0]) + bits.OnesCount64(a[1]^b1[1]) + bits.OnesCount64(a[2]^b1[2]) + bits.OnesCount64(a[3]^b1[3])
		d2 := bits.OnesCount64(a[0]^b2[0]) + bits.OnesCount64(a[1]^b2[1]) + bits.OnesCount64(a[2]^b2[2]) + bits.OnesCount64(a[3]^b2[3])
		d3 := bits.OnesCount64(a[0]^b3[0]) + bits.OnesCount64(a[1]^b3[1]) + bits.OnesCount64(a[2]^b3[2]) + bits.OnesCount64(a[3]^b3[3])
		h[0][d0]++
		h[1][d1]++
		h[2][d2]++
		h[3][d3]++
	}
	for ; j < len(bs); j++ {
		b := &bs[j]
		d := bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) + bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
		h[0][d]++
	}
}

// bounded32 maps a uniform 32-bit x to a uniform value below n (Lemire,
// "Fast random integer generation in an interval", 2019); ok is false when
// x must be rejected and a fresh one drawn.
func bounded32(x, n uint32) (v uint32, ok bool) {
	m := uint64(x) * uint64(n)
	if lo := uint32(m); lo < n && lo < -n%n {
		return 0, false
	}
	return uint32(m >> 32), true
}

// sampleChunks is the fixed number of independent sampler streams; each
// draws its share of the samples from PCG(seed, chunk), so the sample is
// the same whatever the number of workers.
const sampleChunks = 256

// samplePairs counts the distances of m pairs (i, j), i != j, drawn
// uniformly and independently from the distinct pairs.
func samplePairs(ctx context.Context, ws [][4]uint64, m int64, seed uint64, workers int) ([]int64, error) {
	if uint64(len(ws)) > math.MaxUint32 {
		return nil, fmt.Errorf("bench: sample pairs: %d hashes, at most 2^32-1 supported", len(ws))
	}
	total := make([]int64, 257)
	err := parallel(ctx, sampleChunks, workers, nil, func(c int) func() {
		var h [257]int64
		sampleChunk(&h, ws, m, seed, int64(c))
		return func() {
			for d := range total {
				total[d] += h[d]
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bench: sample pairs: %w", err)
	}
	return total, nil
}

// sampleChunk adds stream c's share of m sampled pairs to h.
func sampleChunk(h *[257]int64, ws [][4]uint64, m int64, seed uint64, c int64) {
	n := uint32(len(ws))
	share := m / sampleChunks
	if c < m%sampleChunks {
		share++
	}
	rng := rand.NewPCG(seed, uint64(c))
	for s := int64(0); s < share; {
		// One 64-bit draw gives both indexes, each by Lemire's
		// unbiased multiply-and-reject method on 32 bits.
		r := rng.Uint64()
		i, ok1 := bounded32(uint32(r>>32), n)
		j, ok2 := bounded32(uint32(r), n-1)
		if !ok1 || !ok2 {
			continue
		}
		s++
		if j >= i {
			j++
		}
		a, b := &ws[i], &ws[j]
		d := bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) + bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
		h[d]++
	}
}
