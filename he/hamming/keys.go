package hamming

import (
	"fmt"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
	"github.com/tuneinsight/lattigo/v5/utils/sampling"
)

// Keys is the server's copy of one client's one-time key material: the
// relinearisation key, the expansion Galois keys and the level-0 public key
// used to re-randomise answers. It is read-only after [ParseKeys] and may be
// shared by concurrent [Server.Answer] calls.
type Keys struct {
	p    Params
	evk  *rlwe.MemEvaluationKeySet
	eval *bgv.Evaluator
	pk   [2]ring.Poly // level 0, NTT form: b = -a s + e, a
}

// keyMaterial lists the polynomials of the key material in wire order. Each
// gadget ciphertext (the relinearisation key, then the Galois keys) is sent
// seeded: a 32-byte seed, then only the c0 = -a s + e + gadget part of every
// component; the uniform a (c1) is regenerated from the seed by the server
// exactly as Lattigo's key generator drew it.
type keyMaterial struct {
	rlk   *rlwe.RelinearizationKey
	gks   []*rlwe.GaloisKey
	seeds [][seedLen]byte // one per gadget ciphertext, rlk first
	pk    [2]ring.Poly
}

func newKeyTemplates(p Params) *keyMaterial {
	km := &keyMaterial{rlk: rlwe.NewRelinearizationKey(p.bgv)}
	for _, g := range expandGaloisElements(p) {
		gk := rlwe.NewGaloisKey(p.bgv)
		gk.GaloisElement = g
		gk.NthRoot = p.bgv.RingQ().NthRoot()
		km.gks = append(km.gks, gk)
	}
	km.seeds = make([][seedLen]byte, 1+len(km.gks))
	rq := p.bgv.RingQ().AtLevel(0)
	km.pk = [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}
	return km
}

// gadgets returns the gadget ciphertexts in wire order.
func (km *keyMaterial) gadgets() []*rlwe.GadgetCiphertext {
	g := []*rlwe.GadgetCiphertext{&km.rlk.GadgetCiphertext}
	for _, gk := range km.gks {
		g = append(g, &gk.GadgetCiphertext)
	}
	return g
}

// visitC0 calls f on the c0 of every gadget component of g, in wire order.
func visitC0(g *rlwe.GadgetCiphertext, f func(q ringqp.Poly)) {
	for i := range g.Value {
		for j := range g.Value[i] {
			f(g.Value[i][j][0])
		}
	}
}

// seededKeyGenerator returns a key generator whose uniform polynomials come
// from a PRNG keyed by seed (the error and secret samplers are unchanged).
func seededKeyGenerator(p Params, seed []byte) (*rlwe.KeyGenerator, error) {
	prng, err := sampling.NewKeyedPRNG(seed)
	if err != nil {
		return nil, err
	}
	return &rlwe.KeyGenerator{Encryptor: rlwe.NewKeyGenerator(p.bgv).Encryptor.WithPRNG(prng)}, nil
}

// regenerateC1 redraws the c1 of every component of g from seed, in the
// order and with the sampler levels Lattigo's key generator uses.
func regenerateC1(p Params, seed []byte, g *rlwe.GadgetCiphertext) error {
	prng, err := sampling.NewKeyedPRNG(seed)
	if err != nil {
		return err
	}
	us := ringqp.NewUniformSampler(prng, *p.bgv.RingQP())
	for i := range g.Value {
		for j := range g.Value[i] {
			us.AtLevel(g.LevelQ(), g.LevelP()).Read(g.Value[i][j][1])
		}
	}
	return nil
}

// KeysSize returns the exact size of the one-time key material.
func (p Params) KeysSize() int {
	km := newKeyTemplates(p)
	n := headerLen
	N := p.N()
	for _, g := range km.gadgets() {
		n += seedLen
		visitC0(g, func(q ringqp.Poly) {
			n += polyBytes(N, p.bgv.Q()[:q.Q.Level()+1]) + polyBytes(N, p.bgv.P()[:q.P.Level()+1])
		})
	}
	return n + 2*polyBytes(N, p.limbsQ(0))
}

func (km *keyMaterial) marshal(p Params) []byte {
	out := p.header(magicKeys)
	for k, g := range km.gadgets() {
		out = append(out, km.seeds[k][:]...)
		visitC0(g, func(q ringqp.Poly) {
			out = packPoly(out, q.Q.Coeffs, p.bgv.Q()[:q.Q.Level()+1])
			out = packPoly(out, q.P.Coeffs, p.bgv.P()[:q.P.Level()+1])
		})
	}
	out = packPoly(out, km.pk[0].Coeffs, p.limbsQ(0))
	return packPoly(out, km.pk[1].Coeffs, p.limbsQ(0))
}

// ParseKeys decodes and checks one client's key material (exact length,
// parameter fingerprint, every residue below its prime).
func ParseKeys(p Params, b []byte) (k *Keys, err error) {
	defer func() {
		if r := recover(); r != nil {
			k, err = nil, fmt.Errorf("hamming: parse keys: %v", r)
		}
	}()
	if len(b) != p.KeysSize() {
		return nil, fmt.Errorf("hamming: parse keys: %d bytes, want %d", len(b), p.KeysSize())
	}
	if err := p.checkHeader(magicKeys, b); err != nil {
		return nil, fmt.Errorf("hamming: parse keys: %w", err)
	}
	km := newKeyTemplates(p)
	N := p.N()
	pos := headerLen
	for k, g := range km.gadgets() {
		copy(km.seeds[k][:], b[pos:pos+seedLen])
		pos += seedLen
		visitC0(g, func(q ringqp.Poly) {
			if err != nil {
				return
			}
			mq, mp := p.bgv.Q()[:q.Q.Level()+1], p.bgv.P()[:q.P.Level()+1]
			nq, np := polyBytes(N, mq), polyBytes(N, mp)
			if err = unpackPoly(b[pos:pos+nq], q.Q.Coeffs, mq); err == nil {
				err = unpackPoly(b[pos+nq:pos+nq+np], q.P.Coeffs, mp)
			}
			pos += nq + np
		})
		if err == nil {
			err = regenerateC1(p, km.seeds[k][:], g)
		}
		if err != nil {
			return nil, fmt.Errorf("hamming: parse keys: %w", err)
		}
	}
	n0 := polyBytes(N, p.limbsQ(0))
	for i := range km.pk {
		if err := unpackPoly(b[pos:pos+n0], km.pk[i].Coeffs, p.limbsQ(0)); err != nil {
			return nil, fmt.Errorf("hamming: parse keys: public key: %w", err)
		}
		pos += n0
	}
	evk := rlwe.NewMemEvaluationKeySet(km.rlk, km.gks...)
	return &Keys{p: p, evk: evk, eval: bgv.NewEvaluator(p.bgv, evk), pk: km.pk}, nil
}
