package exact

import (
	"fmt"
	"io"
	"runtime"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// BinnedServer holds a database laid out in bins for the binned circuit.
// Answer may be called from several goroutines; each call uses its own
// evaluators.
type BinnedServer struct {
	params Parameters
	bins   int
	l      int // expansion levels
	items  int
	// fold holds the lower expansion levels transposed into the leaf
	// plaintexts: bin i's, 2^-l times its felts, then for each felt k
	// -2^-l at the slots of felt k, all at the top level in NTT-Montgomery
	// form premultiplied by t (Lattigo's ct-pt product convention).
	fold *core.Folded
	// binSum is sum_{i<bins} X^-i (NTT-Montgomery) for the selector sum.
	binSum ring.Poly
	tMont  ring.RNSScalar // t in double Montgomery form at the top level
	inv    uint64         // 2^-l mod t
	trap   []bool         // [position]: a trap in every bin (r = 0, no entry)
	mono   []ring.Poly
	ecd    *bgv.Encoder
	masks  maskSource
}

// ParseKeys decodes the key material of a binned client of this server.
func (s *BinnedServer) ParseKeys(keys []byte) (*Keys, error) {
	k, err := unmarshalBinnedKeys(s.params, keys, s.l)
	if err != nil {
		return nil, err
	}
	return &Keys{bk: k}, nil
}

// NewBinnedServer fingerprints db, places every entry in its bin and
// pre-encodes the bins. Positions within a bin, and later the per-query
// masks, come from rng (crypto/rand when nil).
func NewBinnedServer(p Parameters, db [][32]byte, rng io.Reader) (*BinnedServer, error) {
	if !p.lit.Binned {
		return nil, fmt.Errorf("he: binned server: params %s are not binned", p.Name())
	}
	rng = core.OrCrypto(rng)
	fs, err := newFieldSampler(rng, p.T())
	if err != nil {
		return nil, fmt.Errorf("he: binned server: %w", err)
	}
	// Deduplicate by fingerprint, then bin.
	seen := make(map[uint64]struct{}, len(db))
	var hs [][32]byte
	for _, h := range db {
		k := fingerprintOf(h).key()
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		hs = append(hs, h)
	}
	B, err := BinsFor(p, len(hs))
	if err != nil {
		return nil, fmt.Errorf("he: binned server: %w", err)
	}
	C := BinSize(p)
	byBin := make([][]fingerprint, B)
	for _, h := range hs {
		b := BinOf(h, B)
		if len(byBin[b]) == binCapacity(p) {
			return nil, fmt.Errorf("he: binned server: bin %d overflows (%d entries): %w", b, len(hs), ErrTooLarge)
		}
		byBin[b] = append(byBin[b], fingerprintOf(h))
	}
	s := &BinnedServer{params: p, bins: B, l: binnedExpandLog(B), items: len(hs), ecd: bgv.NewEncoder(p.bgv), masks: maskSource{rng: rng}}
	s.mono = core.Monomials(p.bgv.RingQ(), s.l)
	t := p.T()
	inv := invMod(uint64(1)<<s.l%t, t) // 2^-l mod t
	top := p.MaxLevel()
	ringQ := p.bgv.RingQ().AtLevel(top)
	tMont := tMontgomery(ringQ, t)
	s.tMont, s.inv = tMont, inv
	encode := func(ecd *bgv.Encoder, vals []uint64) (ring.Poly, error) {
		pt := bgv.NewPlaintext(p.bgv, top)
		if err := ecd.Encode(vals, pt); err != nil {
			return ring.Poly{}, err
		}
		ringQ.MulRNSScalarMontgomery(pt.Value, tMont, pt.Value)
		return pt.Value, nil
	}
	// Trap positions (the same in every bin), then for each bin a random
	// order of the other positions; positions left empty hold random felts.
	perm := fs.perm(C)
	s.trap = make([]bool, C)
	for _, e := range perm[:C-binCapacity(p)] {
		s.trap[e] = true
	}
	free := perm[C-binCapacity(p):]
	vals := make([][]uint64, B)
	for b := range vals {
		vals[b] = make([]uint64, p.Slots())
		order := fs.perm(len(free))
		for i, e := range order {
			e = free[e]
			for j := 0; j < feltsPerItem; j++ {
				v := fs.uniform()
				if i < len(byBin[b]) {
					v = uint64(byBin[b][i][j])
				}
				vals[b][e*feltsPerItem+j] = v * inv % t
			}
		}
	}
	for k := 0; k < feltsPerItem; k++ {
		sel := make([]uint64, p.Slots())
		for i := k; i < len(sel); i += feltsPerItem {
			sel[i] = t - inv
		}
		vals = append(vals, sel)
	}
	pts := make([]ring.Poly, len(vals))
	workers := runtime.GOMAXPROCS(0)
	ecds := make([]*bgv.Encoder, workers)
	if err := core.ParallelErr(workers, len(vals), func(w, b int) (err error) {
		if ecds[w] == nil {
			ecds[w] = s.ecd.ShallowCopy()
		}
		pts[b], err = encode(ecds[w], vals[b])
		return err
	}); err != nil {
		return nil, fmt.Errorf("he: binned server: encode: %w", err)
	}
	if s.fold, err = core.NewFolded(ringQ, s.mono, core.FoldSplit(s.l), len(pts), func(i int) ring.Poly { return pts[i] }); err != nil {
		return nil, fmt.Errorf("he: binned server: %w", err)
	}
	s.binSum = core.IndexSum(ringQ, B)
	return s, nil
}

// Parameters returns the server's parameters.
func (s *BinnedServer) Parameters() Parameters { return s.params }

// Entries returns the number of distinct fingerprints loaded.
func (s *BinnedServer) Entries() int { return s.items }

// Bins returns the number of bins, which the client needs (it is public).
func (s *BinnedServer) Bins() int { return s.bins }

// EncodedBytes returns the memory held by the pre-encoded plaintexts.
func (s *BinnedServer) EncodedBytes() int {
	return (s.fold.Polys() + 1) * 8 * s.params.N() * (s.params.MaxLevel() + 1)
}

// Answer evaluates the binned circuit on the client's query and returns
// the masked answer and the state Verdict needs.
func (s *BinnedServer) Answer(keys *Keys, msg []byte) (answer []byte, st *VerdictState, err error) {
	defer core.Recover(&err, "he: binned answer")
	p := s.params
	if keys == nil || keys.bk == nil || !keys.bk.params.equal(p) || keys.bk.l != s.l {
		return nil, nil, fmt.Errorf("he: binned answer: keys missing or for other parameters")
	}
	x, err := parseQuery(p, msg, p.MaxLevel())
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	ev := bgv.NewEvaluator(p.bgv, keys.bk.keySet())
	workers := runtime.GOMAXPROCS(0)
	evals := make([]*bgv.Evaluator, workers)
	for i := range evals {
		evals[i] = ev.ShallowCopy()
	}
	fs, err := s.masks.sampler(p.T())
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	d, err := s.binProducts(evals, x, fs)
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	if err := ev.Rescale(d, d); err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	// u at slot 4e, w at slot 4e+2.
	c, err := foldStep(ev, d, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	C, slots, t := BinSize(p), p.Slots(), p.T()
	rv, arv := make([]uint64, slots), make([]uint64, slots)
	keyA := make([]uint64, C)
	for e := 0; e < C; e++ {
		var r uint64
		if !s.trap[e] {
			r = fs.nonzero()
		}
		keyA[e] = fs.nonzero()
		rv[4*e], rv[4*e+2] = r, r
		arv[4*e], arv[4*e+2] = keyA[e]*r%t, keyA[e]*r%t
	}
	val, err := s.keyedQuartic(ev, c, rv)
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	chk, err := s.keyedQuartic(ev, c, arv)
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	if err := ev.RotateColumns(chk, 1, chk); err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	if err := ev.Add(val, chk, val); err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	mv := make([]uint64, slots)
	for i := range mv {
		mv[i] = fs.uniform()
	}
	ptM := bgv.NewPlaintext(p.bgv, 0)
	ptM.Scale = val.Scale
	if err := s.ecd.ShallowCopy().Encode(mv, ptM); err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	if err := ev.Add(val, ptM, val); err != nil {
		return nil, nil, fmt.Errorf("he: binned answer: %w", err)
	}
	answer = putHeader(make([]byte, 0, BinnedAnswerSize(p)), core.KindExactBinAns, p)
	answer = compressLevel0(p, val, answer)
	st = &VerdictState{params: p, expected: make([]uint64, C), trap: make([]bool, C), key: keyA, keyMask: make([]uint64, C)}
	for e := 0; e < C; e++ {
		st.expected[e] = mv[4*e]
		st.trap[e] = s.trap[e]
		st.keyMask[e] = mv[checkSlot(p, e)]
	}
	return answer, st, nil
}

// BinnedAnswerSize returns the exact byte size of a binned answer: a
// header and one compressed level-0 ciphertext.
func BinnedAnswerSize(p Parameters) int { return core.HeaderLen + compressedSize(p) }

// BinnedReplySize returns the exact byte size of a binned reply: the
// BinSize values, then their BinSize check values.
func BinnedReplySize(p Parameters) int { return replySize(p, 2*BinSize(p)) }

// Verdict checks the client's reply as [Server.Verdict] does: the same
// keyed check copies, traps and bounds.
func (s *BinnedServer) Verdict(st *VerdictState, reply []byte) (bool, error) {
	return st.verdict(reply)
}
