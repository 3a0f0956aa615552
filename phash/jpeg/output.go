package jpeg

// This file turns component planes into output pixels as libjpeg-turbo's
// default decompression does: chroma upsampling (jdsample.c) and colour
// conversion (jdcolor.c).
//
// Upsampling, per component, by the ratio of the largest sampling factors
// to its own:
//   - 1x1: none;
//   - 2x1: "fancy" triangular interpolation, each output sample 3/4 of the
//     nearer input and 1/4 of the further one, with libjpeg's alternating
//     rounding biases (+1, +2); plain replication when the component is at
//     most 2 samples wide, as libjpeg-turbo does;
//   - 2x2: triangular in both directions (9/16, 3/16, 3/16, 1/16), biases
//     +8 and +7; replication when at most 2 samples wide;
//   - 1x2: triangular vertically, biases +1 and +2;
//   - other integral ratios: replication.
//
// Rows above the first and below the last real row repeat the edge row,
// and columns past the edge are never read. Colour conversion uses libjpeg's
// 16-bit fixed-point tables built from the JFIF coefficients, rounded once.

// ycc holds libjpeg's build_ycc_rgb_table tables.
var ycc = func() (t struct{ crR, cbB, crG, cbG [256]int32 }) {
	const scale = 16
	const half = 1 << (scale - 1)
	fix := func(x float64) int64 { return int64(x*(1<<scale) + 0.5) }
	for i := 0; i < 256; i++ {
		x := int64(i - 128)
		t.crR[i] = int32((fix(1.40200)*x + half) >> scale)
		t.cbB[i] = int32((fix(1.77200)*x + half) >> scale)
		t.crG[i] = int32(-fix(0.71414) * x)
		t.cbG[i] = int32(-fix(0.34414)*x + half)
	}
	return t
}()

func clamp8(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// upsampler produces the rows of one component at full resolution.
type upsampler struct {
	c      *component
	hx, vx int // expansion ratios
	fancy  bool
	stride int
	buf    []byte
	outW   int
}

func (d *decoder) newUpsampler(c *component) *upsampler {
	u := &upsampler{c: c, hx: d.maxH / c.h, vx: d.maxV / c.v, stride: c.bw * 8}
	u.outW = c.dsW * u.hx
	switch {
	case u.hx == 1 && u.vx == 1:
	case u.hx == 2 && u.vx == 1, u.hx == 2 && u.vx == 2:
		u.fancy = c.dsW > 2
	case u.hx == 1 && u.vx == 2:
		u.fancy = true
	}
	u.buf = make([]byte, max(u.outW, d.width))
	return u
}

// row returns output row y of the component, at least d.width samples.
func (u *upsampler) row(y int) []byte {
	c := u.c
	p := c.plane
	if u.hx == 1 && u.vx == 1 {
		return p[y*u.stride : y*u.stride+c.dsW]
	}
	out := u.buf
	iy := y / u.vx
	in0 := p[iy*u.stride : iy*u.stride+c.dsW]
	if !u.fancy {
		if u.hx == 1 {
			return in0
		}
		for x := range c.dsW {
			v := in0[x]
			for k := 0; k < u.hx; k++ {
				out[x*u.hx+k] = v
			}
		}
		return out
	}
	var in1 []byte
	var bias int
	if u.vx == 2 {
		ny := iy + 1
		bias = 2
		if y%2 == 0 {
			ny = iy - 1
			bias = 1
		}
		ny = min(max(ny, 0), c.dsH-1)
		in1 = p[ny*u.stride : ny*u.stride+c.dsW]
	}
	w := c.dsW
	switch {
	case u.hx == 2 && u.vx == 1:
		out[0] = in0[0]
		out[1] = uint8((int(in0[0])*3 + int(in0[1]) + 2) >> 2)
		for x := 1; x < w-1; x++ {
			v := int(in0[x]) * 3
			out[2*x] = uint8((v + int(in0[x-1]) + 1) >> 2)
			out[2*x+1] = uint8((v + int(in0[x+1]) + 2) >> 2)
		}
		v := int(in0[w-1])
		out[2*w-2] = uint8((v*3 + int(in0[w-2]) + 1) >> 2)
		out[2*w-1] = uint8(v)
	case u.hx == 1:
		for x := 0; x < w; x++ {
			out[x] = uint8((int(in0[x])*3 + int(in1[x]) + bias) >> 2)
		}
	default: // 2x2
		this := int(in0[0])*3 + int(in1[0])
		next := int(in0[1])*3 + int(in1[1])
		out[0] = uint8((this*4 + 8) >> 4)
		out[1] = uint8((this*3 + next + 7) >> 4)
		last := this
		this = next
		for x := 1; x < w-1; x++ {
			next = int(in0[x+1])*3 + int(in1[x+1])
			out[2*x] = uint8((this*3 + last + 8) >> 4)
			out[2*x+1] = uint8((this*3 + next + 7) >> 4)
			last, this = this, next
		}
		out[2*w-2] = uint8((this*3 + last + 8) >> 4)
		out[2*w-1] = uint8((this*4 + 7) >> 4)
	}
	return out
}

func (d *decoder) outputGray(dst []byte, stride int) {
	u := d.newUpsampler(&d.comps[0])
	for y := 0; y < d.height; y++ {
		copy(dst[y*stride:y*stride+d.width], u.row(y))
	}
}

func (d *decoder) outputRGB(dst []byte) error {
	u0, u1, u2 := d.newUpsampler(&d.comps[0]), d.newUpsampler(&d.comps[1]), d.newUpsampler(&d.comps[2])
	w := d.width
	for y := 0; y < d.height; y++ {
		r0, r1, r2 := u0.row(y)[:w], u1.row(y)[:w], u2.row(y)[:w]
		out := dst[3*w*y : 3*w*(y+1)]
		if d.colorSpace == csRGB {
			for x := 0; x < w; x++ {
				out[3*x], out[3*x+1], out[3*x+2] = r0[x], r1[x], r2[x]
			}
			continue
		}
		yccRow(out, r0, r1, r2)
	}
	return nil
}

// outputCMYK writes ink amounts (0 = no ink), undoing the inversion Adobe
// applications store, as image/jpeg and Pillow's "CMYK;I" do.
func (d *decoder) outputCMYK(dst []byte, stride int) {
	var u [4]*upsampler
	for i := range u {
		u[i] = d.newUpsampler(&d.comps[i])
	}
	w := d.width
	for y := 0; y < d.height; y++ {
		r0, r1, r2, r3 := u[0].row(y)[:w], u[1].row(y)[:w], u[2].row(y)[:w], u[3].row(y)[:w]
		out := dst[y*stride : y*stride+4*w]
		for x := 0; x < w; x++ {
			c, m, yl := r0[x], r1[x], r2[x]
			if d.colorSpace == csYCCK {
				yy := int32(c)
				cb, cr := m, yl
				c = 255 - clamp8(yy+ycc.crR[cr])
				m = 255 - clamp8(yy+(ycc.cbG[cb]+ycc.crG[cr])>>16)
				yl = 255 - clamp8(yy+ycc.cbB[cb])
			}
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = 255-c, 255-m, 255-yl, 255-r3[x]
		}
	}
}

// yccRow converts one row of YCbCr samples to packed RGB with libjpeg's
// tables. The output row must hold 3*len(y) bytes.
func yccRow(out, y, cb, cr []byte) {
	cb, cr = cb[:len(y)], cr[:len(y)]
	out = out[:3*len(y)]
	for x, yv := range y {
		yy := int32(yv) + clampOff
		b, r := cb[x], cr[x]
		o := out[3*x : 3*x+3 : 3*x+3]
		o[0] = clampTab[(yy+ycc.crR[r])&1023]
		o[1] = clampTab[(yy+(ycc.cbG[b]+ycc.crG[r])>>16)&1023]
		o[2] = clampTab[(yy+ycc.cbB[b])&1023]
	}
}

// clampTab[v+clampOff] clamps v to 0..255 for v in -256..511, which
// covers every Y + chroma offset the tables produce; indexes are masked
// to the table's size so that no bounds check is needed.
const clampOff = 256

var clampTab = func() (t [1024]uint8) {
	for i := range t {
		t[i] = clamp8(int32(i - clampOff))
	}
	return t
}()
