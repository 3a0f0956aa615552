package core

import (
	"math/rand/v2"
	"testing"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// TestFoldedMatchesExpand: for every split of the tree (top 0..l) and
// several need values, the folded expansion decrypts to the same
// plaintext as Expand followed by one product per leaf, the result is not
// zero, and Trace of the query times IndexSum is 2^l sum_{i<n} m_i.
func TestFoldedMatchesExpand(t *testing.T) {
	p, err := bgv.NewParametersFromLiteral(bgv.ParametersLiteral{LogN: 10, LogQ: []int{60, 60}, LogP: []int{61}, PlaintextModulus: 65537})
	if err != nil {
		t.Fatal(err)
	}
	const l = 4
	kg := rlwe.NewKeyGenerator(p)
	sk := kg.GenSecretKeyNew()
	gks := kg.GenGaloisKeysNew(ExpandGaloisElements(p.N(), l), sk)
	ev := bgv.NewEvaluator(p, rlwe.NewMemEvaluationKeySet(nil, gks...))
	enc, dec, ecd := rlwe.NewEncryptor(p, sk), rlwe.NewDecryptor(p, sk), bgv.NewEncoder(p)
	level, tm := p.MaxLevel(), p.PlaintextModulus()
	ringQ := p.RingQ().AtLevel(level)
	mono := Monomials(ringQ, l)
	rng := rand.New(rand.NewPCG(1, 2))
	// Leaf plaintexts: small coefficients, NTT and Montgomery form.
	leaves := make([]ring.Poly, 1<<l)
	for i := range leaves {
		leaves[i] = ringQ.NewPoly()
		for j := 0; j < p.N(); j++ {
			v := rng.Uint64N(16)
			for u := range leaves[i].Coeffs {
				leaves[i].Coeffs[u][j] = v
			}
		}
		ringQ.NTT(leaves[i], leaves[i])
		ringQ.MForm(leaves[i], leaves[i])
	}
	decode := func(ct *rlwe.Ciphertext) []uint64 {
		out := make([]uint64, p.N())
		if err := ecd.Decode(dec.DecryptNew(ct), out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, need := range []int{1, 5, 11, 16} {
		m := make([]uint64, p.N())
		var msum uint64
		for i := 0; i < need; i++ {
			m[i] = rng.Uint64N(tm)
			msum += m[i]
		}
		query := func() *rlwe.Ciphertext {
			pt := bgv.NewPlaintext(p, level)
			pt.IsBatched = false
			if err := ecd.Encode(m, pt); err != nil {
				t.Fatal(err)
			}
			ct, err := enc.EncryptNew(pt)
			if err != nil {
				t.Fatal(err)
			}
			return ct
		}
		es, err := Expand(p, []*bgv.Evaluator{ev}, mono, query(), need)
		if err != nil {
			t.Fatal(err)
		}
		ref := bgv.NewCiphertext(p, 1, level)
		*ref.MetaData = *es[0].MetaData
		for i, e := range es {
			for k := range e.Value {
				ringQ.MulCoeffsMontgomeryThenAdd(e.Value[k], leaves[i], ref.Value[k])
			}
		}
		want := decode(ref)
		nonzero := false
		for _, v := range want {
			nonzero = nonzero || v != 0
		}
		if !nonzero {
			t.Fatalf("need %d: reference is zero", need)
		}
		for top := 0; top <= l; top++ {
			f, err := NewFolded(ringQ, mono, top, need, func(i int) ring.Poly { return leaves[i] })
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Eval(p, []*bgv.Evaluator{ev, ev.ShallowCopy()}, mono, query())
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range decode(got) {
				if v != want[j] {
					t.Fatalf("need %d top %d: coefficient %d is %d, want %d", need, top, j, v, want[j])
				}
			}
		}
		// The selector sum by the trace.
		n := max(need-1, 1)
		x := query()
		is := IndexSum(ringQ, n)
		for k := range x.Value {
			ringQ.MulCoeffsMontgomery(x.Value[k], is, x.Value[k])
		}
		tr, err := Trace(p, ev, x, l)
		if err != nil {
			t.Fatal(err)
		}
		var s uint64
		for i := 0; i < n; i++ {
			s += m[i]
		}
		got := decode(tr)
		if want := (s << l) % tm; got[0] != want {
			t.Fatalf("need %d: trace constant %d, want %d", need, got[0], want)
		}
		for j, v := range got[1:] {
			if v != 0 {
				t.Fatalf("need %d: trace coefficient %d is %d, want 0", need, j+1, v)
			}
		}
	}
	if _, err := NewFolded(ringQ, mono, l+1, 3, func(i int) ring.Poly { return leaves[i] }); err == nil {
		t.Fatal("a top past the tree was accepted")
	}
}
