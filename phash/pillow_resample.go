package phash

import (
	"math"
	"sync"
)

// This file reproduces Pillow 9.4's ImagingResample for 8-bit single-band
// ('L') images with the LANCZOS filter, as Image.resize(size, LANCZOS) runs
// it with no box and no reducing_gap: a horizontal pass, then a vertical
// pass, each with per-output-pixel filter weights normalised to sum 1 and
// quantised to fixed point with pillowPrecisionBits fractional bits; each
// pass rounds (by adding one half before truncating) and clips to 0..255.
// A pass whose size does not change is skipped, and an unchanged size is a
// copy.

// pillowPrecisionBits is Pillow's PRECISION_BITS for 8-bit resampling:
// 32 bits less 8 for the sample and 2 for overflow.
const pillowPrecisionBits = 32 - 8 - 2

// lanczosSupport is the half-width of Pillow's LANCZOS filter (a=3).
const lanczosSupport = 3.0

// pillowKernel holds the fixed-point weights of one resampling pass.
type pillowKernel struct {
	ksize  int     // weights per output pixel (some trailing ones zero)
	bounds []int   // first input index and tap count per output pixel
	coeffs []int32 // outSize*ksize fixed-point weights
}

// sincPillow is Pillow's sinc_filter.
func sincPillow(x float64) float64 {
	if x == 0 {
		return 1
	}
	x = x * math.Pi
	return math.Sin(x) / x
}

// lanczosPillow is Pillow's lanczos_filter: sinc(x)*sinc(x/3) on [-3, 3).
func lanczosPillow(x float64) float64 {
	if -3.0 <= x && x < 3.0 {
		return float64(sincPillow(x) * sincPillow(x/3))
	}
	return 0
}

// newPillowKernel computes the weights Pillow's precompute_coeffs and
// normalize_coeffs_8bpc compute for resizing inSize samples to outSize over
// the whole input (box 0..inSize), in the same order of floating-point
// operations.
func newPillowKernel(inSize, outSize int) *pillowKernel {
	scale := float64(inSize) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := lanczosSupport * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	k := &pillowKernel{
		ksize:  ksize,
		bounds: make([]int, 2*outSize),
		coeffs: make([]int32, outSize*ksize),
	}
	w := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := float64((float64(xx) + 0.5) * scale)
		ss := 1.0 / filterscale
		xmin := int(float64(center - support + 0.5))
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(float64(center + support + 0.5))
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			v := lanczosPillow(float64(float64(float64(x+xmin)-center)+0.5) * ss)
			w[x] = v
			ww += v
		}
		row := k.coeffs[xx*ksize : (xx+1)*ksize]
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				row[x] = int32(-0.5 + float64(v*(1<<pillowPrecisionBits)))
			} else {
				row[x] = int32(0.5 + float64(v*(1<<pillowPrecisionBits)))
			}
		}
		k.bounds[2*xx] = xmin
		k.bounds[2*xx+1] = xmax
	}
	return k
}

// kernelCache holds kernels per (inSize, outSize). It is bounded so that a
// stream of images of many sizes cannot grow it without limit.
var kernelCache struct {
	sync.Mutex
	m map[[2]int]*pillowKernel
}

const kernelCacheMax = 512

// pillowKernelFor returns the (cached) kernel for inSize -> outSize.
func pillowKernelFor(inSize, outSize int) *pillowKernel {
	key := [2]int{inSize, outSize}
	kernelCache.Lock()
	k, ok := kernelCache.m[key]
	kernelCache.Unlock()
	if ok {
		return k
	}
	k = newPillowKernel(inSize, outSize)
	kernelCache.Lock()
	if kernelCache.m == nil {
		kernelCache.m = make(map[[2]int]*pillowKernel)
	}
	if len(kernelCache.m) < kernelCacheMax {
		kernelCache.m[key] = k
	}
	kernelCache.Unlock()
	return k
}

// clip8Pillow turns a fixed-point accumulator into a byte as Pillow's clip8:
// an arithmetic shift by pillowPrecisionBits, clamped to 0..255.
func clip8Pillow(ss int32) uint8 {
	v := ss >> pillowPrecisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// pillowResizeL resizes the inW x inH 8-bit image src to outW x outH as
// Pillow 9.4's Image.resize((outW, outH), Image.LANCZOS) does for mode 'L'.
// dst and tmp are reused when large enough; the result and the (possibly
// grown) tmp buffer are returned.
func pillowResizeL(dst, tmp, src []uint8, inW, inH, outW, outH int) (out, tmpOut []uint8) {
	n := outW * outH
	if cap(dst) < n {
		dst = make([]uint8, n)
	}
	dst = dst[:n]
	if inW == outW && inH == outH {
		copy(dst, src[:n])
		return dst, tmp
	}
	needH := outW != inW
	needV := outH != inH
	if !needH {
		resampleVertical(dst, src, inW, pillowKernelFor(inH, outH), 0, outH)
		return dst, tmp
	}
	kh := pillowKernelFor(inW, outW)
	if !needV {
		resampleHorizontal(dst, src, inW, outW, kh, 0, inH)
		return dst, tmp
	}
	kv := pillowKernelFor(inH, outH)
	// Only the input rows some output row reads are resampled horizontally.
	first := kv.bounds[0]
	last := kv.bounds[2*outH-2] + kv.bounds[2*outH-1]
	rows := last - first
	if cap(tmp) < rows*outW {
		tmp = make([]uint8, rows*outW)
	}
	tmp = tmp[:rows*outW]
	resampleHorizontal(tmp, src, inW, outW, kh, first, rows)
	resampleVertical(dst, tmp, outW, kv, first, outH)
	return dst, tmp
}

// resampleHorizontal resamples rows first..first+rows-1 of src (width inW)
// into rows 0..rows-1 of dst (width outW).
func resampleHorizontal(dst, src []uint8, inW, outW int, k *pillowKernel, first, rows int) {
	for y := 0; y < rows; y++ {
		in := src[(first+y)*inW : (first+y+1)*inW]
		out := dst[y*outW : (y+1)*outW]
		for xx := range out {
			xmin, xmax := k.bounds[2*xx], k.bounds[2*xx+1]
			w := k.coeffs[xx*k.ksize : xx*k.ksize+xmax]
			px := in[xmin : xmin+xmax]
			px = px[:len(w)]
			// Two accumulators shorten the dependency chain; int32 sums
			// wrap the same in any order, so the result is Pillow's.
			var s0, s1 int32
			i := 0
			for ; i+8 <= len(w); i += 8 {
				p, c := px[i:i+8:i+8], w[i:i+8:i+8]
				s0 += int32(p[0])*c[0] + int32(p[2])*c[2] + int32(p[4])*c[4] + int32(p[6])*c[6]
				s1 += int32(p[1])*c[1] + int32(p[3])*c[3] + int32(p[5])*c[5] + int32(p[7])*c[7]
			}
			for ; i < len(w); i++ {
				s0 += int32(px[i]) * w[i]
			}
			out[xx] = clip8Pillow(int32(1)<<(pillowPrecisionBits-1) + s0 + s1)
		}
	}
}

// resampleVertical resamples columns of src (width w) into the outH rows of
// dst; kernel bounds are shifted down by first, the first row src holds.
func resampleVertical(dst, src []uint8, w int, k *pillowKernel, first, outH int) {
	acc := make([]int32, w)
	for yy := 0; yy < outH; yy++ {
		ymin, ymax := k.bounds[2*yy]-first, k.bounds[2*yy+1]
		for x := range acc {
			acc[x] = 1 << (pillowPrecisionBits - 1)
		}
		for y, c := range k.coeffs[yy*k.ksize : yy*k.ksize+ymax] {
			row := src[(ymin+y)*w : (ymin+y+1)*w]
			for x, p := range row {
				acc[x] += int32(p) * c
			}
		}
		out := dst[yy*w : (yy+1)*w]
		for x := range out {
			out[x] = clip8Pillow(acc[x])
		}
	}
}
