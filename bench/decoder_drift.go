package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/privmatch/privmatch/phash"
)

// DecoderDrift is how far one algorithm's hashes of a corpus's JPEG files
// move when only the JPEG decoder changes: Go's image/jpeg against
// libjpeg-turbo's pixels (phash.JPEGGo against phash.JPEGLibjpeg). Every
// hash is bit-exact with its reference on the same pixels, so this is the
// error a user sees who hashes files with one decoder and compares with
// hashes made by tools using the other.
type DecoderDrift struct {
	Algorithm string `json:"algorithm"`
	// JPEGs is the number of JPEG items both decoders decoded.
	JPEGs int `json:"jpegs"`
	// Changed is how many of them hash differently.
	Changed int `json:"changed"`
	// MeanBits and MaxBits are the mean and largest Hamming distance
	// between the two hashes of an item, over all JPEGs.
	MeanBits float64 `json:"mean_bits"`
	MaxBits  int     `json:"max_bits"`
	// Threshold is the algorithm's match threshold in bits; OverThreshold
	// counts items whose two hashes would not match each other.
	Threshold     int `json:"threshold"`
	OverThreshold int `json:"over_threshold"`
}

// DecoderDriftResult holds MeasureDecoderDrift's answer.
type DecoderDriftResult struct {
	// Algorithms has one entry per hasher, in the order given.
	Algorithms []DecoderDrift `json:"algorithms"`
	// NotJPEG counts items skipped because they are not JPEG files.
	NotJPEG int `json:"not_jpeg"`
	// Failed lists items either decoder or a hasher failed on, with why.
	Failed []string `json:"failed,omitempty"`
}

// MeasureDecoderDrift hashes every JPEG item of c with each hasher twice,
// once from image/jpeg's pixels and once from libjpeg-turbo's, and
// reports per hasher how far the hashes move. Items that are not JPEG
// files are skipped and counted. Items are measured on GOMAXPROCS
// goroutines; the result does not depend on their number. It stops early,
// with ctx's error, when ctx is done.
func MeasureDecoderDrift(ctx context.Context, c *Corpus, hashers []phash.Hasher) (*DecoderDriftResult, error) {
	res := &DecoderDriftResult{Algorithms: make([]DecoderDrift, len(hashers))}
	for i, h := range hashers {
		res.Algorithms[i] = DecoderDrift{Algorithm: h.Name(), Threshold: h.Threshold().Distance}
	}
	// One outcome per item, filled by the workers and summed in item
	// order so that Failed keeps the corpus's order.
	type outcome struct {
		dists   []int
		notJPEG bool
		err     error
	}
	outs := make([]outcome, len(c.Items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(c.Items), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				o := &outs[i]
				data, err := c.Items[i].Data()
				switch {
				case err != nil:
					o.err = err
				case len(data) < 2 || data[0] != 0xff || data[1] != 0xd8:
					o.notJPEG = true
				default:
					o.dists, o.err = driftOne(data, hashers)
				}
			}
		}()
	}
	var cerr error
	for i := range c.Items {
		if cerr = ctx.Err(); cerr != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if cerr != nil {
		return nil, fmt.Errorf("bench: decoder drift: %w", cerr)
	}
	sums := make([]int, len(hashers))
	for i, o := range outs {
		switch {
		case o.err != nil:
			res.Failed = append(res.Failed, fmt.Sprintf("%s: %v", c.Items[i].ID, o.err))
			continue
		case o.notJPEG:
			res.NotJPEG++
			continue
		}
		for j, d := range o.dists {
			a := &res.Algorithms[j]
			a.JPEGs++
			sums[j] += d
			a.MaxBits = max(a.MaxBits, d)
			if d > 0 {
				a.Changed++
			}
			if d > a.Threshold {
				a.OverThreshold++
			}
		}
	}
	for i := range res.Algorithms {
		if n := res.Algorithms[i].JPEGs; n > 0 {
			res.Algorithms[i].MeanBits = float64(sums[i]) / float64(n)
		}
	}
	return res, nil
}

// driftOne returns, per hasher, the distance between the hashes of one
// JPEG file decoded by each decoder.
func driftOne(data []byte, hashers []phash.Hasher) ([]int, error) {
	lib, err := phash.DecodeBytes(data, phash.LoadOptions{Decoder: phash.JPEGLibjpeg})
	if err != nil {
		return nil, fmt.Errorf("libjpeg decoder: %w", err)
	}
	std, err := phash.DecodeBytes(data, phash.LoadOptions{Decoder: phash.JPEGGo})
	if err != nil {
		return nil, fmt.Errorf("go decoder: %w", err)
	}
	out := make([]int, len(hashers))
	for i, h := range hashers {
		a, err := h.Hash(lib)
		if err != nil {
			return nil, err
		}
		b, err := h.Hash(std)
		if err != nil {
			return nil, err
		}
		if out[i], err = phash.Distance(a, b); err != nil {
			return nil, err
		}
	}
	return out, nil
}
