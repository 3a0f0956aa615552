package exact

import "math/bits"

// barrett reduces 64-bit values modulo t < 2^31 without a division:
// q = floor(x * floor(2^64/t) / 2^64) undershoots floor(x/t) by at most 1.
type barrett struct{ t, m uint64 }

func newBarrett(t uint64) barrett { return barrett{t: t, m: ^uint64(0) / t} }

func (b barrett) red(x uint64) uint64 {
	q, _ := bits.Mul64(x, b.m)
	r := x - q*b.t
	if r >= b.t {
		r -= b.t
	}
	return r
}

func (b barrett) mul(x, y uint64) uint64 { return b.red(x * y) }

func (b barrett) pow(a, e uint64) uint64 {
	r := uint64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = b.mul(r, a)
		}
		a = b.mul(a, a)
	}
	return r
}

// binPolyScratch is the per-worker scratch of cellPoly.
type binPolyScratch struct{ p, q, d, pre []uint64 }

// sized returns buf resized to n (contents unspecified), reallocating
// only when it is too small.
func sized(buf *[]uint64, n int) []uint64 {
	if cap(*buf) < n {
		*buf = make([]uint64, n)
	}
	return (*buf)[:n]
}

// cellPoly is binPoly (field.go) for the server's load, about five times
// faster: Barrett reduction instead of division, one batched inversion of
// the P'(u_i) per slot instead of one exponentiation per item, and
// reusable scratch. It writes the deg+1 coefficients of
//
//	Q(X) = rho * prod_i (X - u_i) - L(X),  L(u_i) = w_i
//
// to out; the u_i must be distinct and every input below t.
func cellPoly(out, u, w []uint64, rho uint64, b barrett, s *binPolyScratch) {
	t := b.t
	n := len(u)
	clear(out)
	p := sized(&s.p, n+1)
	clear(p)
	p[0] = 1
	for i := 0; i < n; i++ {
		neg := t - u[i]
		for k := i + 1; k >= 1; k-- {
			p[k] = b.red(p[k-1] + p[k]*neg)
		}
		p[0] = b.mul(p[0], neg)
	}
	for k := 0; k <= n; k++ {
		out[k] = b.mul(rho, p[k])
	}
	// d_i = P'(u_i) = prod_{j != i} (u_i - u_j), inverted all at once.
	d := sized(&s.d, n)
	q := sized(&s.q, n*n) // q[i*n:] = P / (X - u_i)
	for i := 0; i < n; i++ {
		qi := q[i*n : (i+1)*n]
		carry := uint64(0)
		for k := n; k >= 1; k-- {
			carry = b.red(p[k] + carry*u[i])
			qi[k-1] = carry
		}
		v := uint64(0)
		for k := n - 1; k >= 0; k-- {
			v = b.red(v*u[i] + qi[k])
		}
		d[i] = v
	}
	// Batched inversion (Montgomery's trick): prefix products, one
	// exponentiation, then back-substitution.
	if n > 0 {
		pre := sized(&s.pre, n)
		acc := uint64(1)
		for i, v := range d {
			pre[i] = acc
			acc = b.mul(acc, v)
		}
		inv := b.pow(acc, t-2)
		for i := n - 1; i >= 0; i-- {
			di := b.mul(inv, pre[i])
			inv = b.mul(inv, d[i])
			d[i] = di
		}
	}
	for i := 0; i < n; i++ {
		c := b.mul(w[i], d[i])
		qi := q[i*n : (i+1)*n]
		for k := 0; k < n; k++ {
			out[k] = b.red(out[k] + t - b.mul(c, qi[k]))
		}
	}
}
