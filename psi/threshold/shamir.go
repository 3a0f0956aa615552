package threshold

import (
	"errors"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/psi/internal/ec"
)

// Shamir secret sharing and robust reconstruction over the ristretto255
// scalar field (prime order l = 2^252 + 27742317777372353535851937790883648493),
// the field of circl's group.Ristretto255 scalars.
//
// Reconstruction is Berlekamp-Welch decoding of a Reed-Solomon code: given
// m points of which g lie on a polynomial f of degree below k and z = m-g
// are arbitrary (synthetic shares), it finds f whenever m >= k + 2z, that
// is g >= k + z, by solving one linear system of m equations in k + 2e
// unknowns, e = floor((m-k)/2): O(m^3) field operations. It does not need
// to know which points are wrong; a commitment to f(0) confirms the
// result. Below that bound it reports failure even when g >= k: exact
// threshold k in the presence of z synthetic shares would need list
// decoding or a search over C(m, k) subsets.

var errNoDecode = errors.New("no polynomial of degree < k agrees with enough points")

func scalarZero() group.Scalar { return ec.Group.NewScalar() }

func scalarOne() group.Scalar { return ec.Group.NewScalar().SetUint64(1) }

// polyEval returns sum c[i] x^i by Horner's rule.
func polyEval(c []group.Scalar, x group.Scalar) group.Scalar {
	r := scalarZero()
	for i := len(c) - 1; i >= 0; i-- {
		r.Mul(r, x)
		r.Add(r, c[i])
	}
	return r
}

// solveLinear returns one solution of A z = b (free variables set to
// zero), or false when the system is inconsistent. A and b are consumed.
func solveLinear(A [][]group.Scalar, b []group.Scalar, nvars int) ([]group.Scalar, bool) {
	rows := len(A)
	pivCol := make([]int, 0, nvars)
	r := 0
	tmp := scalarZero()
	for c := 0; c < nvars && r < rows; c++ {
		p := -1
		for i := r; i < rows; i++ {
			if !A[i][c].IsZero() {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		A[r], A[p] = A[p], A[r]
		b[r], b[p] = b[p], b[r]
		inv := scalarZero().Inv(A[r][c])
		for j := c; j < nvars; j++ {
			A[r][j].Mul(A[r][j], inv)
		}
		b[r].Mul(b[r], inv)
		for i := 0; i < rows; i++ {
			if i == r || A[i][c].IsZero() {
				continue
			}
			f := A[i][c].Copy()
			for j := c; j < nvars; j++ {
				if A[r][j].IsZero() {
					continue
				}
				tmp.Mul(f, A[r][j])
				A[i][j].Sub(A[i][j], tmp)
			}
			tmp.Mul(f, b[r])
			b[i].Sub(b[i], tmp)
		}
		pivCol = append(pivCol, c)
		r++
	}
	for i := r; i < rows; i++ {
		if !b[i].IsZero() {
			return nil, false
		}
	}
	z := make([]group.Scalar, nvars)
	for j := range z {
		z[j] = scalarZero()
	}
	for i, c := range pivCol {
		z[c] = b[i]
	}
	return z, true
}

// polyDivMonic divides q by the monic polynomial e and returns the
// quotient, or false when the remainder is not zero.
func polyDivMonic(q, e []group.Scalar) ([]group.Scalar, bool) {
	de := len(e) - 1
	rem := make([]group.Scalar, len(q))
	for i := range q {
		rem[i] = q[i].Copy()
	}
	if len(q) < len(e) {
		for _, r := range rem {
			if !r.IsZero() {
				return nil, false
			}
		}
		return nil, true
	}
	quot := make([]group.Scalar, len(q)-de)
	tmp := scalarZero()
	for i := len(q) - 1; i >= de; i-- {
		c := rem[i].Copy()
		quot[i-de] = c
		for j := 0; j <= de; j++ {
			tmp.Mul(c, e[j])
			rem[i-de+j].Sub(rem[i-de+j], tmp)
		}
	}
	for i := 0; i < de; i++ {
		if !rem[i].IsZero() {
			return nil, false
		}
	}
	return quot, true
}

// decodeShares finds the polynomial of degree below k that agrees with all
// but at most floor((len(xs)-k)/2) of the points (xs[i], ys[i]), by
// Berlekamp-Welch. The xs must be distinct. It returns the coefficients
// (k of them, constant term first) or errNoDecode.
func decodeShares(xs, ys []group.Scalar, k int) ([]group.Scalar, error) {
	m := len(xs)
	if m < k || k < 1 {
		return nil, errNoDecode
	}
	e := (m - k) / 2
	// Unknowns: Q_0..Q_{k+e-1}, E_0..E_{e-1} (E monic of degree e).
	// Equation i: Q(x_i) - y_i E(x_i) = y_i x_i^e.
	nv := k + 2*e
	A := make([][]group.Scalar, m)
	b := make([]group.Scalar, m)
	for i := 0; i < m; i++ {
		row := make([]group.Scalar, nv)
		pw := scalarOne()
		for j := 0; j < k+e; j++ {
			row[j] = pw.Copy()
			if j < e {
				t := scalarZero().Mul(pw, ys[i])
				row[k+e+j] = t.Neg(t)
			}
			pw.Mul(pw, xs[i])
		}
		// pw is now x^(k+e); b needs y x^e.
		xe := scalarOne()
		for j := 0; j < e; j++ {
			xe.Mul(xe, xs[i])
		}
		b[i] = xe.Mul(xe, ys[i])
		A[i] = row
	}
	z, ok := solveLinear(A, b, nv)
	if !ok {
		return nil, errNoDecode
	}
	q := z[:k+e]
	ep := append(append([]group.Scalar(nil), z[k+e:]...), scalarOne())
	f, ok := polyDivMonic(q, ep)
	if !ok {
		return nil, errNoDecode
	}
	for len(f) < k {
		f = append(f, scalarZero())
	}
	for _, c := range f[k:] {
		if !c.IsZero() {
			return nil, errNoDecode
		}
	}
	f = f[:k]
	// Berlekamp-Welch guarantees agreement when the error bound holds;
	// check it, so a solution found outside the bound is not trusted.
	agree := 0
	for i := range xs {
		if polyEval(f, xs[i]).IsEqual(ys[i]) {
			agree++
		}
	}
	if agree < m-e {
		return nil, errNoDecode
	}
	return f, nil
}
