package phash

import "math"

// PDQ's frequency domain: the partial 2-D DCT of the 64x64 luma, the
// image-domain quality score, the Torben median threshold and the dihedral
// sign flips. All float arithmetic is float32 in the reference's order; the
// explicit float32 conversions around products stop the compiler from fusing
// a multiply and an add (which the Go spec allows, and which would change
// bits on arm64 and other FMA targets).

// pdqDCTMatrix is the reference's 16x64 DCT matrix, row i for frequency
// i+1: float32(float32(sqrt(2/64)) * cos(pi/2/64 * (i+1) * (2j+1))), the
// product taken in float64 as in the reference's initialiser.
var pdqDCTMatrix = func() (d [16][64]float32) {
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			d[i][j] = float32(float64(scale) * math.Cos((math.Pi/2.0/64.0)*float64(i+1)*float64(2*j+1)))
		}
	}
	return d
}()

// pdqDCT64To16 computes B = D A D^T for the 64x64 luma A, keeping
// frequencies 1..16 on each axis. Each output is a float32 sum over k in
// increasing order starting from zero, as in the reference's dct64To16.
func pdqDCT64To16(a *[64][64]float32, b *[16][16]float32) {
	d := &pdqDCTMatrix
	var t [16][64]float32 // t = D A
	for i := 0; i < 16; i++ {
		ti := &t[i]
		for k := 0; k < 64; k++ {
			dik := d[i][k]
			ak := &a[k]
			for j := range ti {
				ti[j] += float32(dik * ak[j])
			}
		}
	}
	for i := 0; i < 16; i++ {
		ti := &t[i]
		for j := 0; j < 16; j++ {
			dj := &d[j]
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(ti[k] * dj[k])
			}
			b[i][j] = s
		}
	}
}

// pdqQuality is the reference's pdqImageDomainQualityMetric: the sum over
// vertical then horizontal neighbour pairs of |int((u - v) * 100 / 255)| in
// float32, divided by 90 and capped at 100.
func pdqQuality(a *[64][64]float32) int {
	sum := 0
	for i := 0; i < 63; i++ {
		for j := 0; j < 64; j++ {
			sum += pdqGradient(a[i][j], a[i+1][j])
		}
	}
	for i := 0; i < 64; i++ {
		for j := 0; j < 63; j++ {
			sum += pdqGradient(a[i][j], a[i][j+1])
		}
	}
	return min(sum/90, 100)
}

func pdqGradient(u, v float32) int {
	d := int(float32(float32(u-v)*100) / 255)
	if d < 0 {
		d = -d
	}
	return d
}

// pdqTorben returns the median of m by Torben Mogensen's method, exactly as
// the reference's torben.cpp: for an even count, the lower middle value.
func pdqTorben(m []float32) float32 {
	n := len(m)
	lo, hi := m[0], m[0]
	for _, v := range m[1:] {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	half := (n + 1) / 2
	var less, greater, equal int
	var guess, maxlt, mingt float32
	for {
		guess = (lo + hi) / 2
		less, greater, equal = 0, 0, 0
		maxlt, mingt = lo, hi
		for _, v := range m {
			if v < guess {
				less++
				if v > maxlt {
					maxlt = v
				}
			} else if v > guess {
				greater++
				if v < mingt {
					mingt = v
				}
			} else {
				equal++
			}
		}
		if less <= half && greater <= half {
			break
		}
		if less > greater {
			hi = maxlt
		} else {
			lo = mingt
		}
	}
	switch {
	case less >= half:
		return maxlt
	case less+equal >= half:
		return guess
	default:
		return mingt
	}
}

// pdqBits thresholds the 16x16 coefficients at their median: bit i*16+j of
// the hash (counting from the least significant bit of the printed value,
// the reference's setBit numbering) is set when B[i][j] exceeds the median.
// The reference prints its sixteen 16-bit words from w[15] down to w[0], so
// the printed hex is this 256-bit integer in big-endian order.
func pdqBits(b *[16][16]float32) Hash {
	var flat [256]float32
	for i := range b {
		copy(flat[i*16:], b[i][:])
	}
	med := pdqTorben(flat[:])
	var v [32]byte
	for k, x := range flat {
		if x > med {
			v[31-k/8] |= 1 << (k % 8)
		}
	}
	return Hash{kind: PDQKind, n: 256, v: v}
}

// pdqDihedralTransform writes to out the DCT coefficients of dihedral
// transform t (a Dihedral constant) of the image whose coefficients are a:
// the reference's dct16OriginalTo* sign patterns and transposes.
func pdqDihedralTransform(t int, a, out *[16][16]float32) {
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			v := a[i][j]
			switch t {
			case DihedralOriginal:
				out[i][j] = v
			case DihedralRotate90:
				if j&1 == 0 {
					v = -v
				}
				out[j][i] = v
			case DihedralRotate180:
				if (i+j)&1 == 1 {
					v = -v
				}
				out[i][j] = v
			case DihedralRotate270:
				if i&1 == 0 {
					v = -v
				}
				out[j][i] = v
			case DihedralFlipX:
				if i&1 == 0 {
					v = -v
				}
				out[i][j] = v
			case DihedralFlipY:
				if j&1 == 0 {
					v = -v
				}
				out[i][j] = v
			case DihedralFlipPlus1:
				out[j][i] = v
			case DihedralFlipMinus1:
				if (i+j)&1 == 1 {
					v = -v
				}
				out[j][i] = v
			}
		}
	}
}
