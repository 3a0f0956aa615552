package attack

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/privmatch/privmatch/phash"
)

// ErrNoModel is wrapped by errors for hashers that have no white-box model;
// attack them with the black-box model.
var ErrNoModel = errors.New("attack: no white-box model for this hasher")

// A linearModel is the white-box view of a hasher: the hash's pre-threshold
// real values ("features") as a linear function J of the full-resolution
// luma plane, f = A (Ry L Rx^T), with the rule that turns them into bits.
// It covers aHash (pixels minus their mean), dHash (neighbour differences),
// pHash and pHash-simple (DCT coefficients) and PDQ (its 16x16 DCT). It is
// a surrogate: it ignores the hashers' intermediate rounding (Pillow's 8-bit
// resize passes, PDQ's float32), so its predictions are always re-verified
// with the real hasher on the final 8-bit image.
type linearModel struct {
	ry, rx *axisOp
	feat   [][]float64 // k features, each an oh x ow weight plane
	bit    []int       // feature i sets Hash.Bit(bit[i])
	// thr selects the threshold: thrZero (f > 0), thrLowerMedian (PDQ's
	// Torben median, the lower middle) or thrMedian (NumPy's median).
	thr   int
	gram  []float64 // k x k: J J^T
	norm  []float64 // sqrt(gram[i][i]): full-resolution L2 per unit of f_i
	noise []float64 // expected rounding noise of f_i (one standard deviation)
	// exact, when not nil, returns the small plane the real hasher reads
	// (Pillow's 8-bit grey resize, PDQ's float32 64x64 luma), so that
	// features can be read off the real pipeline rather than the surrogate.
	exact func(img image.Image) ([]float64, error)
}

const (
	thrZero = iota
	thrLowerMedian
	thrMedian
)

// modelFor builds the white-box model of h for a w x hgt image.
func modelFor(h phash.Hasher, w, hgt int) (*linearModel, error) {
	m := &linearModel{}
	n := int(math.Round(math.Sqrt(float64(h.Bits()))))
	kind := h.Kind()
	if _, ok := h.(*phash.PDQHasher); ok {
		if w < 5 || hgt < 5 {
			return nil, fmt.Errorf("attack: %s: image %dx%d below PDQ's 5-pixel minimum", h.Name(), w, hgt)
		}
		if h.Name() == "pdq-ref512" && (w > 512 || hgt > 512) {
			m.rx, m.ry = pdqOp(512).mul(squashOp(w, 512)), pdqOp(512).mul(squashOp(hgt, 512))
		} else {
			m.rx, m.ry = pdqOp(w), pdqOp(hgt)
			m.exact = func(img image.Image) ([]float64, error) {
				l, err := phash.PDQLuma64(img)
				if err != nil {
					return nil, err
				}
				out := make([]float64, 0, 64*64)
				for _, row := range l {
					for _, v := range row {
						out = append(out, float64(v))
					}
				}
				return out, nil
			}
		}
		d := func(i, y int) float64 {
			return math.Sqrt(2.0/64) * math.Cos(math.Pi/128*float64(i+1)*float64(2*y+1))
		}
		for i := 0; i < 16; i++ {
			for j := 0; j < 16; j++ {
				a := make([]float64, 64*64)
				for y := 0; y < 64; y++ {
					for x := 0; x < 64; x++ {
						a[y*64+x] = d(i, y) * d(j, x)
					}
				}
				m.feat = append(m.feat, a)
				m.bit = append(m.bit, i*16+j)
			}
		}
		m.thr = thrLowerMedian
		m.finish(0)
		return m, nil
	}
	if _, ok := h.(*phash.ImageHash); !ok || n*n != h.Bits() {
		return nil, fmt.Errorf("%w: %s", ErrNoModel, h.Name())
	}
	bits := n * n
	msb := func(i int) int { return bits - 1 - i } // imagehash: bit i is the i-th most significant
	switch kind {
	case "ahash":
		m.rx, m.ry = lanczosOp(w, n), lanczosOp(hgt, n)
		for i := 0; i < bits; i++ {
			a := make([]float64, bits)
			for j := range a {
				a[j] = -1 / float64(bits)
			}
			a[i]++
			m.feat = append(m.feat, a)
			m.bit = append(m.bit, msb(i))
		}
	case "dhash", "dhash-vertical":
		ow, oh := n+1, n
		if kind == "dhash-vertical" {
			ow, oh = n, n+1
		}
		m.rx, m.ry = lanczosOp(w, ow), lanczosOp(hgt, oh)
		for r := 0; r < n; r++ {
			for c := 0; c < n; c++ {
				a := make([]float64, ow*oh)
				if kind == "dhash" {
					a[r*ow+c+1], a[r*ow+c] = 1, -1
				} else {
					a[(r+1)*ow+c], a[r*ow+c] = 1, -1
				}
				m.feat = append(m.feat, a)
				m.bit = append(m.bit, msb(r*n+c))
			}
		}
	case "phash", "phash-simple":
		hf := 4
		if _, s, ok := strings.Cut(h.Name(), "-hf"); ok {
			v, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("%w: %s", ErrNoModel, h.Name())
			}
			hf = v
		}
		N := n * hf
		m.rx, m.ry = lanczosOp(w, N), lanczosOp(hgt, N)
		c := func(k, x int) float64 { return 2 * math.Cos(math.Pi*float64(k)*float64(2*x+1)/float64(2*N)) }
		for k := 0; k < n; k++ {
			for l := 0; l < n; l++ {
				a := make([]float64, N*N)
				for y := 0; y < N; y++ {
					for x := 0; x < N; x++ {
						if kind == "phash" {
							a[y*N+x] = c(k, y) * c(l, x)
						} else if y == k {
							a[y*N+x] = c(l+1, x)
						}
					}
				}
				m.feat = append(m.feat, a)
				m.bit = append(m.bit, msb(k*n+l))
			}
		}
		if kind == "phash" {
			m.thr = thrMedian
		} else {
			// phash_simple compares with the mean of the coefficients:
			// subtract it, a linear map, and compare with zero.
			mean := make([]float64, N*N)
			for _, a := range m.feat {
				for j, v := range a {
					mean[j] += v / float64(bits)
				}
			}
			for _, a := range m.feat {
				for j := range a {
					a[j] -= mean[j]
				}
			}
		}
	default:
		return nil, fmt.Errorf("%w: %s", ErrNoModel, h.Name())
	}
	ow, oh := m.rx.out, m.ry.out
	m.exact = func(img image.Image) ([]float64, error) {
		g, err := phash.PillowGrey(img, ow, oh)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(g))
		for i, v := range g {
			out[i] = float64(v)
		}
		return out, nil
	}
	m.finish(0.5) // Pillow rounds each resize pass to 8 bits
	return m, nil
}

// finish computes the Gram matrix J J^T = A (Gy (x) Gx) A^T and the noise
// scale of each feature: full-resolution rounding (std 1/sqrt(12) per
// sample, through J) plus, for Pillow, rounding of the small image (std
// quant/sqrt(3) per sample, through A).
func (m *linearModel) finish(quant float64) {
	k := len(m.feat)
	oh, ow := m.ry.out, m.rx.out
	gy, gx := m.ry.gram(), m.rx.gram()
	b := make([][]float64, k)
	tmp := make([]float64, oh*ow)
	for i, a := range m.feat {
		clear(tmp)
		for y := 0; y < oh; y++ { // tmp = Gy a
			for yy := 0; yy < oh; yy++ {
				g := gy[y*oh+yy]
				if g == 0 {
					continue
				}
				for x := 0; x < ow; x++ {
					tmp[y*ow+x] += g * a[yy*ow+x]
				}
			}
		}
		bi := make([]float64, oh*ow) // bi = tmp Gx
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				bi[y*ow+x] = dot(tmp[y*ow:(y+1)*ow], gx[x*ow:(x+1)*ow])
			}
		}
		b[i] = bi
	}
	m.gram = make([]float64, k*k)
	m.norm = make([]float64, k)
	m.noise = make([]float64, k)
	for i := 0; i < k; i++ {
		for j := 0; j <= i; j++ {
			v := dot(b[i], m.feat[j])
			m.gram[i*k+j], m.gram[j*k+i] = v, v
		}
		m.norm[i] = math.Sqrt(m.gram[i*k+i])
		m.noise[i] = m.norm[i]/math.Sqrt(12) + quant/math.Sqrt(3)*math.Sqrt(dot(m.feat[i], m.feat[i]))
	}
}

// small returns Ry L Rx^T for a w x h luma plane.
func (m *linearModel) small(l []float64, w, h int) []float64 {
	oh, ow := m.ry.out, m.rx.out
	t := make([]float64, h*ow) // L Rx^T
	for y := 0; y < h; y++ {
		row := l[y*w : (y+1)*w]
		for x := 0; x < ow; x++ {
			t[y*ow+x] = dot(row, m.rx.row(x))
		}
	}
	s := make([]float64, oh*ow)
	for y := 0; y < oh; y++ {
		for yy, v := range m.ry.row(y) {
			if v == 0 {
				continue
			}
			for x := 0; x < ow; x++ {
				s[y*ow+x] += v * t[yy*ow+x]
			}
		}
	}
	return s
}

// exactFeatures returns the features of an 8-bit image as the real hasher
// computes them (f = A s with s the hasher's own small plane), or the
// surrogate's when the model has no exact path.
func (m *linearModel) exactFeatures(img rgbImage) ([]float64, error) {
	if m.exact == nil {
		return m.features(img.luma(), img.w, img.h), nil
	}
	s, err := m.exact(img.nrgba())
	if err != nil {
		return nil, err
	}
	f := make([]float64, len(m.feat))
	for i, a := range m.feat {
		f[i] = dot(a, s)
	}
	return f, nil
}

// features returns f = A s for a luma plane.
func (m *linearModel) features(l []float64, w, h int) []float64 {
	s := m.small(l, w, h)
	f := make([]float64, len(m.feat))
	for i, a := range m.feat {
		f[i] = dot(a, s)
	}
	return f
}

// threshold returns the value features are compared with.
func (m *linearModel) threshold(f []float64) float64 {
	if m.thr == thrZero {
		return 0
	}
	s := slices.Clone(f)
	slices.Sort(s)
	n := len(s)
	if m.thr == thrLowerMedian || n%2 == 1 {
		return s[(n-1)/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// solveGram solves (J_S J_S^T) y = delta for the features S in idx, the
// Gram matrix's sub-block on them.
func (m *linearModel) solveGram(idx []int, delta []float64) ([]float64, error) {
	k, n := len(m.feat), len(idx)
	g := make([]float64, n*n)
	for a, i := range idx {
		for b, j := range idx {
			g[a*n+b] = m.gram[i*k+j]
		}
	}
	return solveSPD(g, delta, n)
}

// lift returns the least-norm full-resolution luma change that moves the
// features in idx by delta (to first order, leaving the others free): J_S^T
// (J_S J_S^T)^-1 delta, mapped to full resolution through the resize's
// adjoint Ry^T (.) Rx.
func (m *linearModel) lift(idx []int, delta []float64, w, h int) ([]float64, error) {
	y, err := m.solveGram(idx, delta)
	if err != nil {
		return nil, err
	}
	oh, ow := m.ry.out, m.rx.out
	p := make([]float64, oh*ow)
	for a, i := range idx {
		for j, v := range m.feat[i] {
			p[j] += y[a] * v
		}
	}
	t := make([]float64, oh*w) // p Rx
	for yy := 0; yy < oh; yy++ {
		tr := t[yy*w : (yy+1)*w]
		for x := 0; x < ow; x++ {
			v := p[yy*ow+x]
			if v == 0 {
				continue
			}
			for xx, r := range m.rx.row(x) {
				tr[xx] += v * r
			}
		}
	}
	out := make([]float64, w*h) // Ry^T t
	for yy := 0; yy < oh; yy++ {
		for y, r := range m.ry.row(yy) {
			if r == 0 {
				continue
			}
			o := out[y*w : (y+1)*w]
			for x, v := range t[yy*w : (yy+1)*w] {
				o[x] += r * v
			}
		}
	}
	return out, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// solveSPD solves G y = d for a symmetric positive semi-definite n x n G by
// Cholesky, with a small ridge so that dependent features (aHash's sum to
// zero) still give a least-squares answer.
func solveSPD(g, d []float64, n int) ([]float64, error) {
	l := cholesky(g, n)
	if l == nil {
		return nil, fmt.Errorf("attack: singular feature Gram matrix")
	}
	return cholSolve(l, d, n), nil
}

// cholesky returns the lower Cholesky factor of g plus a ridge of 1e-9 of
// its mean diagonal, or nil when that is not positive definite.
func cholesky(g []float64, n int) []float64 {
	tr := 0.0
	for i := 0; i < n; i++ {
		tr += g[i*n+i]
	}
	ridge := 1e-9 * tr / float64(max(n, 1))
	l := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := g[i*n+j]
			if i == j {
				s += ridge
			}
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				if s <= 0 {
					return nil
				}
				l[i*n+i] = math.Sqrt(s)
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	return l
}

// cholSolve solves L L^T y = d.
func cholSolve(l, d []float64, n int) []float64 {
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := d[i]
		for k := 0; k < i; k++ {
			s -= l[i*n+k] * y[k]
		}
		y[i] = s / l[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= l[k*n+i] * y[k]
		}
		y[i] = s / l[i*n+i]
	}
	return y
}
