package hashmatch

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// This file holds how the server learns the result without the client
// learning it: the server multiplies the encrypted result u (an integer:
// 0/1 or a count) in slot i by a secret odd K_i and adds a secret uniform
// R_i, so the client decrypts w_i = u*K_i + R_i, rounds it and returns it;
// the server reads u = (w_i - R_i) / K_i and checks that all slots agree.

const (
	revealSlots = 32      // slots carrying the masked result
	revealLevel = 2       // level of the answer the client decrypts
	maskBits    = 44      // R_i uniform in [0, 2^44)
	maskMax     = 1 << 44 // bound on R_i
	kBits       = 7       // K_i odd in [1, 127]
)

// Pending is the server's secret for one answer: the masks. It has no
// wire form.
type Pending struct {
	mode  Mode
	max   int
	k, r  []uint64
	spent bool
}

// reveal bootstraps the result, multiplies slot i by K_i (0 outside the
// first revealSlots), adds R_i and drops the answer to revealLevel.
func (s *Server) reveal(res *rlwe.Ciphertext, mode Mode, rng io.Reader) ([]byte, *Pending, error) {
	if rng == nil {
		return nil, nil, fmt.Errorf("nil rng")
	}
	r := s.p.residual
	var err error
	if res, err = s.btp.Bootstrap(res); err != nil {
		return nil, nil, err
	}
	scale := 1.0
	maxU := 1
	if mode == Count {
		// The count arrives divided by the number of database slots.
		scale = float64(nSlots * len(s.groups))
		maxU = s.n
	}
	pd := &Pending{mode: mode, max: maxU, k: make([]uint64, revealSlots), r: make([]uint64, revealSlots)}
	buf := make([]byte, 16*revealSlots)
	if _, err := io.ReadFull(rng, buf); err != nil {
		return nil, nil, fmt.Errorf("read mask: %w", err)
	}
	kv := make([]float64, nSlots)
	rv := make([]float64, nSlots)
	for i := 0; i < revealSlots; i++ {
		pd.k[i] = binary.BigEndian.Uint64(buf[16*i:])%(1<<(kBits-1))*2 + 1
		pd.r[i] = binary.BigEndian.Uint64(buf[16*i+8:]) % maskMax
		kv[i] = float64(pd.k[i]) * scale
		rv[i] = float64(pd.r[i])
	}
	pt := hefloat.NewPlaintext(r, res.Level())
	pt.LogDimensions = dims
	pt.Scale = rlwe.NewScale(r.Q()[res.Level()])
	if err := hefloat.NewEncoder(r).Encode(kv, pt); err != nil {
		return nil, nil, err
	}
	if err := s.eval.Mul(res, pt, res); err != nil {
		return nil, nil, err
	}
	if err := s.eval.Rescale(res, res); err != nil {
		return nil, nil, err
	}
	if err := s.eval.Add(res, rv, res); err != nil {
		return nil, nil, err
	}
	s.eval.DropLevel(res, res.Level()-revealLevel)
	out, err := s.p.encodeAnswer(res)
	if err != nil {
		return nil, nil, err
	}
	return out, pd, nil
}

// ErrTampered is wrapped by Result's error for a reply of the right
// length whose slots do not all decode to the same result: a client that
// altered it (an honest client's reply does so only with negligible
// probability).
var ErrTampered = errors.New("hashmatch: reply altered")

// ReplySize returns the byte size of a client's reply.
func ReplySize(Params) int { return 8 * revealSlots }

// Result reads the client's reply: the verdict (0 or 1) or the count. It
// errors if the reply is malformed or its slots disagree, which an honest
// client's reply does only with negligible probability; a client that
// changes the reply must guess the secret K_i of every slot to change the
// result undetected. A Pending can be used once.
func (pd *Pending) Result(reply []byte) (int, error) {
	if pd == nil || pd.spent {
		return 0, fmt.Errorf("hashmatch: result: no pending answer")
	}
	if len(reply) != 8*revealSlots {
		return 0, fmt.Errorf("hashmatch: result: reply of %d bytes, want %d", len(reply), 8*revealSlots)
	}
	pd.spent = true
	u0 := -1
	bad := 0
	for i := 0; i < revealSlots; i++ {
		w := binary.BigEndian.Uint64(reply[8*i:])
		d := w - pd.r[i] // wraps when w < R_i: rejected below
		u := d / pd.k[i]
		ok := d%pd.k[i] == 0 && u <= uint64(pd.max) && w >= pd.r[i]
		if !ok {
			bad++
			continue
		}
		if u0 < 0 {
			u0 = int(u)
		}
		bad += 1 - subtle.ConstantTimeEq(int32(u), int32(u0))
	}
	if bad != 0 || u0 < 0 {
		return 0, fmt.Errorf("hashmatch: result: %d of %d reply slots inconsistent: %w", bad, revealSlots, ErrTampered)
	}
	return u0, nil
}

// maskBound is the statistical distance between what the client decrypts
// and values independent of the result, per answer: revealSlots slots,
// each at most max*K/2^maskBits.
func maskBound(maxU int) float64 {
	return revealSlots * float64(maxU) * float64(int(1)<<kBits) / math.Exp2(maskBits)
}
