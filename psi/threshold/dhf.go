package threshold

import (
	"github.com/cloudflare/circl/group"
)

// Detectable hash function (DHF), after tPSI-AD (Bhowmick et al. 2021,
// section 4): it lets the server pick out an account's genuine shares at
// exactly k, with synthetic ones among them.
//
// The device draws S secret polynomials p_1..p_S of degree k-2 (a
// (k-1) x S matrix P of coefficients, never sent) and seals in each
// genuine voucher, next to its share (x, f(x)), the values w = (p_1(x),
// ..., p_S(x)); a synthetic voucher carries uniform w. The server sees, per
// opened share, the row r = (1, x, ..., x^(k-2), w) in F^(k-1+S). Genuine
// rows are m(x)[I | P] with m(x) = (1, x, ..., x^(k-2)): they lie in a
// (k-1)-dimensional subspace V, and any k-1 of them are independent (a
// Vandermonde matrix), so the first linear dependency among genuine rows
// appears at the k-th and involves all k. A synthetic row modulo V is
// (0, w - m(x)P), uniform in F^S, so up to S synthetic rows are
// independent modulo V except with probability about S/l (l the group
// order, 2^252): every dependency among the rows then has its support on
// genuine rows only. The server adds each opened row to an echelon basis,
// remembering which shares each basis vector combines; a row that reduces
// to zero gives a dependency, whose support is the genuine set.
//
// Below k, g genuine and z <= S synthetic rows are independent, so the
// rows say nothing about which shares are genuine beyond the count; the
// server cannot interpolate a k-subset with the right secret either,
// since k-1 genuine points leave f(0) uniform. The bound z <= S holds
// whenever an account reaches k genuine shares: the server keeps at most
// MaxOpened shares per account and S = MaxOpened - k.

// dhfKey is a device's DHF: coef[l][j] is the coefficient of x^l in p_j.
type dhfKey struct {
	coef [][]group.Scalar // k-1 rows of S scalars
}

// eval returns (p_1(x), ..., p_S(x)).
func (d *dhfKey) eval(x group.Scalar, s int) []group.Scalar {
	w := make([]group.Scalar, s)
	for j := range w {
		w[j] = scalarZero()
	}
	pw := scalarOne()
	tmp := scalarZero()
	for _, row := range d.coef {
		for j := range w {
			tmp.Mul(pw, row[j])
			w[j].Add(w[j], tmp)
		}
		pw.Mul(pw, x)
	}
	return w
}

// dhfRow is the row (1, x, ..., x^(k-2), w) the server checks.
func dhfRow(x group.Scalar, w []group.Scalar, k int) []group.Scalar {
	r := make([]group.Scalar, 0, k-1+len(w))
	pw := scalarOne()
	for l := 0; l < k-1; l++ {
		r = append(r, pw.Copy())
		pw.Mul(pw, x)
	}
	for _, v := range w {
		r = append(r, v.Copy())
	}
	return r
}

// detector is the server's incremental Gaussian elimination over one
// account's rows. Basis vector b has pivot column piv[b] (entry 1, zero in
// every earlier basis vector's pivot column) and comb[b], its combination
// of the rows added so far (indices into the account's shares).
type detector struct {
	piv  []int
	vec  [][]group.Scalar
	comb []map[int]group.Scalar
}

// add reduces row i against the basis. If it is independent it joins the
// basis and add returns nil; otherwise add returns the support of the
// dependency it closes: the rows, i among them, whose combination is zero.
// Work: O(rank * (len(row) + rows)) scalar operations.
func (d *detector) add(i int, row []group.Scalar) []int {
	v := make([]group.Scalar, len(row))
	for j := range row {
		v[j] = row[j].Copy()
	}
	c := map[int]group.Scalar{i: scalarOne()}
	tmp := scalarZero()
	for b, p := range d.piv {
		if v[p].IsZero() {
			continue
		}
		f := v[p].Copy()
		for j := range v {
			if !d.vec[b][j].IsZero() {
				tmp.Mul(f, d.vec[b][j])
				v[j].Sub(v[j], tmp)
			}
		}
		for r, cv := range d.comb[b] {
			tmp.Mul(f, cv)
			if old, ok := c[r]; ok {
				old.Sub(old, tmp)
			} else {
				c[r] = scalarZero().Neg(tmp)
			}
		}
	}
	p := -1
	for j := range v {
		if !v[j].IsZero() {
			p = j
			break
		}
	}
	if p < 0 {
		var support []int
		for r, cv := range c {
			if !cv.IsZero() {
				support = append(support, r)
			}
		}
		return support
	}
	inv := scalarZero().Inv(v[p])
	for j := range v {
		v[j].Mul(v[j], inv)
	}
	for _, cv := range c {
		cv.Mul(cv, inv)
	}
	d.piv, d.vec, d.comb = append(d.piv, p), append(d.vec, v), append(d.comb, c)
	return nil
}
