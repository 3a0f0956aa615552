package hamming

import (
	"fmt"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Keys is the server's copy of one client's one-time key material: the
// relinearisation key, the Galois keys (the expansion's, or the diagonal
// circuit's two rotations) and the level-0 public key
// used to re-randomise answers. It is read-only after [ParseKeys] and may be
// shared by concurrent [Server.Answer] calls.
type Keys struct {
	p    Parameters
	evk  *rlwe.MemEvaluationKeySet
	eval *bgv.Evaluator
	pk   [2]ring.Poly // level 0, NTT form: b = -a s + e, a
}

// keyMaterial lists the polynomials of the key material in wire order.
// Each gadget ciphertext (the relinearisation key, then the Galois keys)
// travels through the toolkit's seeded key codec: a 32-byte seed, then
// only the c0 = -a s + e + gadget part of every component; the server
// redraws the uniform a (c1) by replaying Lattigo's key generator.
type keyMaterial struct {
	rlk   *rlwe.RelinearizationKey
	gks   []*rlwe.GaloisKey
	seeds [][core.SeedLen]byte // one per gadget ciphertext, rlk first
	pk    [2]ring.Poly
}

func newKeyTemplates(p Parameters) *keyMaterial {
	km := &keyMaterial{rlk: rlwe.NewRelinearizationKey(p.bgv)}
	for _, g := range p.galoisElements() {
		gk := rlwe.NewGaloisKey(p.bgv)
		gk.GaloisElement = g
		gk.NthRoot = p.bgv.RingQ().NthRoot()
		km.gks = append(km.gks, gk)
	}
	km.seeds = make([][core.SeedLen]byte, 1+len(km.gks))
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

// KeysSize returns the exact size of the one-time key material.
func (p Parameters) KeysSize() int {
	n := core.HeaderLen
	for _, g := range newKeyTemplates(p).gadgets() {
		n += core.GadgetSize(p.Parameters, g)
	}
	return n + 2*polyBytes(p.N(), p.limbsQ(0))
}

func (km *keyMaterial) marshal(p Parameters) []byte {
	out := p.header(core.KindHammingKeys)
	for k, g := range km.gadgets() {
		out = core.AppendGadget(out, p.Parameters, km.seeds[k], g)
	}
	out = packPoly(out, km.pk[0].Coeffs, p.limbsQ(0))
	return packPoly(out, km.pk[1].Coeffs, p.limbsQ(0))
}

// ParseKeys decodes and checks one client's key material (exact length,
// parameter fingerprint, every residue below its prime).
func ParseKeys(p Parameters, b []byte) (k *Keys, err error) {
	defer core.Recover(&err, "hamming: parse keys")
	if len(b) != p.KeysSize() {
		return nil, fmt.Errorf("hamming: parse keys: %d bytes, want %d", len(b), p.KeysSize())
	}
	if err := p.checkHeader(core.KindHammingKeys, b); err != nil {
		return nil, fmt.Errorf("hamming: parse keys: %w", err)
	}
	km := newKeyTemplates(p)
	pos := core.HeaderLen
	for k, g := range km.gadgets() {
		if km.seeds[k], err = core.ReadGadget(b[pos:], p.Parameters, g); err != nil {
			return nil, fmt.Errorf("hamming: parse keys: %w", err)
		}
		pos += core.GadgetSize(p.Parameters, g)
	}
	n0 := polyBytes(p.N(), p.limbsQ(0))
	for i := range km.pk {
		if err := unpackPoly(b[pos:pos+n0], km.pk[i].Coeffs, p.limbsQ(0)); err != nil {
			return nil, fmt.Errorf("hamming: parse keys: public key: %w", err)
		}
		pos += n0
	}
	evk := rlwe.NewMemEvaluationKeySet(km.rlk, km.gks...)
	return &Keys{p: p, evk: evk, eval: bgv.NewEvaluator(p.bgv, evk), pk: km.pk}, nil
}
