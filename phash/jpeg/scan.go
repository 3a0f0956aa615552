package jpeg

import "sync"

// This file walks the scans of a frame (ITU T.81 annex B.2.3, E.2) and
// decodes sequential (F.2.2) and progressive (G.2) Huffman scans, with
// restart-marker handling as libjpeg does it (read_restart_marker and
// jpeg_resync_to_restart).

// maxScans bounds the scans of one image; real progressive files have
// about ten.
const maxScans = 1000

// decoder holds the state of one decode.
type decoder struct {
	data []byte
	pos  int
	opts Options
	warn Warnings

	width, height   int
	comps           []component
	progressive     bool
	maxH, maxV      int
	mcusX, mcusY    int
	qt              [4]*[64]int32
	dc, ac          [4]*huffTable
	jfif, adobe     bool
	adobeTransform  int
	colorSpace      int
	restartInterval int

	planes []byte  // every component's plane, pooled
	coefs  []int16 // every component's coefficients (progressive), pooled

	// current scan
	scan        []*component
	ss, se      int
	ah, al      int
	br          bitReader
	eobrun      int
	nextRestart int
	scans       int
}

// Component planes and coefficients are reused across decodes: a decode
// allocates little more than its output, and the garbage collector, which
// shares the core, stays out of the way.
var planePool, coefPool sync.Pool

func getPlane(n int) []byte {
	if p, ok := planePool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func getCoefs(n int) []int16 {
	if p, ok := coefPool.Get().(*[]int16); ok && cap(*p) >= n {
		c := (*p)[:n]
		clear(c)
		return c
	}
	return make([]int16, n)
}

// release returns the decoder's buffers to the pools; d is unusable after.
func (d *decoder) release() {
	if d.planes != nil {
		p := d.planes
		planePool.Put(&p)
	}
	if d.coefs != nil {
		q := d.coefs
		coefPool.Put(&q)
	}
	d.planes, d.coefs = nil, nil
	for i := range d.comps {
		d.comps[i].plane, d.comps[i].coefs = nil, nil
	}
}

// decode reads the whole stream and leaves the decoded samples of every
// component in its plane.
func (d *decoder) decode() error {
	if err := d.readHeader(); err != nil {
		return err
	}
	total := 0
	for i := range d.comps {
		total += d.comps[i].bw * d.comps[i].bh * 64
	}
	// Baseline planes are not cleared: every block a scan covers is
	// written (skipped MCUs as flat grey) and components no scan covered
	// are filled with grey at the end.
	d.planes = getPlane(total)
	if d.progressive {
		d.coefs = getCoefs(total)
	}
	off := 0
	for i := range d.comps {
		c := &d.comps[i]
		n := c.bw * c.bh * 64
		c.plane = d.planes[off : off+n : off+n]
		if d.progressive {
			c.coefs = d.coefs[off : off+n : off+n]
		}
		off += n
	}
loop:
	for {
		m := d.nextMarker()
		switch {
		case m == 0:
			if d.scans == 0 {
				return d.errorf("no image data")
			}
			d.warn.Truncated++
			break loop
		case m == mEOI:
			break loop
		case m == mSOS:
			if d.scans >= maxScans {
				// Each scan walks every block: bound the work a small file
				// can ask for, as libjpeg-turbo's TurboJPEG API does.
				return d.errorf("more than %d scans", maxScans)
			}
			if d.scans == 0 {
				d.colorSpace = d.guessColorSpace()
			}
			if err := d.readSOS(); err != nil {
				return err
			}
			if err := d.decodeScan(); err != nil {
				return err
			}
			d.scans++
		case m >= 0xc0 && m <= 0xcf && m != mDHT && m != 0xc8 && m != 0xcc:
			return d.errorf("second frame header")
		case m >= mRST0 && m <= mRST7 || m == 0x01:
		default:
			if d.pos+2 <= len(d.data) && d.pos+d.u16(d.pos) > len(d.data) && d.scans > 0 {
				// A segment cut off by the end of the file: libjpeg meets
				// its inserted EOI and ends the image here.
				d.warn.Truncated++
				break loop
			}
			if err := d.readMisc(m); err != nil {
				return err
			}
		}
	}
	if d.scans == 0 {
		return d.errorf("no image data")
	}
	if d.opts.Strict && d.warn.Any() {
		return d.errorf("corrupt data (%+v)", d.warn)
	}
	if !d.progressive {
		for i := range d.comps {
			if c := &d.comps[i]; !c.scanned {
				for j := range c.plane {
					c.plane[j] = 128
				}
			}
		}
	}
	if d.progressive {
		var blk [64]int32
		for i := range d.comps {
			c := &d.comps[i]
			if c.qt == nil {
				// never in a scan: libjpeg has no table either and fails
				return d.errorf("component %d has no quantisation table", i)
			}
			stride := c.bw * 8
			for by := 0; by < c.bh; by++ {
				for bx := 0; bx < c.bw; bx++ {
					co := c.coefs[(by*c.bw+bx)*64:][:64]
					for k := range blk {
						blk[k] = int32(co[k]) * c.qt[k]
					}
					idct(&blk, c.plane[by*8*stride+bx*8:], stride)
				}
			}
		}
	}
	return nil
}

func (d *decoder) readSOS() error {
	p, err := d.segment(mSOS)
	if err != nil {
		return err
	}
	if len(p) < 1 {
		return d.errorf("scan header empty")
	}
	n := int(p[0])
	if n < 1 || n > 4 || len(p) != 4+2*n {
		return d.errorf("scan header of %d bytes for %d components", len(p), n)
	}
	d.scan = d.scan[:0]
	blocks := 0
	for i := 0; i < n; i++ {
		id, t := p[1+2*i], p[2+2*i]
		var c *component
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return d.errorf("scan names unknown component %d", id)
		}
		for _, o := range d.scan {
			if o == c {
				return d.errorf("scan names component %d twice", id)
			}
		}
		c.td, c.ta = int(t>>4), int(t&15)
		if c.td > 3 || c.ta > 3 {
			return d.errorf("scan Huffman tables %d/%d", c.td, c.ta)
		}
		if !c.seen {
			// libjpeg latches the quantisation table when a component's
			// first scan starts.
			if d.qt[c.tq] == nil {
				return d.errorf("quantisation table %d not defined", c.tq)
			}
			q := *d.qt[c.tq]
			c.qt = &q
			c.seen = true
		}
		c.scanned = true
		d.scan = append(d.scan, c)
		blocks += c.h * c.v
	}
	if n > 1 && blocks > 10 {
		return d.errorf("%d blocks per MCU", blocks)
	}
	q := p[1+2*n:]
	d.ss, d.se, d.ah, d.al = int(q[0]), int(q[1]), int(q[2]>>4), int(q[2]&15)
	if d.progressive {
		bad := false
		if d.ss == 0 {
			bad = d.se != 0
		} else {
			bad = d.ss > d.se || d.se > 63 || n != 1
		}
		if d.ah != 0 && d.al != d.ah-1 {
			bad = true
		}
		if d.al > 13 {
			bad = true
		}
		if bad {
			return d.errorf("bad progression Ss=%d Se=%d Ah=%d Al=%d", d.ss, d.se, d.ah, d.al)
		}
	}
	for _, c := range d.scan {
		needDC := !d.progressive || (d.ss == 0 && d.ah == 0)
		needAC := !d.progressive || d.ss != 0
		if needDC {
			if d.dc[c.td] == nil {
				return d.errorf("DC Huffman table %d not defined", c.td)
			}
			if d.dc[c.td].maxSym > 15 {
				return d.errorf("DC Huffman table %d has symbols above 15", c.td)
			}
		}
		if needAC && d.ac[c.ta] == nil {
			return d.errorf("AC Huffman table %d not defined", c.ta)
		}
	}
	return nil
}

// startSegment resets the bit reader at d.pos for entropy-coded data.
func (d *decoder) startSegment() {
	d.br = bitReader{data: d.data, pos: d.pos}
	for _, c := range d.scan {
		c.pred = 0
	}
	d.eobrun = 0
}

// restart consumes a restart marker between intervals, following
// libjpeg's read_restart_marker, jpeg_resync_to_restart and
// process_restart.
func (d *decoder) restart() {
	d.endSegment()
	short := d.br.short
	d.pos = d.br.pos
	marker := d.br.marker
	if marker == 0 {
		marker = d.nextMarker()
		if marker == 0 {
			d.pos = len(d.data)
		}
	} else {
		d.nextMarker() // step over the marker the bit reader stopped at
	}
	if marker == 0 {
		// libjpeg's source managers insert an EOI marker at the end of
		// the data.
		marker = mEOI
	}
	want := d.nextRestart
	unread := byte(0)
	if marker != byte(mRST0+want) {
		d.warn.Truncated++
		for {
			action := 1
			switch {
			case marker < mSOF0:
				action = 2
			case marker < mRST0 || marker > mRST7:
				action = 3
			default:
				r := int(marker - mRST0)
				if r == (want+1)&7 || r == (want+2)&7 {
					action = 3
				} else if r == (want-1)&7 || r == (want-2)&7 {
					action = 2
				}
			}
			if action == 1 {
				break
			}
			if action == 3 {
				unread = marker
				break
			}
			marker = d.nextMarker()
			if marker == 0 {
				marker = mEOI
			}
		}
	}
	d.nextRestart = (d.nextRestart + 1) & 7
	if unread != 0 {
		// Leave the marker for the code that reads markers after the scan,
		// and read the following segments as empty.
		d.pos -= 2
		if d.pos > len(d.data)-2 {
			d.pos = len(d.data)
		}
		d.startSegment()
		d.br.ended = true
		d.br.marker = unread
		d.br.short = short
		return
	}
	d.startSegment()
}

// endSegment counts the warnings of the entropy-coded segment just read.
func (d *decoder) endSegment() {
	if d.br.short {
		d.warn.Truncated++
	}
	d.warn.BadCode += d.br.bad
	d.br.bad = 0
}

// decodeScan decodes the entropy-coded data of the current scan.
func (d *decoder) decodeScan() error {
	d.nextRestart = 0
	d.startSegment()
	single := len(d.scan) == 1
	var mx, my int
	if single {
		c := d.scan[0]
		mx, my = (c.dsW+7)/8, (c.dsH+7)/8
	} else {
		mx, my = d.mcusX, d.mcusY
	}
	var blk [64]int32
	togo := d.restartInterval
	for y := 0; y < my; y++ {
		for x := 0; x < mx; x++ {
			if d.restartInterval > 0 {
				if togo == 0 {
					d.restart()
					togo = d.restartInterval
				}
				togo--
			}
			if d.br.short {
				if !d.progressive {
					d.greyMCU(single, x, y)
				}
				continue
			}
			if single {
				d.decodeBlock(d.scan[0], x, y, &blk)
				continue
			}
			for _, c := range d.scan {
				for v := 0; v < c.v; v++ {
					for h := 0; h < c.h; h++ {
						d.decodeBlock(c, x*c.h+h, y*c.v+v, &blk)
					}
				}
			}
		}
	}
	// Leave d.pos at the marker that ends the scan.
	d.pos = d.br.pos
	d.endSegment()
	return nil
}
