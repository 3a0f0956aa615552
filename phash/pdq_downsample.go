package phash

import (
	"image"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash/jpeg"
)

// PDQ's downsampling: float32 luma, two rounds of Jarosz box filters (rows
// then columns), decimation to 64x64. The reference (downscaling.cpp) runs
// four full passes over two image-sized buffers; this file computes the
// same float32 values in the same order of operations per pixel, but
//   - fuses the luma conversion into the first row pass and the first column
//     pass into the second row pass, so only one image-sized buffer is used;
//   - runs several rows' running sums side by side, since each row's sum is
//     a serial chain of float adds;
//   - computes the second round only where decimation samples it: 64
//     columns of the second row pass, 64 rows of the second column pass;
//   - divides by the window size as float32(float64(sum) * (1/n)), which is
//     the correctly rounded float32 quotient sum/n (see pdqRecip).

// Luma coefficients as the reference stores them: float32 constants.
const (
	pdqLumaR float32 = 0.299
	pdqLumaG float32 = 0.587
	pdqLumaB float32 = 0.114
)

// pdqLumaTab[c][v] is the float32 product coefficient(c) * v, exactly as
// the reference computes each term of its luma sum.
var pdqLumaTab = func() (t [3][256]float32) {
	for v := 0; v < 256; v++ {
		t[0][v] = pdqLumaR * float32(v)
		t[1][v] = pdqLumaG * float32(v)
		t[2][v] = pdqLumaB * float32(v)
	}
	return t
}()

// pdqLuma is the reference's float32 luma of one 8-bit RGB pixel:
// (0.299*R + 0.587*G) + 0.114*B, each product and sum rounded to float32.
func pdqLuma(r, g, b uint8) float32 {
	return (pdqLumaTab[0][r] + pdqLumaTab[1][g]) + pdqLumaTab[2][b]
}

// pdqWindow is the reference's computeJaroszFilterWindowSize(old, 64):
// ceil(old/128).
func pdqWindow(old int) int { return (old + 2*64 - 1) / (2 * 64) }

// pdqRecip fills rec[i] with 1/n(i) in float64, where n(i) is the number of
// samples the reference's box1DFloat averages for output i of a line of
// length len(rec) with window win.
//
// float32(float64(x) * rec[i]) equals the float32 quotient x / float32(n)
// for every float32 x (outside subnormals): the float64 product is within
// 2^-52 relative of x/n, while x/n, for n < 2^27, is never a float32 rounding
// midpoint and lies at least 2^-24/n relative away from any midpoint, so
// both round to the same float32.
func pdqRecip(rec []float64, win int) {
	n := len(rec)
	half := (win + 2) / 2
	cnt := half - 1
	oi := 0
	for i := 0; i < win-half+1; i++ {
		cnt++
		rec[oi] = 1 / float64(cnt)
		oi++
	}
	for i := 0; i < n-win; i++ {
		rec[oi] = 1 / float64(cnt)
		oi++
	}
	for i := 0; i < half-1; i++ {
		cnt--
		rec[oi] = 1 / float64(cnt)
		oi++
	}
}

// pdqBoxSums1 writes to out the running sums of the reference's box1DFloat
// over in (stride 1, window win), before the division by the window count.
func pdqBoxSums1(in, out []float32, win int) {
	n := len(in)
	out = out[:n]
	half := (win + 2) / 2
	var s float32
	ri := 0
	for ; ri < half-1; ri++ {
		s += in[ri]
	}
	oi := 0
	for ; ri < win; ri++ {
		s += in[ri]
		out[oi] = s
		oi++
	}
	for li := 0; ri < n; li++ {
		s += in[ri]
		s -= in[li]
		out[oi] = s
		ri++
		oi++
	}
	for li := n - win; oi < n; li++ {
		s -= in[li]
		out[oi] = s
		oi++
	}
}

// pdqBoxSums4 is pdqBoxSums1 on four lines of equal length at once, so that
// their serial chains of float adds overlap.
func pdqBoxSums4(a, b, c, d, oa, ob, oc, od []float32, win int) {
	n := len(a)
	b, c, d = b[:n], c[:n], d[:n]
	oa, ob, oc, od = oa[:n], ob[:n], oc[:n], od[:n]
	half := (win + 2) / 2
	var sa, sb, sc, sd float32
	ri := 0
	for ; ri < half-1; ri++ {
		sa += a[ri]
		sb += b[ri]
		sc += c[ri]
		sd += d[ri]
	}
	oi := 0
	for ; ri < win; ri++ {
		sa += a[ri]
		sb += b[ri]
		sc += c[ri]
		sd += d[ri]
		oa[oi], ob[oi], oc[oi], od[oi] = sa, sb, sc, sd
		oi++
	}
	for li := 0; ri < n; li++ {
		sa += a[ri]
		sb += b[ri]
		sc += c[ri]
		sd += d[ri]
		sa -= a[li]
		sb -= b[li]
		sc -= c[li]
		sd -= d[li]
		oa[oi], ob[oi], oc[oi], od[oi] = sa, sb, sc, sd
		ri++
		oi++
	}
	for li := n - win; oi < n; li++ {
		sa -= a[li]
		sb -= b[li]
		sc -= c[li]
		sd -= d[li]
		oa[oi], ob[oi], oc[oi], od[oi] = sa, sb, sc, sd
		oi++
	}
}

// pdqBox4 is pdqBoxSums4 followed by the division by the window counts,
// given as reciprocals (see pdqRecip).
func pdqBox4(a, b, c, d, oa, ob, oc, od []float32, win int, rec []float64) {
	n := len(a)
	b, c, d = b[:n], c[:n], d[:n]
	oa, ob, oc, od, rec = oa[:n], ob[:n], oc[:n], od[:n], rec[:n]
	half := (win + 2) / 2
	var sa, sb, sc, sd float32
	ri := 0
	for ; ri < half-1; ri++ {
		sa += a[ri]
		sb += b[ri]
		sc += c[ri]
		sd += d[ri]
	}
	oi := 0
	for ; ri < win; ri++ {
		sa += a[ri]
		sb += b[ri]
		sc += c[ri]
		sd += d[ri]
		r := rec[oi]
		oa[oi], ob[oi], oc[oi], od[oi] = float32(float64(sa)*r), float32(float64(sb)*r), float32(float64(sc)*r), float32(float64(sd)*r)
		oi++
	}
	for li := 0; ri < n; li++ {
		sa += a[ri]
		sb += b[ri]
		sc += c[ri]
		sd += d[ri]
		sa -= a[li]
		sb -= b[li]
		sc -= c[li]
		sd -= d[li]
		r := rec[oi]
		oa[oi], ob[oi], oc[oi], od[oi] = float32(float64(sa)*r), float32(float64(sb)*r), float32(float64(sc)*r), float32(float64(sd)*r)
		ri++
		oi++
	}
	for li := n - win; oi < n; li++ {
		sa -= a[li]
		sb -= b[li]
		sc -= c[li]
		sd -= d[li]
		r := rec[oi]
		oa[oi], ob[oi], oc[oi], od[oi] = float32(float64(sa)*r), float32(float64(sb)*r), float32(float64(sc)*r), float32(float64(sd)*r)
		oi++
	}
}

// pdqScale divides a line of running sums by their window counts in place.
func pdqScale(line []float32, rec []float64) {
	rec = rec[:len(line)]
	for i, v := range line {
		line[i] = float32(float64(v) * rec[i])
	}
}

// pdqCentres returns the reference decimateFloat's sample index for each of
// the 64 outputs along an axis of length n: (int)((k + 0.5) * n / 64).
func pdqCentres(n int) (c [64]int) {
	for k := range c {
		c[k] = int((float64(k) + 0.5) * float64(n) / 64)
	}
	return c
}

// downsample fills small with the reference's 64x64 blurred and decimated
// luma of img, seen as w x h (the squashed size when squash applies).
func (s *pdqScratch) downsample(img image.Image, squash bool, w, h int, small *[64][64]float32) {
	src := s.lumaSource(img, squash, w, h)
	if w == 64 && h == 64 {
		// The reference skips the filter for 64x64 input.
		line := pdqGrow(s.lines, 64)
		s.lines = line
		for y := 0; y < 64; y++ {
			src.row(y, line)
			copy(small[y][:], line)
		}
		return
	}
	winRow, winCol := pdqWindow(w), pdqWindow(h)
	s.recRow = pdqGrow(s.recRow, w)
	s.recCol = pdqGrow(s.recCol, h)
	pdqRecip(s.recRow, winRow)
	pdqRecip(s.recCol, winCol)

	// Pass 1: luma rows, box filtered along each row, into boxed.
	s.boxed = pdqGrow(s.boxed, w*h)
	s.lines = pdqGrow(s.lines, 8*w)
	boxed, lines := s.boxed, s.lines
	y := 0
	for ; y+4 <= h; y += 4 {
		for k := 0; k < 4; k++ {
			src.row(y+k, lines[k*w:(k+1)*w])
		}
		pdqBox4(lines[0:w], lines[w:2*w], lines[2*w:3*w], lines[3*w:4*w],
			boxed[y*w:(y+1)*w], boxed[(y+1)*w:(y+2)*w], boxed[(y+2)*w:(y+3)*w], boxed[(y+3)*w:(y+4)*w], winRow, s.recRow)
	}
	for ; y < h; y++ {
		src.row(y, lines[:w])
		pdqBoxSums1(lines[:w], boxed[y*w:(y+1)*w], winRow)
		pdqScale(boxed[y*w:(y+1)*w], s.recRow)
	}

	// Pass 2 (along columns, streamed row by row) feeding pass 3 (along
	// rows again, kept only at the 64 sampled columns) into narrow.
	xc, yc := pdqCentres(w), pdqCentres(h)
	s.narrow = pdqGrow(s.narrow, h*64)
	s.sums = pdqGrow(s.sums, w)
	narrow, sums := s.narrow, s.sums
	clear(sums)
	pending := 0 // rows of pass 2 output waiting in lines[0:4w]
	flush := func(first int) {
		// lines[k*w:] holds pass 2 output row first+k; sums of pass 3 go
		// to lines[(4+k)*w:].
		if pending == 4 {
			pdqBoxSums4(lines[0:w], lines[w:2*w], lines[2*w:3*w], lines[3*w:4*w],
				lines[4*w:5*w], lines[5*w:6*w], lines[6*w:7*w], lines[7*w:8*w], winRow)
		} else {
			for k := 0; k < pending; k++ {
				pdqBoxSums1(lines[k*w:(k+1)*w], lines[(4+k)*w:(5+k)*w], winRow)
			}
		}
		for k := 0; k < pending; k++ {
			out := lines[(4+k)*w : (5+k)*w]
			nr := narrow[(first+k)*64 : (first+k+1)*64]
			for j, x := range xc {
				nr[j] = float32(float64(out[x]) * s.recRow[x])
			}
		}
		pending = 0
	}
	halfCol := (winCol + 2) / 2
	ri := 0
	for ; ri < halfCol-1; ri++ {
		pdqAddRow(sums, boxed[ri*w:(ri+1)*w])
	}
	li := 0
	first := 0
	for oi := 0; oi < h; oi++ {
		out := lines[pending*w : (pending+1)*w]
		r := s.recCol[oi]
		switch {
		case ri < winCol: // phase 2: grow the window
			pdqAddRowOut(sums, boxed[ri*w:(ri+1)*w], out, r)
			ri++
		case ri < h: // phase 3: slide the window
			pdqSlideRowOut(sums, boxed[ri*w:(ri+1)*w], boxed[li*w:(li+1)*w], out, r)
			ri++
			li++
		default: // phase 4: shrink the window
			pdqSubRowOut(sums, boxed[li*w:(li+1)*w], out, r)
			li++
		}
		pending++
		if pending == 4 {
			flush(first)
			first = oi + 1
		}
	}
	flush(first)

	// Pass 4: along the 64 narrow columns, output only at the sampled rows.
	var cs [64]float32
	ri, li = 0, 0
	for ; ri < halfCol-1; ri++ {
		pdqAdd64(&cs, narrow[ri*64:(ri+1)*64])
	}
	k := 0
	for oi := 0; oi < h && k < 64; oi++ {
		switch {
		case ri < winCol:
			pdqAdd64(&cs, narrow[ri*64:(ri+1)*64])
			ri++
		case ri < h:
			pdqAdd64(&cs, narrow[ri*64:(ri+1)*64])
			pdqSub64(&cs, narrow[li*64:(li+1)*64])
			ri++
			li++
		default:
			pdqSub64(&cs, narrow[li*64:(li+1)*64])
			li++
		}
		r := s.recCol[oi]
		for ; k < 64 && yc[k] == oi; k++ {
			for j := range cs {
				small[k][j] = float32(float64(cs[j]) * r)
			}
		}
	}
}

func pdqAddRow(sums, in []float32) {
	in = in[:len(sums)]
	for j := range sums {
		sums[j] += in[j]
	}
}

func pdqAddRowOut(sums, in, out []float32, r float64) {
	in, out = in[:len(sums)], out[:len(sums)]
	for j := range sums {
		v := sums[j] + in[j]
		sums[j] = v
		out[j] = float32(float64(v) * r)
	}
}

func pdqSlideRowOut(sums, in, drop, out []float32, r float64) {
	in, drop, out = in[:len(sums)], drop[:len(sums)], out[:len(sums)]
	for j := range sums {
		v := sums[j] + in[j]
		v -= drop[j]
		sums[j] = v
		out[j] = float32(float64(v) * r)
	}
}

func pdqSubRowOut(sums, drop, out []float32, r float64) {
	drop, out = drop[:len(sums)], out[:len(sums)]
	for j := range sums {
		v := sums[j] - drop[j]
		sums[j] = v
		out[j] = float32(float64(v) * r)
	}
}

func pdqAdd64(s *[64]float32, in []float32) {
	in = in[:64]
	for j := range s {
		s[j] += in[j]
	}
}

func pdqSub64(s *[64]float32, in []float32) {
	in = in[:64]
	for j := range s {
		s[j] -= in[j]
	}
}

// pdqLumaSource yields rows of float32 luma of an image, possibly through
// the nearest-neighbour squash.
type pdqLumaSource struct {
	img    image.Image
	ycc    *image.YCbCr
	nrgba  *image.NRGBA
	gray   *image.Gray
	rgb    []byte // packed RGB of the whole source image (other types)
	srcW   int
	xs, ys []int // source offsets from Bounds().Min for each output x, y
	cx, cy []int // YCbCr chroma offsets for each source x, y (from Min)
	// identity is set when output x reads source x (no squash), and
	// pairs when moreover chroma is halved horizontally from an even
	// origin, so that pixels 2k and 2k+1 share chroma sample k.
	identity, pairs bool
}

// lumaSource prepares to read img as w x h luma rows. When w x h differs
// from the image's size (the squash), output pixel (x, y) reads source
// pixel (floor(x*W/w), floor(y*H/h)), CImg's nearest-neighbour rule.
func (s *pdqScratch) lumaSource(img image.Image, squash bool, w, h int) pdqLumaSource {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	src := pdqLumaSource{img: img, srcW: W}
	s.xs, s.ys = pdqGrow(s.xs, w), pdqGrow(s.ys, h)
	for x := range s.xs {
		s.xs[x] = x * W / w
	}
	for y := range s.ys {
		s.ys[y] = y * H / h
	}
	src.xs, src.ys = s.xs, s.ys
	switch m := img.(type) {
	case *image.YCbCr:
		src.ycc = m
		hd, vd := pdqChromaDivisors(m.SubsampleRatio)
		s.cx, s.cy = pdqGrow(s.cx, W), pdqGrow(s.cy, H)
		// As image.YCbCr.COffset: x/hd - Min.X/hd with Go's truncating
		// division, so negative coordinates behave as in the decoder's At.
		for i := range s.cx {
			x := b.Min.X + i
			s.cx[i] = x/hd - m.Rect.Min.X/hd
		}
		for i := range s.cy {
			y := b.Min.Y + i
			s.cy[i] = (y/vd - m.Rect.Min.Y/vd) * m.CStride
		}
		src.cx, src.cy = s.cx, s.cy
		src.identity = w == W
		src.pairs = src.identity && hd == 2 && m.Rect.Min.X%2 == 0
	case *image.NRGBA:
		src.nrgba = m
	case *image.Gray:
		src.gray = m
	case *jpeg.RGB:
		// phash/jpeg's output is already packed RGB: read it in place.
		if m.Stride == 3*W && len(m.Pix) >= 3*W*H {
			src.rgb = m.Pix[:3*W*H]
			break
		}
		s.rgb, _, _ = pixels.RGB(s.rgb, img)
		src.rgb = s.rgb
	default:
		s.rgb, _, _ = pixels.RGB(s.rgb, img)
		src.rgb = s.rgb
	}
	return src
}

// pdqChromaDivisors returns the horizontal and vertical chroma subsampling
// factors of a YCbCr ratio.
func pdqChromaDivisors(r image.YCbCrSubsampleRatio) (hd, vd int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	default:
		return 1, 1
	}
}

// row writes the luma of output row y to dst (len w).
func (src *pdqLumaSource) row(y int, dst []float32) {
	xs := src.xs[:len(dst)]
	sy := src.ys[y]
	switch {
	case src.ycc != nil:
		src.yccRow(sy, xs, dst)
	case src.nrgba != nil:
		m := src.nrgba
		row := m.Pix[sy*m.Stride:]
		for i, sx := range xs {
			p := row[4*sx : 4*sx+3 : 4*sx+3]
			dst[i] = pdqLuma(p[0], p[1], p[2])
		}
	case src.gray != nil:
		m := src.gray
		row := m.Pix[sy*m.Stride:]
		for i, sx := range xs {
			v := row[sx]
			dst[i] = pdqLuma(v, v, v)
		}
	default:
		row := src.rgb[sy*src.srcW*3:]
		for i, sx := range xs {
			p := row[3*sx : 3*sx+3 : 3*sx+3]
			dst[i] = pdqLuma(p[0], p[1], p[2])
		}
	}
}

// pdqYCbCr is the standard library's 8-bit YCbCr to RGB conversion
// (color.YCbCrToRGB: JFIF coefficients in 16.16 fixed point, then clamped
// to 0..255), split so that the chroma terms, shared by the pixels of one
// chroma sample, are computed once. pdqChroma returns the terms added to
// Y*0x10101 for red, green and blue, each offset by pdqClampBias.
func pdqChroma(cb, cr uint8) (tr, tg, tb int32) {
	cb1, cr1 := int32(cb)-128, int32(cr)-128
	return 91881*cr1 + pdqClampBias, -22554*cb1 - 46802*cr1 + pdqClampBias, 116130*cb1 + pdqClampBias
}

// pdqClampBias shifts every 16.16 channel value (in -2^23..2^25) to a
// positive one, so that (v >> 16) & 1023 indexes pdqClampLuma.
const pdqClampBias = 512 << 16

// pdqClampLuma[c][i] is the luma term of channel c for the 16.16 value whose
// integer part is i-512, clamped to 0..255 as color.YCbCrToRGB clamps.
var pdqClampLuma = func() (t [3][1024]float32) {
	for c := range t {
		for i := range t[c] {
			t[c][i] = pdqLumaTab[c][min(max(i-512, 0), 255)]
		}
	}
	return t
}()

// pdqLumaYCC is pdqLuma of color.YCbCrToRGB(y, cb, cr), given pdqChroma's terms.
func pdqLumaYCC(y uint8, tr, tg, tb int32) float32 {
	yy := int32(y) * 0x10101
	return (pdqClampLuma[0][uint32(yy+tr)>>16&1023] + pdqClampLuma[1][uint32(yy+tg)>>16&1023]) +
		pdqClampLuma[2][uint32(yy+tb)>>16&1023]
}

// yccRow writes the luma of source row sy at source columns xs to dst.
func (src *pdqLumaSource) yccRow(sy int, xs []int, dst []float32) {
	m := src.ycc
	yrow := m.Y[sy*m.YStride:]
	crow := src.cy[sy]
	cb, cr := m.Cb[crow:], m.Cr[crow:]
	switch {
	case src.pairs:
		n := len(dst)
		yrow = yrow[:n]
		cb, cr = cb[:(n+1)/2], cr[:(n+1)/2]
		for k := range cb {
			tr, tg, tb := pdqChroma(cb[k], cr[k])
			dst[2*k] = pdqLumaYCC(yrow[2*k], tr, tg, tb)
			if 2*k+1 < n {
				dst[2*k+1] = pdqLumaYCC(yrow[2*k+1], tr, tg, tb)
			}
		}
	case src.identity && src.cx[len(src.cx)-1] == len(src.cx)-1:
		// 4:4:4 or 4:4:0: one chroma sample per column.
		n := len(dst)
		yrow, cb, cr = yrow[:n], cb[:n], cr[:n]
		for i := range dst {
			tr, tg, tb := pdqChroma(cb[i], cr[i])
			dst[i] = pdqLumaYCC(yrow[i], tr, tg, tb)
		}
	default:
		cx := src.cx
		for i, sx := range xs {
			ci := cx[sx]
			tr, tg, tb := pdqChroma(cb[ci], cr[ci])
			dst[i] = pdqLumaYCC(yrow[sx], tr, tg, tb)
		}
	}
}
