package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/phash"
)

// randomHashes returns n hashes of the given length whose bits are biased
// (so distances spread unevenly), from a logged seed.
func randomHashes(t testing.TB, n, nbits int, seed uint64) []phash.Hash {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]phash.Hash, n)
	for i := range out {
		bitsv := make([]bool, nbits)
		for b := range bitsv {
			bitsv[b] = rng.Float64() < 0.2+0.6*float64(b%7)/6
		}
		h, err := phash.FromBits("test", bitsv)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = h
	}
	return out
}

func TestPairHistogramMatchesNaive(t *testing.T) {
	for _, nbits := range []int{64, 100, 256} {
		for _, n := range []int{2, 3, 7, 1100, 1500} {
			hs := randomHashes(t, n, nbits, uint64(n*nbits))
			want := make([]int64, nbits+1)
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					d, err := phash.Distance(hs[i], hs[j])
					if err != nil {
						t.Fatal(err)
					}
					want[d]++
				}
			}
			for _, workers := range []int{1, 3} {
				pc, err := PairHistogram(context.Background(), hs, PairOptions{Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				if !pc.Exact || pc.Compared != int64(n*(n-1)/2) || fmt.Sprint(pc.Counts) != fmt.Sprint(want) {
					t.Fatalf("bits=%d n=%d workers=%d: histogram differs from naive loop", nbits, n, workers)
				}
			}
		}
	}
}

func TestPairHistogramExtremes(t *testing.T) {
	// Distances 0 and 256 land in their own bins.
	zero, _ := phash.NewHash("test", 256, make([]byte, 32))
	ones := make([]byte, 32)
	for i := range ones {
		ones[i] = 0xff
	}
	full, _ := phash.NewHash("test", 256, ones)
	hs := []phash.Hash{zero, full, zero, full, zero, full, zero}
	pc, err := PairHistogram(context.Background(), hs, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pc.Counts[0] != 6+3 || pc.Counts[256] != 12 {
		t.Fatalf("counts at 0 and 256: %d %d, want 9 12", pc.Counts[0], pc.Counts[256])
	}
}

func TestPairHistogramSampled(t *testing.T) {
	hs := randomHashes(t, 300, 256, 9)
	exact, err := PairHistogram(context.Background(), hs, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opt := PairOptions{MaxExactPairs: 1000, Samples: 400_000, Seed: 5}
	a, err := PairHistogram(context.Background(), hs, PairOptions{MaxExactPairs: 1000, Samples: 400_000, Seed: 5, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := PairHistogram(context.Background(), hs, PairOptions{MaxExactPairs: 1000, Samples: 400_000, Seed: 5, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if a.Exact || a.Compared != opt.Samples || fmt.Sprint(a.Counts) != fmt.Sprint(b.Counts) {
		t.Fatal("sample depends on the worker count or is mislabelled")
	}
	var sum int64
	for _, c := range a.Counts {
		sum += c
	}
	if sum != opt.Samples {
		t.Fatalf("sampled %d pairs, want %d", sum, opt.Samples)
	}
	// The sampled rate at a threshold must fall inside the exact rate's
	// sampling interval (tested at a few thresholds; 99.9% intervals).
	for _, th := range []int{100, 115, 125} {
		var ke, ks int64
		for d := 0; d <= th; d++ {
			ke += exact.Counts[d]
			ks += a.Counts[d]
		}
		iv, _ := ClopperPearson(ks, a.Compared, 0.999)
		p := float64(ke) / float64(exact.Compared)
		if p < iv.Low || p > iv.High {
			t.Errorf("threshold %d: exact rate %g outside sampled interval [%g, %g]", th, p, iv.Low, iv.High)
		}
	}
}

func TestPairHistogramErrors(t *testing.T) {
	hs := randomHashes(t, 3, 64, 1)
	other := randomHashes(t, 1, 256, 1)
	if _, err := PairHistogram(context.Background(), append(hs, other...), PairOptions{}); err == nil {
		t.Fatal("mixed lengths accepted")
	}
	if _, err := PairHistogram(context.Background(), hs[:1], PairOptions{}); err == nil {
		t.Fatal("single hash accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PairHistogram(ctx, randomHashes(t, 500, 64, 2), PairOptions{}); err == nil {
		t.Fatal("cancelled context ignored")
	}
}

// BenchmarkAllPairs measures exact counting with the portable loop and
// with the vector kernel (where the CPU has one), side by side; run it with
// -cpu 1 for pairs/s per core.
func BenchmarkAllPairs(b *testing.B) {
	for _, n := range []int{1000, 10000, 30000} {
		hs := randomHashes(b, n, 256, 3)
		pairs := float64(n) * float64(n-1) / 2
		for _, kernel := range []string{"generic", "vector"} {
			b.Run(fmt.Sprintf("n=%d/kernel=%s", n, kernel), func(b *testing.B) {
				restore, ok := setVectorKernel(kernel == "vector")
				defer restore()
				if !ok {
					b.Skip("no vector kernel on this CPU")
				}
				b.ReportAllocs()
				c0 := cpuSeconds()
				for b.Loop() {
					if _, err := PairHistogram(context.Background(), hs, PairOptions{MaxExactPairs: 1 << 62}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(pairs*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
				if c := cpuSeconds() - c0; c > 0 {
					// Pairs per second of CPU time: the per-core rate even
					// when other jobs share the machine.
					b.ReportMetric(pairs*float64(b.N)/c, "pairs/cpu-s")
				}
			})
		}
	}
	hs := randomHashes(b, 100000, 256, 4)
	b.Run("n=100000/sampled=2e7", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := PairHistogram(context.Background(), hs, PairOptions{Samples: 2e7, MaxExactPairs: 1}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(2e7*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	})
}

func TestBounded32Uniform(t *testing.T) {
	// Lemire's method accepts, for value v, exactly the x with x*n in
	// [v*2^32 + (2^32 mod n), (v+1)*2^32): floor(2^32/n) of them for every
	// v, so accepted draws are uniform. Check the interval's edges and size
	// at the first and last value.
	for _, n := range []uint32{1, 2, 3, 6, 99991, 1<<31 + 1} {
		// The accepted x for value v are those with x*n in
		// [v*2^32 + (2^32 mod n), (v+1)*2^32): count them at v=0, v=n-1.
		for _, v := range []uint32{0, n - 1} {
			var cnt uint64
			lo := (uint64(v)<<32 + (1<<32)%uint64(n) + uint64(n) - 1) / uint64(n)
			hi := ((uint64(v) + 1) << 32) / uint64(n)
			if ((uint64(v)+1)<<32)%uint64(n) == 0 {
				hi--
			}
			for _, x := range []uint64{lo - 1, lo, hi, hi + 1} {
				if x > math.MaxUint32 {
					continue
				}
				got, ok := bounded32(uint32(x), n)
				in := x >= lo && x <= hi
				if in != (ok && got == v) {
					t.Fatalf("n=%d v=%d x=%d: got %d ok=%v, in range %v", n, v, x, got, ok, in)
				}
			}
			cnt = hi - lo + 1
			if cnt != (1<<32)/uint64(n) {
				t.Fatalf("n=%d v=%d: %d accepted x, want %d", n, v, cnt, (1<<32)/uint64(n))
			}
		}
	}
}

// TestCountRowKernel checks countRow (the vector kernel where the CPU has
// one) against the portable loop on rows of every length up to 40, with
// distances 0 and 256 among them.
func TestCountRowKernel(t *testing.T) {
	t.Logf("AVX-512 kernel: %v", haveAVX512Popcnt)
	rng := rand.New(rand.NewPCG(21, 1))
	for n := 0; n <= 40; n++ {
		a := [4]uint64{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
		bs := make([][4]uint64, n)
		for j := range bs {
			switch j % 11 {
			case 3:
				bs[j] = a
			case 7:
				bs[j] = [4]uint64{^a[0], ^a[1], ^a[2], ^a[3]}
			default:
				bs[j] = [4]uint64{rng.Uint64(), rng.Uint64() & rng.Uint64(), rng.Uint64() | rng.Uint64(), rng.Uint64()}
			}
		}
		var got, want [4][257]int64
		countRow(&got, a, bs)
		countRowGeneric(&want, a, bs)
		var sg, sw [257]int64
		for d := range sg {
			for k := 0; k < 4; k++ {
				sg[d] += got[k][d]
				sw[d] += want[k][d]
			}
		}
		if sg != sw {
			t.Fatalf("n=%d: kernel histogram differs from the portable loop", n)
		}
	}
}
