package phash

import "math"

// pillowLuma converts packed 8-bit RGB to 8-bit luma exactly as Pillow's
// convert('L') does for an RGB image: the ITU-R 601-2 weights in 16-bit
// fixed point, L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. It reuses
// dst when it is large enough.
func pillowLuma(dst []uint8, rgb []byte) []uint8 {
	n := len(rgb) / 3
	if cap(dst) < n {
		dst = make([]uint8, n)
	}
	dst = dst[:n]
	for i := range dst {
		p := rgb[3*i : 3*i+3 : 3*i+3]
		dst[i] = uint8((uint32(p[0])*19595 + uint32(p[1])*38470 + uint32(p[2])*7471 + 0x8000) >> 16)
	}
	return dst
}

// pillowHueSat returns the hue and saturation bytes of Pillow's
// convert('HSV') for one RGB pixel (the value byte is max(r, g, b)). Pillow
// computes them in C float and double arithmetic, following Python's
// colorsys, and truncates h*255 and s*255 to integers; the conversions
// below keep each operation at the precision the C code uses, so the bytes
// agree for all 2^24 colours (see TestPillowHSVAllColours).
func pillowHueSat(r, g, b uint8) (h, s uint8) {
	maxc := max(r, g, b)
	minc := min(r, g, b)
	if maxc == minc {
		return 0, 0
	}
	cr := float32(maxc - minc)
	sf := cr / float32(maxc)
	rc := float32(maxc-r) / cr
	gc := float32(maxc-g) / cr
	bc := float32(maxc-b) / cr
	var hf float32
	switch {
	case r == maxc:
		hf = bc - gc
	case g == maxc:
		hf = float32(float64(float64(2.0)+float64(rc)) - float64(bc))
	default:
		hf = float32(float64(float64(4.0)+float64(gc)) - float64(rc))
	}
	hf = float32(math.Mod(float64(float64(hf)/6.0)+1.0, 1.0))
	return clip8int(int(float64(hf) * 255.0)), clip8int(int(float64(sf) * 255.0))
}

// clip8int clamps an int to 0..255 as Pillow's CLIP8 macro does.
func clip8int(v int) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}
