package phash

import "fmt"

// This file holds imagehash's colorhash: the shares of black, grey and
// twelve hue/saturation bins of the whole image (no resize), each quantised
// to binbits.

// NewColorHash returns imagehash.colorhash(image, binbits=binbits): Pillow
// convert('L') for the black mask (L < 32) and Pillow convert('HSV') for
// the rest (grey: S < 85; faint colours: 85 <= S < 170; bright: S > 170;
// six hue bins each), no resize; 14*binbits bits. binbits must be 1..18.
func NewColorHash(binbits int) (*ImageHash, error) {
	if binbits < 1 || 14*binbits > MaxBits {
		return nil, fmt.Errorf("phash: colorhash: binbits %d outside 1..%d", binbits, MaxBits/14)
	}
	name := "colorhash"
	if binbits != 3 {
		name = fmt.Sprintf("colorhash-b%d", binbits)
	}
	return newImageHash(name, "colorhash", ihColor, binbits, 0, 14*binbits), nil
}

// hueBin maps a hue byte to the bin numpy.histogram assigns it with edges
// numpy.linspace(0, 255, 7) = 0, 42.5, 85, 127.5, 170, 212.5, 255 (the last
// bin closed).
func hueBin(h uint8) int {
	switch {
	case h <= 42:
		return 0
	case h <= 84:
		return 1
	case h <= 127:
		return 2
	case h <= 169:
		return 3
	case h <= 212:
		return 4
	}
	return 5
}

// color is imagehash.colorhash.
func (h *ImageHash) color(s *ihScratch, w, ht int, out []bool) {
	binbits := h.size
	var black, gray, colors int
	var faint, bright [6]int
	for i, l := range s.luma {
		if l < 256/8 {
			black++
			continue
		}
		p := s.rgb[3*i : 3*i+3 : 3*i+3]
		hue, sat := pillowHueSat(p[0], p[1], p[2])
		if sat < 256/3 {
			gray++
			continue
		}
		colors++
		switch {
		case sat < 256*2/3:
			faint[hueBin(hue)]++
		case sat > 256*2/3:
			bright[hueBin(hue)]++
		}
	}
	n := float64(w * ht)
	maxv := 1 << binbits
	quant := func(frac float64) int {
		return min(maxv-1, int(frac*float64(maxv)))
	}
	c := float64(max(1, colors))
	values := make([]int, 0, 14)
	values = append(values, quant(float64(black)/n), quant(float64(gray)/n))
	for _, k := range faint {
		values = append(values, quant(float64(k)/c))
	}
	for _, k := range bright {
		values = append(values, quant(float64(k)/c))
	}
	// imagehash's bit i of a value v is (v // 2**(binbits-i-1)) % 2**(binbits-i) > 0,
	// which is not plain binary for i > 0; reproduced as written.
	for j, v := range values {
		for i := 0; i < binbits; i++ {
			out[j*binbits+i] = (v>>(binbits-i-1))%(1<<(binbits-i)) > 0
		}
	}
}
