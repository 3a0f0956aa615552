package hamming

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
)

// rerandomise adds v*pk + (e0, e1) at level 0, v ternary, e0 uniform in
// [-2^F, 2^F] (noise flooding) and e1 ternary, so that the answer
// ciphertext is (up to statistical distance) a fresh encryption of its
// message.
func (s *Server) rerandomise(k *Keys, ct *rlwe.Ciphertext) error {
	if s.opt.FloodBits < 0 {
		return nil
	}
	p := s.p
	rq := p.bgv.RingQ().AtLevel(0)
	q := rq.SubRings[0].Modulus
	N := p.N()
	v, e0, e1 := rq.NewPoly(), rq.NewPoly(), rq.NewPoly()
	if err := ternary(s.opt.Rand, q, v.Coeffs[0], e1.Coeffs[0]); err != nil {
		return err
	}
	buf := make([]byte, 8*N)
	if _, err := io.ReadFull(s.opt.Rand, buf); err != nil {
		return err
	}
	F := uint(s.opt.FloodBits)
	for i := 0; i < N; i++ {
		r := binary.LittleEndian.Uint64(buf[8*i:]) & (1<<(F+1) - 1)
		if r >= 1<<F {
			e0.Coeffs[0][i] = q - 1 - (r - 1<<F) // in [-2^F, -1]
		} else {
			e0.Coeffs[0][i] = r
		}
	}
	rq.NTT(v, v) // pk is stored in Montgomery form: no MForm on v
	rq.NTT(e0, e0)
	rq.NTT(e1, e1)
	rq.MulCoeffsMontgomeryThenAdd(v, k.pk[0], ct.Value[0])
	rq.MulCoeffsMontgomeryThenAdd(v, k.pk[1], ct.Value[1])
	rq.Add(ct.Value[0], e0, ct.Value[0])
	rq.Add(ct.Value[1], e1, ct.Value[1])
	return nil
}

// ternary fills each of outs with uniform values in {-1, 0, 1} mod q,
// drawn from rand by rejection (a byte below 255 gives b mod 3), so that
// the three values are exactly equally likely.
func ternary(rand io.Reader, q uint64, outs ...[]uint64) error {
	var buf [256]byte
	have, used := 0, 0
	for _, out := range outs {
		for i := range out {
			for {
				if used == have {
					if _, err := io.ReadFull(rand, buf[:]); err != nil {
						return err
					}
					have, used = len(buf), 0
				}
				b := buf[used]
				used++
				if b == 255 {
					continue
				}
				out[i] = [3]uint64{0, 1, q - 1}[b%3]
				break
			}
		}
	}
	return nil
}

// Verdict checks the reply against the masks: the query matches iff some
// slot holds R*g = 0. It also returns the number of zero slots (each stands
// for at least one database entry within the threshold).
func (s *Server) Verdict(st *VerdictState, reply []byte) (match bool, slots int, err error) {
	p := s.p
	if st == nil || st.done {
		return false, 0, fmt.Errorf("hamming: verdict: state missing or used")
	}
	K := len(st.masks)
	if len(reply) != p.ReplySize(K) {
		return false, 0, fmt.Errorf("hamming: verdict: reply of %d bytes, want %d", len(reply), p.ReplySize(K))
	}
	if err := p.checkHeader(core.KindHammingReply, reply); err != nil {
		return false, 0, fmt.Errorf("hamming: verdict: %w", err)
	}
	if int(binary.LittleEndian.Uint16(reply[core.HeaderLen:])) != K {
		return false, 0, fmt.Errorf("hamming: verdict: reply count mismatch")
	}
	st.done = true
	pos := core.HeaderLen + 2
	nb := (p.N()*replyWidth + 7) / 8
	vals := make([]uint64, p.N())
	for o := 0; o < K; o++ {
		if err := unpackValues(reply[pos:pos+nb], vals); err != nil {
			return false, 0, fmt.Errorf("hamming: verdict: %w", err)
		}
		pos += nb
		for i, v := range vals {
			if v == st.masks[o][i] {
				slots++
			}
		}
	}
	return slots > 0, slots, nil
}
