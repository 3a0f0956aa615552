package attack

import "math"

// An axisOp is a linear map along one image axis from in samples to out
// samples, stored densely, row by row: the separable resize stages of the
// hashers written as matrices, so that both the resize and its adjoint (the
// transpose) are at hand. The 2-D resize of an H x W plane is Ry P Rx^T.
type axisOp struct {
	in, out int
	m       []float64 // out x in
}

func newAxisOp(in, out int) *axisOp {
	return &axisOp{in: in, out: out, m: make([]float64, in*out)}
}

func (a *axisOp) row(i int) []float64 { return a.m[i*a.in : (i+1)*a.in] }

// mul returns the composition a.b (apply b, then a).
func (a *axisOp) mul(b *axisOp) *axisOp {
	c := newAxisOp(b.in, a.out)
	for i := 0; i < a.out; i++ {
		ci := c.row(i)
		for k, v := range a.row(i) {
			if v == 0 {
				continue
			}
			for j, u := range b.row(k) {
				ci[j] += v * u
			}
		}
	}
	return c
}

// gram returns a a^T (out x out).
func (a *axisOp) gram() []float64 {
	g := make([]float64, a.out*a.out)
	for i := 0; i < a.out; i++ {
		for j := 0; j <= i; j++ {
			s := dot(a.row(i), a.row(j))
			g[i*a.out+j], g[j*a.out+i] = s, s
		}
	}
	return g
}

// lanczosOp is Pillow's LANCZOS resampling along one axis (precompute_coeffs
// in float64, before Pillow rounds the weights to fixed point): the resize
// the imagehash family uses.
func lanczosOp(in, out int) *axisOp {
	op := newAxisOp(in, out)
	if in == out {
		for i := 0; i < in; i++ {
			op.m[i*in+i] = 1
		}
		return op
	}
	scale := float64(in) / float64(out)
	fs := math.Max(scale, 1)
	support := 3 * fs
	for xx := 0; xx < out; xx++ {
		center := (float64(xx) + 0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), in)
		row := op.row(xx)
		ww := 0.0
		for x := xmin; x < xmax; x++ {
			v := lanczos3((float64(x) - center + 0.5) / fs)
			row[x] = v
			ww += v
		}
		if ww != 0 {
			for x := xmin; x < xmax; x++ {
				row[x] /= ww
			}
		}
	}
	return op
}

func lanczos3(x float64) float64 {
	if x < -3 || x >= 3 {
		return 0
	}
	return sinc(x) * sinc(x/3)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

// pdqOp is PDQ's downsampling along one axis of length n: two rounds of the
// reference's Jarosz box filter of window ceil(n/128) (each output the mean
// of the inputs [i-(win-half), i+half-1] that exist, half = (win+2)/2), then
// the sample at (int)((k+0.5)*n/64) for k = 0..63. A 64-sample axis is
// passed through, as the reference skips the filter for 64x64 images.
func pdqOp(n int) *axisOp {
	op := newAxisOp(n, 64)
	if n == 64 {
		for i := 0; i < 64; i++ {
			op.m[i*64+i] = 1
		}
		return op
	}
	win := (n + 127) / 128
	half := (win + 2) / 2
	span := func(i int) (lo, hi int) { return max(i-(win-half), 0), min(i+half-1, n-1) }
	for k := 0; k < 64; k++ {
		c := int((float64(k) + 0.5) * float64(n) / 64)
		row := op.row(k)
		lo, hi := span(c)
		for m := lo; m <= hi; m++ {
			wm := 1 / float64(hi-lo+1)
			l2, h2 := span(m)
			for j := l2; j <= h2; j++ {
				row[j] += wm / float64(h2-l2+1)
			}
		}
	}
	return op
}

// squashOp is CImg's nearest-neighbour resize of n samples to out: output x
// reads input floor(x*n/out).
func squashOp(n, out int) *axisOp {
	op := newAxisOp(n, out)
	for x := 0; x < out; x++ {
		op.m[x*n+x*n/out] = 1
	}
	return op
}
