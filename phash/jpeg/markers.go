package jpeg

import "fmt"

// This file reads the marker segments of ITU T.81 annex B: frame and scan
// headers, quantisation and Huffman tables, the restart interval, and the
// JFIF (APP0) and Adobe (APP14) markers libjpeg uses to pick the colour
// space.

const (
	mSOF0 = 0xc0 // baseline
	mSOF1 = 0xc1 // extended sequential, Huffman
	mSOF2 = 0xc2 // progressive, Huffman
	mDHT  = 0xc4
	mRST0 = 0xd0
	mRST7 = 0xd7
	mSOI  = 0xd8
	mEOI  = 0xd9
	mSOS  = 0xda
	mDQT  = 0xdb
	mDRI  = 0xdd
	mAPP0 = 0xe0
	mAPPE = 0xee
)

// colour spaces of the compressed data, as libjpeg names them.
const (
	csGray = iota
	csYCbCr
	csRGB
	csCMYK
	csYCCK
)

// component is one colour component of the frame.
type component struct {
	id      byte
	h, v    int // sampling factors
	tq      int // quantisation table selector
	td, ta  int // Huffman table selectors of the current scan
	qt      *[64]int32
	bw, bh  int // blocks per line and per column, padded to whole MCUs
	dsW     int // downsampled_width: samples per line that carry the image
	dsH     int // downsampled_height
	plane   []byte
	coefs   []int16 // progressive only: bw*bh*64, natural order
	pred    int32   // DC predictor
	seen    bool    // latched its quantisation table
	scanned bool    // named by a scan
}

func (d *decoder) errorf(format string, a ...any) error {
	return fmt.Errorf("jpeg: "+format+": %w", append(a, ErrFormat)...)
}

func (d *decoder) u16(p int) int { return int(d.data[p])<<8 | int(d.data[p+1]) }

// nextMarker returns the next marker code at or after d.pos, skipping
// bytes that are not part of a marker as libjpeg's next_marker does. It
// returns 0 at the end of the data.
func (d *decoder) nextMarker() byte {
	skipped := 0
	for {
		for d.pos < len(d.data) && d.data[d.pos] != 0xff {
			d.pos++
			skipped++
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xff {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return 0
		}
		c := d.data[d.pos]
		d.pos++
		if c != 0 {
			if skipped > 0 {
				d.warn.Extraneous++
			}
			return c
		}
		skipped += 2 // an FF 00 outside entropy-coded data
	}
}

// segment returns the payload of the marker segment at d.pos and advances.
func (d *decoder) segment(marker byte) ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, d.errorf("marker %#x: truncated length", marker)
	}
	n := d.u16(d.pos)
	if n < 2 || d.pos+n > len(d.data) {
		return nil, d.errorf("marker %#x: length %d beyond the data", marker, n)
	}
	p := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return p, nil
}

// readHeader reads markers up to and including the frame header.
func (d *decoder) readHeader() error {
	if len(d.data) < 2 || d.data[0] != 0xff || d.data[1] != mSOI {
		return d.errorf("missing SOI marker")
	}
	d.pos = 2
	for {
		m := d.nextMarker()
		switch {
		case m == 0 || m == mEOI:
			return d.errorf("no frame header before the end of the data")
		case m == mSOF0 || m == mSOF1 || m == mSOF2:
			p, err := d.segment(m)
			if err != nil {
				return err
			}
			return d.readSOF(p, m == mSOF2)
		case m >= 0xc3 && m <= 0xcf && m != mDHT && m != 0xc8 && m != 0xcc:
			return d.errorf("unsupported frame type SOF%d (lossless, hierarchical or arithmetic)", m-0xc0)
		case m == mSOS:
			return d.errorf("scan before frame header")
		case m >= mRST0 && m <= mRST7 || m == 0x01:
			// markers without a length
		default:
			if err := d.readMisc(m); err != nil {
				return err
			}
		}
	}
}

// readMisc reads a table, restart-interval or application segment.
func (d *decoder) readMisc(m byte) error {
	p, err := d.segment(m)
	if err != nil {
		return err
	}
	switch {
	case m == mDQT:
		return d.readDQT(p)
	case m == mDHT:
		return d.readDHT(p)
	case m == mDRI:
		if len(p) != 2 {
			return d.errorf("DRI length %d", len(p))
		}
		d.restartInterval = int(p[0])<<8 | int(p[1])
	case m == mAPP0:
		if len(p) >= 14 && string(p[:5]) == "JFIF\x00" {
			d.jfif = true
		}
	case m == mAPPE:
		if len(p) >= 12 && string(p[:5]) == "Adobe" {
			d.adobe = true
			d.adobeTransform = int(p[11])
		}
	}
	return nil
}

func (d *decoder) readSOF(p []byte, progressive bool) error {
	if len(p) < 6 {
		return d.errorf("frame header too short")
	}
	if p[0] != 8 {
		return d.errorf("%d-bit samples not supported", p[0])
	}
	d.height = int(p[1])<<8 | int(p[2])
	d.width = int(p[3])<<8 | int(p[4])
	n := int(p[5])
	if d.width == 0 || d.height == 0 {
		return d.errorf("image size %dx%d (DNL not supported)", d.width, d.height)
	}
	if n != 1 && n != 3 && n != 4 {
		return d.errorf("%d components not supported", n)
	}
	if len(p) != 6+3*n {
		return d.errorf("frame header length %d for %d components", len(p), n)
	}
	maxPix := d.opts.MaxPixels
	if maxPix <= 0 {
		maxPix = DefaultMaxPixels
	}
	if d.width*d.height > maxPix {
		return d.errorf("image of %dx%d exceeds %d pixels", d.width, d.height, maxPix)
	}
	d.progressive = progressive
	d.comps = make([]component, n)
	for i := range d.comps {
		c := &d.comps[i]
		q := p[6+3*i:]
		c.id = q[0]
		c.h, c.v = int(q[1]>>4), int(q[1]&15)
		c.tq = int(q[2])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return d.errorf("component %d sampling factors %dx%d", i, c.h, c.v)
		}
		if c.tq > 3 {
			return d.errorf("component %d quantisation table %d", i, c.tq)
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return d.errorf("duplicate component id %d", c.id)
			}
		}
		d.maxH = max(d.maxH, c.h)
		d.maxV = max(d.maxV, c.v)
	}
	d.mcusX = (d.width + 8*d.maxH - 1) / (8 * d.maxH)
	d.mcusY = (d.height + 8*d.maxV - 1) / (8 * d.maxV)
	for i := range d.comps {
		c := &d.comps[i]
		if d.maxH%c.h != 0 || d.maxV%c.v != 0 {
			return d.errorf("fractional sampling factors %dx%d of %dx%d", c.h, c.v, d.maxH, d.maxV)
		}
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		c.dsW = (d.width*c.h + d.maxH - 1) / d.maxH
		c.dsH = (d.height*c.v + d.maxV - 1) / d.maxV
	}
	d.colorSpace = d.guessColorSpace()
	return nil
}

// guessColorSpace follows libjpeg's default_decompress_parms.
func (d *decoder) guessColorSpace() int {
	switch len(d.comps) {
	case 1:
		return csGray
	case 3:
		if d.jfif {
			return csYCbCr
		}
		if d.adobe {
			if d.adobeTransform == 0 {
				return csRGB
			}
			return csYCbCr
		}
		a, b, c := d.comps[0].id, d.comps[1].id, d.comps[2].id
		if a == 82 && b == 71 && c == 66 {
			return csRGB
		}
		return csYCbCr
	default:
		if d.adobe && d.adobeTransform != 0 {
			return csYCCK
		}
		return csCMYK
	}
}

func (d *decoder) readDQT(p []byte) error {
	for len(p) > 0 {
		pq, tq := p[0]>>4, int(p[0]&15)
		if tq > 3 || pq > 1 {
			return d.errorf("DQT table %d precision %d", tq, pq)
		}
		n := 64 * (1 + int(pq))
		if len(p) < 1+n {
			return d.errorf("DQT table %d truncated", tq)
		}
		t := new([64]int32)
		for k := 0; k < 64; k++ {
			var v int32
			if pq == 0 {
				v = int32(p[1+k])
			} else {
				v = int32(p[1+2*k])<<8 | int32(p[2+2*k])
			}
			// libjpeg keeps the table as 16-bit signed multipliers.
			t[zigzag[k]] = int32(int16(v))
		}
		d.qt[tq] = t
		p = p[1+n:]
	}
	return nil
}

func (d *decoder) readDHT(p []byte) error {
	for len(p) > 0 {
		if len(p) < 17 {
			return d.errorf("DHT truncated")
		}
		tc, th := p[0]>>4, int(p[0]&15)
		if tc > 1 || th > 3 {
			return d.errorf("DHT class %d table %d", tc, th)
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(p[1+i])
			total += counts[i]
		}
		if total > 256 || len(p) < 17+total {
			return d.errorf("DHT table %d/%d has %d symbols", tc, th, total)
		}
		h, err := newHuffTable(counts, p[17:17+total])
		if err != nil {
			return d.errorf("DHT table %d/%d: %v", tc, th, err)
		}
		if tc == 0 {
			d.dc[th] = h
		} else {
			d.ac[th] = h
		}
		p = p[17+total:]
	}
	return nil
}

// zigzag maps the k-th coefficient of the zig-zag sequence to its natural
// (row-major) position in the 8x8 block. Sixteen extra entries of 63 absorb
// run lengths that overshoot the block in corrupt data, as libjpeg's
// jpeg_natural_order does.
var zigzag = [64 + 16]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
}
