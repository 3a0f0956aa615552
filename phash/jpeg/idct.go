package jpeg

// This file is the "accurate integer" inverse DCT, libjpeg's JDCT_ISLOW
// (jidctint.c), the method libjpeg-turbo uses by default: a separable 2-D
// transform after Loeffler, Ligtenberg and Moschytz, computed in 13-bit
// fixed point (CONST_BITS), with the column pass keeping 2 extra bits
// (PASS1_BITS) and descaling by rounding right shifts. Where only corrupt
// data reaches (values beyond 16 bits between the passes, samples far
// outside 0..255) it saturates as libjpeg-turbo's SIMD code on x86-64 does,
// not wraps as its C range-limit table would: that matched djpeg on more
// corrupt files.

const (
	constBits = 13
	pass1Bits = 2

	fix0298631336 = 2446  // FIX(0.298631336)
	fix0390180644 = 3196  // FIX(0.390180644)
	fix0541196100 = 4433  // FIX(0.541196100)
	fix0765366865 = 6270  // FIX(0.765366865)
	fix0899976223 = 7373  // FIX(0.899976223)
	fix1175875602 = 9633  // FIX(1.175875602)
	fix1501321110 = 12299 // FIX(1.501321110)
	fix1847759065 = 15137 // FIX(1.847759065)
	fix1961570560 = 16069 // FIX(1.961570560)
	fix2053119869 = 16819 // FIX(2.053119869)
	fix2562915447 = 20995 // FIX(2.562915447)
	fix3072711026 = 25172 // FIX(3.072711026)
)

// s16 saturates a column-pass output to 16 bits.
func s16(x int) int {
	return min(max(x, -32768), 32767)
}

// sat level-shifts a row-pass output and saturates it to a sample.
func sat(x int) uint8 {
	x += 128
	if x < 0 {
		return 0
	}
	if x > 255 {
		return 255
	}
	return uint8(x)
}

// idct transforms one block of dequantised coefficients in natural order
// and writes 8x8 samples to dst at stride.
func idct(in *[64]int32, dst []byte, stride int) {
	var ws [64]int
	for c := 0; c < 8; c++ {
		if in[8+c]|in[16+c]|in[24+c]|in[32+c]|in[40+c]|in[48+c]|in[56+c] == 0 {
			dc := int(in[c]) << pass1Bits
			ws[c], ws[8+c], ws[16+c], ws[24+c] = dc, dc, dc, dc
			ws[32+c], ws[40+c], ws[48+c], ws[56+c] = dc, dc, dc, dc
			continue
		}
		// Even part.
		z2 := int(in[16+c])
		z3 := int(in[48+c])
		z1 := (z2 + z3) * fix0541196100
		tmp2 := z1 + z3*-fix1847759065
		tmp3 := z1 + z2*fix0765366865
		z2 = int(in[c])
		z3 = int(in[32+c])
		tmp0 := (z2 + z3) << constBits
		tmp1 := (z2 - z3) << constBits
		tmp10 := tmp0 + tmp3
		tmp13 := tmp0 - tmp3
		tmp11 := tmp1 + tmp2
		tmp12 := tmp1 - tmp2
		// Odd part.
		tmp0 = int(in[56+c])
		tmp1 = int(in[40+c])
		tmp2 = int(in[24+c])
		tmp3 = int(in[8+c])
		z1 = tmp0 + tmp3
		z2 = tmp1 + tmp2
		z3 = tmp0 + tmp2
		z4 := tmp1 + tmp3
		z5 := (z3 + z4) * fix1175875602
		tmp0 *= fix0298631336
		tmp1 *= fix2053119869
		tmp2 *= fix3072711026
		tmp3 *= fix1501321110
		z1 *= -fix0899976223
		z2 *= -fix2562915447
		z3 *= -fix1961570560
		z4 *= -fix0390180644
		z3 += z5
		z4 += z5
		tmp0 += z1 + z3
		tmp1 += z2 + z4
		tmp2 += z2 + z3
		tmp3 += z1 + z4
		const sh = constBits - pass1Bits
		const rnd = 1 << (sh - 1)
		ws[c] = s16((tmp10 + tmp3 + rnd) >> sh)
		ws[56+c] = s16((tmp10 - tmp3 + rnd) >> sh)
		ws[8+c] = s16((tmp11 + tmp2 + rnd) >> sh)
		ws[48+c] = s16((tmp11 - tmp2 + rnd) >> sh)
		ws[16+c] = s16((tmp12 + tmp1 + rnd) >> sh)
		ws[40+c] = s16((tmp12 - tmp1 + rnd) >> sh)
		ws[24+c] = s16((tmp13 + tmp0 + rnd) >> sh)
		ws[32+c] = s16((tmp13 - tmp0 + rnd) >> sh)
	}
	for r := 0; r < 8; r++ {
		w := ws[8*r : 8*r+8 : 8*r+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1]|w[2]|w[3]|w[4]|w[5]|w[6]|w[7] == 0 {
			v := sat((w[0] + (1 << (pass1Bits + 2))) >> (pass1Bits + 3))
			out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = v, v, v, v, v, v, v, v
			continue
		}
		z2 := w[2]
		z3 := w[6]
		z1 := (z2 + z3) * fix0541196100
		tmp2 := z1 + z3*-fix1847759065
		tmp3 := z1 + z2*fix0765366865
		tmp0 := (w[0] + w[4]) << constBits
		tmp1 := (w[0] - w[4]) << constBits
		tmp10 := tmp0 + tmp3
		tmp13 := tmp0 - tmp3
		tmp11 := tmp1 + tmp2
		tmp12 := tmp1 - tmp2
		tmp0 = w[7]
		tmp1 = w[5]
		tmp2 = w[3]
		tmp3 = w[1]
		z1 = tmp0 + tmp3
		z2 = tmp1 + tmp2
		z3 = tmp0 + tmp2
		z4 := tmp1 + tmp3
		z5 := (z3 + z4) * fix1175875602
		tmp0 *= fix0298631336
		tmp1 *= fix2053119869
		tmp2 *= fix3072711026
		tmp3 *= fix1501321110
		z1 *= -fix0899976223
		z2 *= -fix2562915447
		z3 *= -fix1961570560
		z4 *= -fix0390180644
		z3 += z5
		z4 += z5
		tmp0 += z1 + z3
		tmp1 += z2 + z4
		tmp2 += z2 + z3
		tmp3 += z1 + z4
		const sh = constBits + pass1Bits + 3
		const rnd = 1 << (sh - 1)
		out[0] = sat((tmp10 + tmp3 + rnd) >> sh)
		out[7] = sat((tmp10 - tmp3 + rnd) >> sh)
		out[1] = sat((tmp11 + tmp2 + rnd) >> sh)
		out[6] = sat((tmp11 - tmp2 + rnd) >> sh)
		out[2] = sat((tmp12 + tmp1 + rnd) >> sh)
		out[5] = sat((tmp12 - tmp1 + rnd) >> sh)
		out[3] = sat((tmp13 + tmp0 + rnd) >> sh)
		out[4] = sat((tmp13 - tmp0 + rnd) >> sh)
	}
}
