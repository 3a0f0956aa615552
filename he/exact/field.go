package exact

import "github.com/privmatch/privmatch/he/internal/core"

// Arithmetic in Z_t for the plaintext modulus (t < 2^31, so products fit).

func mulMod(a, b, t uint64) uint64 { return a * b % t }

func powMod(a, e, t uint64) uint64 { return core.PowMod(a, e, t) }

func invMod(a, t uint64) uint64 { return core.InvMod(a, t) }

// binPoly returns the coefficients (low degree first, length deg+1) of
//
//	Q(X) = rho * prod_i (X - u_i) - L(X),  L(u_i) = w_i,
//
// so that Q(u_i) = -w_i for every item and Q(x) is uniform (over rho) for
// any x outside {u_i}. The u_i must be distinct. buf is scratch of length
// >= deg+2.
func binPoly(u, w []uint64, rho, t uint64, deg int) []uint64 {
	n := len(u)
	out := make([]uint64, deg+1)
	// P(X) = prod (X - u_i), coefficients p[0..n].
	p := make([]uint64, n+1)
	p[0] = 1
	for i := 0; i < n; i++ {
		neg := (t - u[i]) % t
		for k := i + 1; k >= 1; k-- {
			p[k] = (p[k-1] + p[k]*neg) % t
		}
		p[0] = p[0] * neg % t
	}
	for k := 0; k <= n; k++ {
		out[k] = rho * p[k] % t
	}
	q := make([]uint64, n)
	for i := 0; i < n; i++ {
		// q = P / (X - u_i) by synthetic division (degree n-1).
		carry := uint64(0)
		for k := n; k >= 1; k-- {
			carry = (p[k] + carry*u[i]) % t
			q[k-1] = carry
		}
		// q(u_i) = P'(u_i)
		d := uint64(0)
		for k := n - 1; k >= 0; k-- {
			d = (d*u[i] + q[k]) % t
		}
		c := w[i] * invMod(d, t) % t
		for k := 0; k < n; k++ {
			out[k] = (out[k] + t - c*q[k]%t) % t
		}
	}
	return out
}

// evalPoly evaluates coefficients c at x mod t (used by tests and checks).
func evalPoly(c []uint64, x, t uint64) uint64 {
	r := uint64(0)
	for k := len(c) - 1; k >= 0; k-- {
		r = (r*x + c[k]) % t
	}
	return r
}
