package hamming

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sort"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Options tune the server.
type Options struct {
	// PreEncode keeps every database plaintext in NTT form at every
	// ciphertext prime below 2^34 (8 of PN14's 10; the 55- and 52-bit primes
	// are still lifted at query time): faster answers, 4.25 bytes per
	// database bit per prime.
	// Otherwise plaintexts are kept mod t (4 bytes per coefficient) and
	// lifted and transformed at query time.
	PreEncode bool
	// PreEncodeLimbs, when PreEncode is false, pre-encodes only the first
	// PreEncodeLimbs primes below 2^34 (4.25 bytes per database bit each);
	// the others are lifted at query time. 0: none.
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
	p       Params
	db      *database
	opt     Options
	outputs int
	mono    []ring.Poly
}

// VerdictState is what the server keeps between Answer and Verdict: the
// masks. It has no wire form.
type VerdictState struct {
	masks [][]uint64
	done  bool
}

// NewServer pre-processes the database once.
func NewServer(p Params, db [][32]byte, opt Options) (*Server, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.FloodBits == 0 {
		opt.FloodBits = p.defaultFloodBits()
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
	return &Server{p: p, db: d, opt: opt, outputs: k, mono: monomials(p)}, nil
}

// Outputs returns the number of answer ciphertexts.
func (s *Server) Outputs() int { return s.outputs }

// MemBytes returns the memory held by the pre-processed database.
func (s *Server) MemBytes() int { return s.db.memBytes() }

// thresholdLeaves returns the levels of the factors of f(h) = prod_{r<=k}(h-r):
// u + r(k-r) for r < (k+1)/2 at level L-2 (u = h(h-k)), and h - k/2 at
// level L-1 when k+1 is odd.
func (p Params) thresholdLeaves() []int {
	k, _ := p.half()
	L := p.bgv.MaxLevel()
	var lv []int
	for r := 0; r < (k+1)/2; r++ {
		lv = append(lv, L-2)
	}
	if (k+1)%2 == 1 {
		lv = append(lv, L-1)
	}
	return lv
}

// treeLevel returns the level of the product of operands at the given levels
// when the two highest are always multiplied first (as product does).
func treeLevel(lv []int) int {
	lv = append([]int(nil), lv...)
	for len(lv) > 1 {
		sort.Sort(sort.Reverse(sort.IntSlice(lv)))
		lv = append(lv[2:], min(lv[0], lv[1])-1)
	}
	return lv[0]
}

// outputsFor returns the smallest number of answer ciphertexts for which the
// circuit fits: the product of a group of f values must end at level >= 1,
// where it meets Enc(R).
func (p Params) outputsFor(groups int) (int, error) {
	lf := treeLevel(p.thresholdLeaves())
	for k := 1; k <= groups; k++ {
		per := (groups + k - 1) / k
		lv := make([]int, per)
		for i := range lv {
			lv[i] = lf
		}
		if treeLevel(lv) >= rLevel {
			return k, nil
		}
	}
	return 0, fmt.Errorf("hamming: params %s: too few levels for the threshold", p.lit.Name)
}

// defaultFloodBits is log2(q0) - 22: t * 2^F stays below q0/32.
func (p Params) defaultFloodBits() int {
	return p.lit.LogQ[0] - 22
}

// parseQuery decodes a query into its two ciphertexts.
func (p Params) parseQuery(b []byte) (x, r *rlwe.Ciphertext, err error) {
	if len(b) != p.QuerySize() {
		return nil, nil, fmt.Errorf("%d bytes, want %d", len(b), p.QuerySize())
	}
	if err := p.checkHeader(magicQuery, b); err != nil {
		return nil, nil, err
	}
	pos := headerLen
	read := func(level int) (*rlwe.Ciphertext, error) {
		ct := bgv.NewCiphertext(p.bgv, 1, level)
		seed := b[pos : pos+seedLen]
		pos += seedLen
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
	if r, err = read(rLevel); err != nil {
		return nil, nil, err
	}
	return x, r, nil
}

// AnswerSize returns the size of an answer with k ciphertexts.
func (p Params) AnswerSize(k int) int {
	return headerLen + 2 + 4 + k*p.compressedCtBytes()
}

func (p Params) parseAnswer(b []byte) ([]*rlwe.Ciphertext, error) {
	if err := p.checkHeader(magicAnswer, b); err != nil {
		return nil, err
	}
	if len(b) < headerLen+6 {
		return nil, fmt.Errorf("answer of %d bytes truncated", len(b))
	}
	k := int(binary.LittleEndian.Uint16(b[headerLen:]))
	scale := uint64(binary.LittleEndian.Uint32(b[headerLen+2:]))
	if k == 0 || len(b) != p.AnswerSize(k) {
		return nil, fmt.Errorf("answer of %d bytes with %d ciphertexts, want %d", len(b), k, p.AnswerSize(k))
	}
	if scale == 0 || scale >= PlaintextModulus {
		return nil, fmt.Errorf("answer scale %d outside 1..t-1", scale)
	}
	pos := headerLen + 6
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
	defer func() {
		if r := recover(); r != nil {
			ans, st, err = nil, nil, fmt.Errorf("hamming: answer: %v", r)
		}
	}()
	p := s.p
	if k == nil || k.p.fingerprint() != p.fingerprint() {
		return nil, nil, fmt.Errorf("hamming: answer: keys for other parameters")
	}
	x, r, err := p.parseQuery(query)
	if err != nil {
		return nil, nil, fmt.Errorf("hamming: answer: decode query: %w", err)
	}
	W := s.opt.Workers
	evals := make([]*bgv.Evaluator, W)
	for i := range evals {
		evals[i] = k.eval.ShallowCopy()
	}
	n := p.lit.HashBits
	E, err := expand(p, evals, s.mono, x, n+2)
	if err != nil {
		return nil, nil, fmt.Errorf("hamming: answer: %w", err)
	}
	fs, err := s.groupValues(evals, E)
	if err != nil {
		return nil, nil, fmt.Errorf("hamming: answer: %w", err)
	}
	K := s.outputs
	outs := make([]*rlwe.Ciphertext, K)
	errs := make([]error, W)
	parallel(W, K, func(w, o int) {
		var ops []*rlwe.Ciphertext
		for g := o; g < len(fs); g += K {
			ops = append(ops, fs[g])
		}
		ct, err := product(evals[w], ops)
		if err == nil {
			// BGV modulus switching (not DropLevel) keeps noise at the floor.
			for err == nil && ct.Level() > rLevel {
				err = evals[w].Rescale(ct, ct)
			}
			if err == nil {
				err = mulRescale(evals[w], ct, r, ct)
			}
		}
		if err != nil {
			errs[w] = err
			return
		}
		outs[o] = ct
	})
	for _, e := range errs {
		if e != nil {
			return nil, nil, fmt.Errorf("hamming: answer: %w", e)
		}
	}
	st = &VerdictState{masks: make([][]uint64, K)}
	ecd := bgv.NewEncoder(p.bgv)
	out := p.header(magicAnswer)
	out = binary.LittleEndian.AppendUint16(out, uint16(K))
	out = binary.LittleEndian.AppendUint32(out, uint32(outs[0].Scale.Uint64()))
	for o, ct := range outs {
		if ct.Level() != 0 || ct.Scale.Cmp(outs[0].Scale) != 0 {
			return nil, nil, fmt.Errorf("hamming: answer: output %d at level %d", o, ct.Level())
		}
		m := make([]uint64, p.N())
		for i := range m {
			if m[i], err = uniformModT(s.opt.Rand); err != nil {
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
	N := p.N()
	top := p.bgv.MaxLevel()
	W := len(evals)
	t := uint64(PlaintextModulus)
	inv := modInv(uint64(1)<<p.expandLog()%t, t)
	kk, _ := p.half()
	fs := make([]*rlwe.Ciphertext, d.groups)
	errs := make([]error, W)
	type buf struct {
		pq  ring.Poly
		ecd *bgv.Encoder
	}
	bufs := make([]buf, W)
	for i := range bufs {
		bufs[i] = buf{pq: p.bgv.RingQ().NewPoly(), ecd: bgv.NewEncoder(p.bgv)}
	}
	// The plaintexts are lifted without the Montgomery factor: multiplying
	// E[c] by it once here (in place) makes MulCoeffsMontgomery return
	// E[c] * pt.
	ringTop := p.bgv.RingQ().AtLevel(top)
	EM := E[:n+1]
	parallel(W, n+1, func(_, c int) {
		for i := range EM[c].Value {
			ringTop.MForm(EM[c].Value[i], EM[c].Value[i])
		}
	})
	isPre := make([]bool, top+1)
	for _, i := range d.preIdx {
		isPre[i] = true
	}
	var liveSubs []*ring.SubRing
	for i, sr := range ringTop.SubRings[:top+1] {
		if !isPre[i] {
			liveSubs = append(liveSubs, sr)
		}
	}
	parallel(W, d.groups, func(w, g int) {
		ringQ := p.bgv.RingQ().AtLevel(top)
		acc := bgv.NewCiphertext(p.bgv, 1, top)
		acc.Scale = E[0].Scale
		pt := bufs[w].pq
		var live [][]uint64
		for i := range isPre {
			if !isPre[i] {
				live = append(live, pt.Coeffs[i])
			}
		}
		for c := 0; c <= n; c++ {
			off := (g*d.cols + c) * N
			liftNTT(liveSubs, d.coef[off:off+N], live)
			for k, i := range d.preIdx {
				d.getPre(g, c, k, pt.Coeffs[i])
			}
			ringQ.MulCoeffsMontgomeryThenAdd(EM[c].Value[0], pt, acc.Value[0])
			ringQ.MulCoeffsMontgomeryThenAdd(EM[c].Value[1], pt, acc.Value[1])
		}
		ringQ.MulScalarThenAdd(E[n+1].Value[0], inv, acc.Value[0])
		ringQ.MulScalarThenAdd(E[n+1].Value[1], inv, acc.Value[1])
		pb := bgv.NewPlaintext(p.bgv, top)
		pb.Scale = acc.Scale
		ev := evals[w]
		if err := bufs[w].ecd.Encode(d.base[g], pb); err != nil {
			errs[w] = err
			return
		}
		if err := ev.Add(acc, pb, acc); err != nil {
			errs[w] = err
			return
		}
		if err := ev.Rescale(acc, acc); err != nil {
			errs[w] = err
			return
		}
		f, err := threshold(ev, acc, kk)
		if err != nil {
			errs[w] = err
			return
		}
		fs[g] = f
	})
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return fs, nil
}

// threshold returns f(h) = prod_{r=0..k}(h - r) as prod_r (u + r(k-r)) with
// u = h(h-k), times (h - k/2) when k+1 is odd.
func threshold(ev *bgv.Evaluator, h *rlwe.Ciphertext, k int) (*rlwe.Ciphertext, error) {
	var ops []*rlwe.Ciphertext
	if k > 0 {
		hk := h.CopyNew()
		if err := ev.Add(hk, -k, hk); err != nil {
			return nil, err
		}
		u, err := ev.MulRelinNew(h, hk)
		if err != nil {
			return nil, err
		}
		if err := ev.Rescale(u, u); err != nil {
			return nil, err
		}
		for r := 0; r < (k+1)/2; r++ {
			f := u.CopyNew()
			if r > 0 {
				if err := ev.Add(f, r*(k-r), f); err != nil {
					return nil, err
				}
			}
			ops = append(ops, f)
		}
	}
	if (k+1)%2 == 1 {
		m := h.CopyNew()
		if err := ev.Add(m, -(k / 2), m); err != nil {
			return nil, err
		}
		ops = append(ops, m)
	}
	return product(ev, ops)
}

// product multiplies ciphertexts, always the two at the highest levels first.
func product(ev *bgv.Evaluator, ops []*rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	ops = append([]*rlwe.Ciphertext(nil), ops...)
	for len(ops) > 1 {
		sort.SliceStable(ops, func(i, j int) bool { return ops[i].Level() > ops[j].Level() })
		a, b := ops[0], ops[1]
		// Modulus-switch the higher operand down rather than drop its primes:
		// dropping keeps its absolute noise, too large for the lower modulus.
		for a.Level() > b.Level() {
			if err := ev.Rescale(a, a); err != nil {
				return nil, err
			}
		}
		c := bgv.NewCiphertext(*ev.GetParameters(), 1, min(a.Level(), b.Level()))
		if err := mulRescale(ev, a, b, c); err != nil {
			return nil, err
		}
		ops = append(ops[2:], c)
	}
	return ops[0], nil
}

func mulRescale(ev *bgv.Evaluator, a, b, out *rlwe.Ciphertext) error {
	if err := ev.MulRelin(a, b, out); err != nil {
		return err
	}
	return ev.Rescale(out, out)
}

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
	buf := make([]byte, 3*N+8*N)
	if _, err := io.ReadFull(s.opt.Rand, buf); err != nil {
		return err
	}
	tern := func(b byte) uint64 {
		switch b % 3 {
		case 0:
			return 0
		case 1:
			return 1
		}
		return q - 1
	}
	F := uint(s.opt.FloodBits)
	for i := 0; i < N; i++ {
		v.Coeffs[0][i] = tern(buf[i])
		e1.Coeffs[0][i] = tern(buf[N+i])
		r := binary.LittleEndian.Uint64(buf[3*N+8*i:]) & (1<<(F+1) - 1)
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
	if err := p.checkHeader(magicReply, reply); err != nil {
		return false, 0, fmt.Errorf("hamming: verdict: %w", err)
	}
	if int(binary.LittleEndian.Uint16(reply[headerLen:])) != K {
		return false, 0, fmt.Errorf("hamming: verdict: reply count mismatch")
	}
	st.done = true
	pos := headerLen + 2
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
