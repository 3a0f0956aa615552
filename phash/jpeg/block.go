package jpeg

// This file decodes one block of a scan: sequential blocks (T.81 F.2.2) go
// straight through the IDCT into their component's plane; progressive
// blocks (G.2: DC first and refinement, AC first and refinement with
// end-of-band runs) update stored coefficients, transformed after the last
// scan.

// greyMCU fills the blocks of a skipped MCU with flat grey, the samples
// libjpeg's all-zero coefficients give.
func (d *decoder) greyMCU(single bool, x, y int) {
	fill := func(c *component, bx, by int) {
		stride := c.bw * 8
		for r := 0; r < 8; r++ {
			row := c.plane[(by*8+r)*stride+bx*8:][:8]
			for i := range row {
				row[i] = 128
			}
		}
	}
	if single {
		fill(d.scan[0], x, y)
		return
	}
	for _, c := range d.scan {
		for v := 0; v < c.v; v++ {
			for h := 0; h < c.h; h++ {
				fill(c, x*c.h+h, y*c.v+v)
			}
		}
	}
}

// decodeBlock decodes one block of the current scan at block position
// (bx, by) of component c.
func (d *decoder) decodeBlock(c *component, bx, by int, blk *[64]int32) {
	if !d.progressive {
		stride := c.bw * 8
		dst := c.plane[by*8*stride+bx*8:]
		if d.decodeSequential(c, blk) {
			idct(blk, dst, stride)
		} else {
			// Only the DC coefficient: both IDCT passes reduce to this.
			v := sat((int(blk[0])<<pass1Bits + 1<<(pass1Bits+2)) >> (pass1Bits + 3))
			for r := 0; r < 8; r++ {
				row := dst[r*stride : r*stride+8 : r*stride+8]
				row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = v, v, v, v, v, v, v, v
			}
		}
		return
	}
	co := (*[64]int16)(c.coefs[(by*c.bw+bx)*64:][:64])
	switch {
	case d.ss == 0 && d.ah == 0:
		s, ok := d.br.decode(d.dc[c.td])
		if !ok {
			d.br.bad++
		}
		c.pred += d.br.receiveExtend(int(s))
		co[0] = int16(c.pred << d.al)
	case d.ss == 0:
		if d.br.getBit() {
			co[0] |= 1 << d.al
		}
	case d.ah == 0:
		d.acFirst(c, co)
	default:
		d.acRefine(c, co)
	}
}

// decodeSequential decodes one block of a sequential scan into blk,
// dequantised, and reports whether any AC coefficient is set. The AC loop
// keeps the bit accumulator in locals and refills it only when fewer than
// 32 bits remain, enough for one code and its value.
func (d *decoder) decodeSequential(c *component, blk *[64]int32) (ac bool) {
	*blk = [64]int32{}
	br := &d.br
	q := c.qt
	if br.n < 32 {
		br.fill()
	}
	acc, n := br.acc, br.n
	var ok bool
	var ds uint8
	dt := d.dc[c.td]
	if e := dt.look[(acc>>uint(n-lookBits))&(1<<lookBits-1)]; e != 0 {
		n -= int(e >> 8)
		ds = uint8(e)
	} else {
		br.sync(n)
		if ds, ok = br.decodeSlow(dt); !ok {
			br.bad++
		}
		if br.n < 32 {
			br.fill()
		}
		acc, n = br.acc, br.n
	}
	if s := int(ds); s != 0 {
		n -= s
		v := int32(acc>>uint(n)) & (1<<s - 1)
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		c.pred += v
	}
	blk[0] = int32(int16(c.pred)) * q[0]
	at := d.ac[c.ta]
	for k := 1; k < 64; k++ {
		if n < 32 {
			br.sync(n)
			br.fill()
			acc, n = br.acc, br.n
		}
		var rs uint8
		if e := at.look[(acc>>uint(n-lookBits))&(1<<lookBits-1)]; e != 0 {
			n -= int(e >> 8)
			rs = uint8(e)
		} else {
			br.sync(n)
			rs, ok = br.decodeSlow(at)
			if !ok {
				br.bad++
			}
			acc, n = br.acc, br.n
		}
		r, s := int(rs>>4), int(rs&15)
		if s != 0 {
			k += r
			n -= s
			v := int32(acc>>uint(n)) & (1<<s - 1)
			if v < 1<<(s-1) {
				v += -1<<s + 1
			}
			z := zigzag[k]
			blk[z] = v * q[z]
			ac = true
		} else {
			if r != 15 {
				break
			}
			k += 15
		}
	}
	br.sync(n)
	return ac
}

func (d *decoder) acFirst(c *component, co *[64]int16) {
	if d.eobrun > 0 {
		d.eobrun--
		return
	}
	br := &d.br
	ac := d.ac[c.ta]
	for k := d.ss; k <= d.se; k++ {
		rs, ok := br.decode(ac)
		if !ok {
			br.bad++
		}
		r, s := int(rs>>4), int(rs&15)
		if s != 0 {
			k += r
			co[zigzag[k]] = int16(br.receiveExtend(s) << d.al)
		} else {
			if r != 15 {
				d.eobrun = 1 << r
				if r != 0 {
					d.eobrun += int(br.getBits(r))
				}
				d.eobrun--
				break
			}
			k += 15
		}
	}
}

// refineBit applies a successive-approximation correction bit to the
// nonzero coefficient *c: away from zero by p1 (or m1 when negative),
// unless that bit is already set.
func refineBit(br *bitReader, c *int16, p1, m1 int16) {
	if br.getBit() && *c&p1 == 0 {
		if *c >= 0 {
			*c += p1
		} else {
			*c += m1
		}
	}
}

func (d *decoder) acRefine(c *component, co *[64]int16) {
	br := &d.br
	p1 := int16(1) << d.al
	m1 := int16(-1) << d.al
	k := d.ss
	if d.eobrun == 0 {
		ac := d.ac[c.ta]
		for ; k <= d.se; k++ {
			rs, ok := br.decode(ac)
			if !ok {
				br.bad++
			}
			r, s := int(rs>>4), int(rs&15)
			var val int16
			if s != 0 {
				if br.getBit() {
					val = p1
				} else {
					val = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << r
				if r != 0 {
					d.eobrun += int(br.getBits(r))
				}
				break
			}
			for k <= d.se {
				if z := zigzag[k]; co[z] != 0 {
					refineBit(br, &co[z], p1, m1)
				} else {
					r--
					if r < 0 {
						break
					}
				}
				k++
			}
			if val != 0 {
				co[zigzag[k]] = val
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= d.se; k++ {
			if z := zigzag[k]; co[z] != 0 {
				refineBit(br, &co[z], p1, m1)
			}
		}
		d.eobrun--
	}
}
