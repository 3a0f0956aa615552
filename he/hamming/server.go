package hamming

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Options tune the server.
type Options struct {
	// PreEncode keeps every database plaintext in NTT form at every
	// ciphertext prime, so that no plaintext is transformed at query time
	// (4.25 bytes per database bit for each of the eight primes below 2^34
	// of H14, 8 for each of the two others; the coefficients mod t are then
	// not kept).
	// Otherwise plaintexts are kept mod t (17 bits per coefficient) and
	// lifted and transformed at query time at the primes not pre-encoded.
	PreEncode bool
	// PreEncodeLimbs, when PreEncode is false, pre-encodes this many
	// primes: those below 2^34 first (4.25 bytes per database bit each),
	// then the others (8 bytes each). 0: none.
	PreEncodeLimbs int
	// Workers is the number of goroutines (default GOMAXPROCS).
	Workers int
	// Rand is the source of masks and re-randomisation (default crypto/rand).
	Rand io.Reader
	// FloodBits is log2 of the bound of the uniform noise added to every
	// answer coefficient (0: the default, see doc.go; negative: none).
	FloodBits int
}

// Server holds the pre-processed database. Answer may be called concurrently.
type Server struct {
	p       Parameters
	db      *database
	opt     Options
	outputs int
	mono    []ring.Poly
	diag    *diagonal // the diagonal circuit's candidates (db then has one group and no plaintexts)
}

// VerdictState is what the server keeps between Answer and Verdict: the
// masks. It has no wire form.
type VerdictState struct {
	masks [][]uint64
	done  bool
}

// NewServer pre-processes the database once.
func NewServer(p Parameters, db [][32]byte, opt Options) (*Server, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.FloodBits == 0 {
		opt.FloodBits = p.defaultFloodBits()
	}
	if p.lit.Diagonal {
		d, err := newDiagonal(p, db)
		if err != nil {
			return nil, err
		}
		return &Server{p: p, db: &database{size: len(db), groups: 1}, opt: opt, outputs: 1, diag: d}, nil
	}
	limbs := opt.PreEncodeLimbs
	if opt.PreEncode {
		limbs = p.bgv.MaxLevel() + 1
	}
	d, err := preprocess(p, db, limbs, opt.Workers)
	if err != nil {
		return nil, err
	}
	k, err := p.outputsFor(d.groups)
	if err != nil {
		return nil, err
	}
	if k > MaxOutputs {
		return nil, fmt.Errorf("hamming: %d entries need %d answer ciphertexts, at most %d", len(db), k, MaxOutputs)
	}
	return &Server{p: p, db: d, opt: opt, outputs: k, mono: monomials(p)}, nil
}

// outputGroups returns the operands answer ciphertext o multiplies: the
// groups g = o mod K, then, when K does not divide the groups, the
// padding group (index groups, an all-padding group that never matches)
// until every output has ceil(groups/K) operands. Every output then runs
// the same product tree and ends at the same level and scale.
func (s *Server) outputGroups(o int) []int {
	var gs []int
	for g := o; g < s.db.groups; g += s.outputs {
		gs = append(gs, g)
	}
	for per := (s.db.groups + s.outputs - 1) / s.outputs; len(gs) < per; {
		gs = append(gs, s.db.groups)
	}
	return gs
}

// Outputs returns the number of answer ciphertexts.
func (s *Server) Outputs() int { return s.outputs }

// MemBytes returns the memory held by the pre-processed database.
func (s *Server) MemBytes() int {
	if s.diag != nil {
		return s.diag.memBytes()
	}
	return s.db.memBytes()
}

// defaultFloodBits is log2(q0) - 22: t * 2^F stays below q0/32.
func (p Parameters) defaultFloodBits() int {
	return p.lit.LogQ[0] - 22
}

// parseQuery decodes a query for k answer ciphertexts into the hash
// ciphertext and the k blinding ciphertexts.
func (p Parameters) parseQuery(b []byte, k int) (x *rlwe.Ciphertext, r []*rlwe.Ciphertext, err error) {
	if len(b) != p.QuerySize(k) {
		return nil, nil, fmt.Errorf("%d bytes, want %d for %d answer ciphertexts", len(b), p.QuerySize(k), k)
	}
	if err := p.checkHeader(core.KindHammingQuery, b); err != nil {
		return nil, nil, err
	}
	if got := int(binary.LittleEndian.Uint16(b[core.HeaderLen:])); got != k {
		return nil, nil, fmt.Errorf("query blinds %d answer ciphertexts, want %d", got, k)
	}
	pos := core.HeaderLen + 2
	read := func(level int) (*rlwe.Ciphertext, error) {
		ct := bgv.NewCiphertext(p.bgv, 1, level)
		seed := b[pos : pos+core.SeedLen]
		pos += core.SeedLen
		if level == rLevel {
			nb := p.blindBytes()
			if err := p.readBlind(b[pos:pos+nb], ct.Value[0]); err != nil {
				return nil, err
			}
			pos += nb
		} else {
			nb := polyBytes(p.N(), p.limbsQ(level))
			if err := unpackPoly(b[pos:pos+nb], ringCoeffs(ct.Value[0], level), p.limbsQ(level)); err != nil {
				return nil, err
			}
			pos += nb
		}
		return ct, expandSeeded(p, seed, ct.Value[1], level)
	}
	if x, err = read(p.bgv.MaxLevel()); err != nil {
		return nil, nil, err
	}
	r = make([]*rlwe.Ciphertext, k)
	for o := range r {
		if r[o], err = read(rLevel); err != nil {
			return nil, nil, fmt.Errorf("blinding ciphertext %d: %w", o, err)
		}
	}
	return x, r, nil
}

// AnswerSize returns the size of an answer with k ciphertexts.
func (p Parameters) AnswerSize(k int) int {
	return core.HeaderLen + 2 + 4 + k*p.compressedCtBytes()
}

func (p Parameters) parseAnswer(b []byte) ([]*rlwe.Ciphertext, error) {
	if err := p.checkHeader(core.KindHammingAnswer, b); err != nil {
		return nil, err
	}
	if len(b) < core.HeaderLen+6 {
		return nil, fmt.Errorf("answer of %d bytes truncated", len(b))
	}
	k := int(binary.LittleEndian.Uint16(b[core.HeaderLen:]))
	scale := uint64(binary.LittleEndian.Uint32(b[core.HeaderLen+2:]))
	if k == 0 || len(b) != p.AnswerSize(k) {
		return nil, fmt.Errorf("answer of %d bytes with %d ciphertexts, want %d", len(b), k, p.AnswerSize(k))
	}
	if scale == 0 || scale >= PlaintextModulus {
		return nil, fmt.Errorf("answer scale %d outside 1..t-1", scale)
	}
	pos := core.HeaderLen + 6
	nb := p.compressedCtBytes()
	cts := make([]*rlwe.Ciphertext, k)
	for i := range cts {
		ct := bgv.NewCiphertext(p.bgv, 1, 0)
		ct.Scale = p.bgv.NewScale(scale)
		if err := p.readCompressed(b[pos:pos+nb], [2]ring.Poly{ct.Value[0], ct.Value[1]}); err != nil {
			return nil, fmt.Errorf("answer ciphertext %d: %w", i, err)
		}
		pos += nb
		cts[i] = ct
	}
	return cts, nil
}

// Answer evaluates the circuit on one query and returns the answer and the
// masks the server keeps for Verdict.
func (s *Server) Answer(k *Keys, query []byte) (ans []byte, st *VerdictState, err error) {
	defer core.Recover(&err, "hamming: answer")
	p := s.p
	if k == nil || k.p.id != p.id {
		return nil, nil, fmt.Errorf("hamming: answer: keys for other parameters")
	}
	x, r, err := p.parseQuery(query, s.outputs)
	if err != nil {
		return nil, nil, fmt.Errorf("hamming: answer: decode query: %w", err)
	}
	W := s.opt.Workers
	evals := make([]*bgv.Evaluator, W)
	for i := range evals {
		evals[i] = k.eval.ShallowCopy()
	}
	var fs []*rlwe.Ciphertext
	if s.diag != nil {
		fs, err = s.diag.values(evals, x)
	} else {
		var E []*rlwe.Ciphertext
		if E, err = expand(p, evals, s.mono, x, p.lit.HashBits+2); err == nil {
			fs, err = s.groupValues(evals, E)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("hamming: answer: %w", err)
	}
	K := s.outputs
	outs := make([]*rlwe.Ciphertext, K)
	if err := parallelErr(W, K, func(w, o int) error {
		var ops []*rlwe.Ciphertext
		for _, g := range s.outputGroups(o) {
			if g == s.db.groups {
				ops = append(ops, fs[g].CopyNew()) // the padding group, shared
			} else {
				ops = append(ops, fs[g])
			}
		}
		ct, err := product(evals[w], ops)
		if err == nil {
			// BGV modulus switching (not DropLevel) keeps noise at the floor.
			for err == nil && ct.Level() > rLevel {
				err = evals[w].Rescale(ct, ct)
			}
			if err == nil {
				err = mulRescale(evals[w], ct, r[o], ct)
			}
		}
		if err != nil {
			return err
		}
		outs[o] = ct
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("hamming: answer: %w", err)
	}
	st = &VerdictState{masks: make([][]uint64, K)}
	ecd := bgv.NewEncoder(p.bgv)
	out := p.header(core.KindHammingAnswer)
	out = binary.LittleEndian.AppendUint16(out, uint16(K))
	out = binary.LittleEndian.AppendUint32(out, uint32(outs[0].Scale.Uint64()))
	for o, ct := range outs {
		if ct.Level() != 0 || ct.Scale.Cmp(outs[0].Scale) != 0 {
			return nil, nil, fmt.Errorf("hamming: answer: output %d at level %d", o, ct.Level())
		}
		m := make([]uint64, p.N())
		for i := range m {
			if m[i], err = uniformModT(s.opt.Rand, false); err != nil {
				return nil, nil, fmt.Errorf("hamming: answer: %w", err)
			}
		}
		st.masks[o] = m
		pt := bgv.NewPlaintext(p.bgv, 0)
		pt.Scale = ct.Scale
		if err := ecd.Encode(m, pt); err != nil {
			return nil, nil, fmt.Errorf("hamming: answer: %w", err)
		}
		if err := evals[0].Add(ct, pt, ct); err != nil {
			return nil, nil, fmt.Errorf("hamming: answer: %w", err)
		}
		if err := s.rerandomise(k, ct); err != nil {
			return nil, nil, fmt.Errorf("hamming: answer: %w", err)
		}
		out = p.appendCompressed(out, ct)
	}
	return out, st, nil
}

// groupValues computes, for every group of N entries, the ciphertext of
// f(h) = prod_{r<=k} (h - r) per slot, h = floor((d+e)/2).
func (s *Server) groupValues(evals []*bgv.Evaluator, E []*rlwe.Ciphertext) ([]*rlwe.Ciphertext, error) {
	p := s.p
	d := s.db
	n := p.lit.HashBits
	top := p.bgv.MaxLevel()
	W := len(evals)
	t := uint64(PlaintextModulus)
	inv := modInv(uint64(1)<<p.expandLog()%t, t)
	kk := p.thresholdK()
	fs := make([]*rlwe.Ciphertext, d.groups)
	ecds := make([]*bgv.Encoder, W)
	for i := range ecds {
		ecds[i] = bgv.NewEncoder(p.bgv)
	}
	// The plaintexts are lifted without the Montgomery factor: multiplying
	// E[c] by it once here (in place) makes the Montgomery reduction of the
	// accumulated products return sum_c E[c] * pt.
	ringTop := p.bgv.RingQ().AtLevel(top)
	EM := E[:n+1]
	parallel(W, n+1, func(_, c int) {
		for i := range EM[c].Value {
			ringTop.MForm(EM[c].Value[i], EM[c].Value[i])
		}
	})
	accs := s.linear(W, EM)
	if err := parallelErr(W, d.groups, func(w, g int) error {
		ringQ := ringTop
		acc := accs[g]
		accs[g] = nil
		ringQ.MulScalarThenAdd(E[n+1].Value[0], inv, acc.Value[0])
		ringQ.MulScalarThenAdd(E[n+1].Value[1], inv, acc.Value[1])
		f, err := finishGroup(evals[w], ecds[w], acc, d.base[g], kk)
		fs[g] = f
		return err
	}); err != nil {
		return nil, err
	}
	if d.groups%s.outputs != 0 {
		f, err := s.paddingGroup(evals[0], E[n+1], inv, kk)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// paddingGroup returns f(h) for a group of padding entries only (no bits,
// B = n+1, so h = a + n + 1 > k: never zero), computed like a real group.
func (s *Server) paddingGroup(ev *bgv.Evaluator, En1 *rlwe.Ciphertext, inv uint64, kk int) (*rlwe.Ciphertext, error) {
	p := s.p
	top := p.bgv.MaxLevel()
	ringQ := p.bgv.RingQ().AtLevel(top)
	acc := bgv.NewCiphertext(p.bgv, 1, top)
	acc.Scale = En1.Scale
	ringQ.MulScalarThenAdd(En1.Value[0], inv, acc.Value[0])
	ringQ.MulScalarThenAdd(En1.Value[1], inv, acc.Value[1])
	base := make([]uint64, p.N())
	for i := range base {
		base[i] = uint64(p.lit.HashBits + 1)
	}
	return finishGroup(ev, bgv.NewEncoder(p.bgv), acc, base, kk)
}

// finishGroup adds the plaintext base (one value per slot) to acc, the
// linear part of a group's distance at its level, rescales it and returns
// the threshold polynomial's value prod_{r<=k}(v - r).
func finishGroup(ev *bgv.Evaluator, ecd *bgv.Encoder, acc *rlwe.Ciphertext, base []uint64, k int) (*rlwe.Ciphertext, error) {
	pb := bgv.NewPlaintext(*ev.GetParameters(), acc.Level())
	pb.Scale = acc.Scale
	if err := ecd.Encode(base, pb); err != nil {
		return nil, err
	}
	if err := ev.Add(acc, pb, acc); err != nil {
		return nil, err
	}
	if err := ev.Rescale(acc, acc); err != nil {
		return nil, err
	}
	return threshold(ev, acc, k)
}
