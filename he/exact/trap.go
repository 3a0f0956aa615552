package exact

// Evasion returns the probability that a client who alters a
// uniformly chosen set of a of the m returned positions (t of which are
// traps, placed uniformly by the server and indistinguishable to the
// client) both hits the single matching position and avoids every trap:
//
//	(a/m) * C(m-a, t) / C(m-1, t).
func Evasion(m, t, a int) float64 {
	if a <= 0 || a > m-t {
		return 0
	}
	pr := float64(a) / float64(m)
	for i := 0; i < t; i++ {
		pr *= float64(m-a-i) / float64(m-1-i)
	}
	return pr
}

// Detection returns the probability that altering a uniformly chosen
// set of a positions touches at least one of the t traps among m.
func Detection(m, t, a int) float64 {
	miss := 1.0
	for i := 0; i < a; i++ {
		miss *= float64(m-t-i) / float64(m-i)
	}
	return 1 - miss
}

// EvasionBound returns the best evasion probability over all a:
// the most a client can suppress a true match without being caught, given
// that it cannot tell traps from real positions. It walks a = 1..m-t with
// the ratio E(a+1)/E(a) = ((a+1)/a) * (m-a-t)/(m-a) from E(1) = 1/m, so it
// costs O(m) (the maximum is about 1/(e(t+1)) for t << m).
func EvasionBound(m, t int) float64 {
	if m <= 0 || t < 0 || t >= m {
		return 0
	}
	e := 1 / float64(m)
	best := e
	for a := 1; a < m-t; a++ {
		e *= float64(a+1) / float64(a) * float64(m-a-t) / float64(m-a)
		best = max(best, e)
	}
	return best
}

// FalseMatch returns an upper bound on the probability that a query
// whose entry is not in the database is reported as a match: a real cell
// whose four slot values all vanish by chance (t^-4 each, over the
// server's randomisers) or a 64-bit fingerprint collision with one of the
// entries (2^-64 each, fingerprints being SHA-256 outputs). cells counts
// the real (non-trap) cells of all answer ciphertexts together,
// Positions() - Traps(): the union bound runs over every one of them.
func FalseMatch(cells, entries int, t uint64) float64 {
	tf := float64(t)
	return float64(cells)/(tf*tf*tf*tf) + float64(entries)/18446744073709551616.0
}
