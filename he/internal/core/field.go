package core

// Arithmetic modulo a small prime t (t < 2^32, so products fit in 64
// bits): the plaintext moduli of the BGV engines.

// PowMod returns a^e mod t.
func PowMod(a, e, t uint64) uint64 {
	r := uint64(1)
	a %= t
	for e > 0 {
		if e&1 == 1 {
			r = r * a % t
		}
		a = a * a % t
		e >>= 1
	}
	return r
}

// InvMod returns a^-1 mod a prime t (a not divisible by t).
func InvMod(a, t uint64) uint64 { return PowMod(a, t-2, t) }
