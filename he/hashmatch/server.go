package hashmatch

import (
	"fmt"
	"time"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// This file holds the server: its plaintext database and encoded
// matrices, the circuit (hash, match, reveal) and the timing split.

// Mode selects what the server learns.
type Mode int

const (
	// Verdict reveals 1 if any database entry is within the threshold of
	// the image's hash, else 0.
	Verdict Mode = iota
	// Count reveals how many database entries are within the threshold.
	Count
)

// Stats is the server's time for one answer (wall clock), split by stage. Bootstrap
// is the part of Hash and Match spent bootstrapping (it is included in
// them, not added to them).
type Stats struct {
	Hash, Match, Reveal, Bootstrap time.Duration
	Bootstraps                     int
}

// Total returns the server's whole time for the answer.
func (s Stats) Total() time.Duration { return s.Hash + s.Match + s.Reveal }

// Server holds a plaintext database of phash8 hashes and one client's
// evaluation keys. A Server is not safe for concurrent use.
type Server struct {
	p         Params
	threshold int
	n         int // database entries
	eval      *hefloat.Evaluator
	ltEval    *hefloat.LinearTransformationEvaluator
	btp       *timedBootstrapper
	pair      hefloat.LinearTransformation
	pairConst []float64 // pairConstants
	groups    []group
	fine      hefloat.MinimaxCompositePolynomial
	rank      hefloat.MinimaxCompositePolynomial
	notMatch  hefloat.MinimaxCompositePolynomial
	clean     hefloat.MinimaxCompositePolynomial
	snap      hefloat.MinimaxCompositePolynomial
	countSum  hefloat.MinimaxCompositePolynomial
	pdq       *pdqStage            // PDQ only
	clock     func() time.Duration // stage timer: wall time since start
}

// group is up to 4096 database entries as one linear transformation.
type group struct {
	lt  hefloat.LinearTransformation
	cst []float64
}

// NewServer encodes the database (phash8 hashes; a match is a Hamming
// distance of at most threshold, 0..63) and loads a client's keys,
// bootstrapping keys included.
func NewServer(p Params, keys *Keys, db []phash.Hash, threshold int) (*Server, error) {
	if keys == nil || p.lit.LogN == 0 || keys.p.id() != p.id() {
		return nil, fmt.Errorf("hashmatch: new server: keys for other parameters")
	}
	ks, err := keys.decode()
	if err != nil {
		return nil, fmt.Errorf("hashmatch: new server: %w", err)
	}
	be, err := bootstrapping.NewEvaluator(p.btp, ks.btp)
	if err != nil {
		return nil, fmt.Errorf("hashmatch: new server: bootstrapper: %w", err)
	}
	return newServer(p, ks, db, threshold, evalBootstrapper{be})
}

// evalBootstrapper bootstraps one sparse ciphertext with Evaluate:
// Lattigo v5.0.7's Bootstrap (BootstrapMany, which packs sparse
// ciphertexts together first) returned wrong values for a single
// 4096-slot ciphertext at N = 2^15 (TestBootstrapLattigoDense), Evaluate
// did not.
type evalBootstrapper struct{ *bootstrapping.Evaluator }

// Bootstrap bootstraps ct.
func (e evalBootstrapper) Bootstrap(ct *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	out, err := e.Evaluator.Evaluate(ct)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func newServer(p Params, keys *keySet, db []phash.Hash, threshold int, btp he.Bootstrapper[rlwe.Ciphertext]) (*Server, error) {
	sh := p.shape
	if threshold < 0 || threshold >= sh.coefs {
		return nil, fmt.Errorf("hashmatch: new server: threshold %d outside 0..%d", threshold, sh.coefs-1)
	}
	if len(db) == 0 {
		return nil, fmt.Errorf("hashmatch: new server: empty database")
	}
	for i, h := range db {
		if h.Kind() != sh.kind || h.Bits() != sh.coefs {
			return nil, fmt.Errorf("hashmatch: new server: entry %d is %s/%d, want %s/%d", i, h.Kind(), h.Bits(), sh.kind, sh.coefs)
		}
	}
	r := p.residual
	ecd := hefloat.NewEncoder(r)
	eval := hefloat.NewEvaluator(r, keys.evk)
	s := &Server{
		p: p, threshold: threshold, n: len(db), eval: eval,
		ltEval:    hefloat.NewLinearTransformationEvaluator(eval),
		pairConst: pairConstants(),
	}
	start := time.Now()
	s.clock = func() time.Duration { return time.Since(start) }
	s.btp = &timedBootstrapper{Bootstrapper: btp, clock: func() time.Duration { return s.clock() }}
	var diags map[int][]float64
	var err error
	if sh.alg == imagehash.AlgPDQ {
		diags, err = pdqCoefDiagonals()
		if err == nil {
			s.pdq, err = newPDQStage()
		}
	} else {
		diags, err = pairDiagonals()
	}
	if err != nil {
		return nil, err
	}
	s.pair = hefloat.NewLinearTransformation(r, p.pairLT())
	if err := hefloat.EncodeLinearTransformation[float64](ecd, hefloat.Diagonals[float64](diags), s.pair); err != nil {
		return nil, fmt.Errorf("hashmatch: new server: encode pair matrix: %w", err)
	}
	for off := 0; off < len(db); off += nSlots {
		d, cst := distanceGroup(sh, db[off:min(off+nSlots, len(db))], threshold)
		g := group{lt: hefloat.NewLinearTransformation(r, p.distLT()), cst: cst}
		if err := hefloat.EncodeLinearTransformation[float64](ecd, hefloat.Diagonals[float64](d), g.lt); err != nil {
			return nil, fmt.Errorf("hashmatch: new server: encode database: %w", err)
		}
		s.groups = append(s.groups, g)
	}
	s.initPolynomials()
	return s, nil
}

// initPolynomials sets the step polynomials of the circuit.
func (s *Server) initPolynomials() {
	tot := float64(nSlots * len(s.groups))
	s.clean = stepPoly([][]string{hefloat.CoeffsSignX4Cheby}, 1, -1, 1)
	// 3x^2 - 2x^3 in the Chebyshev basis.
	s.snap = hefloat.NewMinimaxCompositePolynomial([][]string{{"1.5", "-1.5", "1.5", "-0.5"}})
	if s.p.shape.alg == imagehash.AlgPDQ {
		// fine (its first stage runs in hashPDQ): step/128 -
		// 128.5/(128*256), summed over 256 pairs, gives (R - 128.5)/128
		// with R = 1 + #{j : c_j < c_i}; bit i is set iff R >= 129. The
		// rank and the distance (T + 0.5 - d)/256 come as close as 2^-8
		// and 2^-9 to zero, past signCoarse's 2^-8: both use signFine.
		s.fine = stepPoly(signFine[1:], fineStages-1, 1.0/128, -128.5/(128*pdqCoefs))
		s.rank = stepPoly(signFine, fineStages, 1, 0)
		s.notMatch = stepPoly(signFine, fineStages, -1, 1)
		s.countSum = stepPoly(signFine, fineStages, 1/tot, 0)
		return
	}
	// Step outputs are shaped for the inner sum that follows them:
	// fine: step/64 - 32.5/64^2, summed over 64 pairs gives (R - 32.5)/64
	// where R = 1 + #{j : c_j < c_i}; bit i is set iff R >= 33, i.e.
	// #{j : c_j < c_i} >= 32 (coefficient above imagehash's median).
	s.fine = stepPoly(signFine, fineStages, 1.0/nCoef, -32.5/(nCoef*nCoef))
	s.rank = stepPoly(signCoarse, len(signCoarse), 1, 0)
	s.notMatch = stepPoly(signCoarse, len(signCoarse), -1, 1)
	s.countSum = stepPoly(signCoarse, len(signCoarse), 1/tot, 0)
}

// Answer decodes a query, computes the image's pHash bits and the match
// under encryption, and returns the masked answer for the client to
// decrypt together with the server's secret for reading the client's
// reply. rng draws the mask (crypto/rand.Reader outside tests).
func (s *Server) Answer(query []byte, mode Mode, rng interface{ Read([]byte) (int, error) }) ([]byte, *Pending, Stats, error) {
	var st Stats
	ct, err := s.p.expandQuery(query)
	if err != nil {
		return nil, nil, st, fmt.Errorf("hashmatch: answer: decode query: %w", err)
	}
	s.btp.reset()
	t0 := s.clock()
	bits, err := s.hash(ct)
	if err != nil {
		return nil, nil, st, fmt.Errorf("hashmatch: answer: hash: %w", err)
	}
	t1 := s.clock()
	res, err := s.match(bits, mode)
	if err != nil {
		return nil, nil, st, fmt.Errorf("hashmatch: answer: match: %w", err)
	}
	t2 := s.clock()
	ans, pend, err := s.reveal(res, mode, rng)
	if err != nil {
		return nil, nil, st, fmt.Errorf("hashmatch: answer: reveal: %w", err)
	}
	t3 := s.clock()
	st = Stats{Hash: t1 - t0, Match: t2 - t1, Reveal: t3 - t2, Bootstrap: s.btp.d, Bootstraps: s.btp.n}
	return ans, pend, st, nil
}

// hash computes Enc(b): bit i of the hash (1 where coefficient i exceeds
// the median) in every slot s with s mod 64 = i (phash8) or s mod 256 = i
// (PDQ, pdq.go).
func (s *Server) hash(x *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	if s.p.shape.alg == imagehash.AlgPDQ {
		return s.hashPDQ(x)
	}
	d, err := s.linear(x, s.pair)
	if err != nil {
		return nil, err
	}
	// The pairs (i, i) and those with the DC coefficient are constants
	// (pairConstants).
	if err := s.eval.Add(d, s.pairConst, d); err != nil {
		return nil, err
	}
	step, err := s.preciseComparator().Evaluate(d, s.fine)
	if err != nil {
		return nil, fmt.Errorf("pairwise comparison: %w", err)
	}
	if err := s.eval.InnerSum(step, nCoef, nCoef, step); err != nil {
		return nil, err
	}
	bits, err := s.comparator().Evaluate(step, s.rank)
	if err != nil {
		return nil, fmt.Errorf("rank threshold: %w", err)
	}
	return bits, nil
}

// match computes, in every slot, the number of database entries within
// the threshold of the bits (Count) or whether there is one (Verdict).
func (s *Server) match(bits *rlwe.Ciphertext, mode Mode) (*rlwe.Ciphertext, error) {
	var err error
	if bits.Level() < 2 {
		if bits, err = s.btp.Bootstrap(bits); err != nil {
			return nil, err
		}
	}
	if mode == Count {
		acc, err := s.entries(bits, s.countSum)
		if err != nil {
			return nil, err
		}
		if err := s.eval.InnerSum(acc, 1, nSlots, acc); err != nil {
			return nil, err
		}
		return acc, nil
	}
	// Verdict: y_e = 1 - [d_e <= T], multiplied over groups and slots, is
	// 0 iff some entry matches; a product tree keeps the error of each
	// factor instead of adding the noise of 4096 slots to a count.
	var y *rlwe.Ciphertext
	for gi := range s.groups {
		yg, err := s.group(bits, gi, s.notMatch)
		if err != nil {
			return nil, err
		}
		if y == nil {
			y = yg
		} else if y, err = s.mul(y, yg); err != nil {
			return nil, err
		}
	}
	for k := 1; k < nSlots; k <<= 1 {
		r, err := s.eval.RotateNew(y, k)
		if err != nil {
			return nil, err
		}
		if y, err = s.mul(y, r); err != nil {
			return nil, err
		}
	}
	// v = 1 - y, cleaned: (1 - X4(2y - 1))/2 sends values near 0 and 1
	// back to 0 and 1 (the product's error grows with its depth).
	x := y.CopyNew()
	if err := s.eval.Add(x, y, x); err != nil {
		return nil, err
	}
	if err := s.eval.Add(x, -1.0, x); err != nil {
		return nil, err
	}
	v, err := s.comparator().Evaluate(x, s.clean)
	if err != nil {
		return nil, fmt.Errorf("verdict: %w", err)
	}
	return v, nil
}

// mul returns a*b, bootstrapping the operands first when they are too low
// for the product to stay bootstrappable.
func (s *Server) mul(a, b *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	var err error
	if a.Level() < 2 {
		if a, err = s.refresh(a); err != nil {
			return nil, err
		}
	}
	if b.Level() < 2 {
		if b, err = s.refresh(b); err != nil {
			return nil, err
		}
	}
	out, err := s.eval.MulRelinNew(a, b)
	if err != nil {
		return nil, err
	}
	if err := s.eval.Rescale(out, out); err != nil {
		return nil, err
	}
	return out, nil
}

// refresh bootstraps a ciphertext of values near 0 or 1 and snaps them
// back with 3x^2 - 2x^3 (error e becomes about 3e^2): without it the
// product tree doubles the bootstrapping error at each of its 12 levels.
func (s *Server) refresh(ct *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	ct, err := s.btp.Bootstrap(ct)
	if err != nil {
		return nil, err
	}
	return s.comparator().Evaluate(ct, s.snap)
}

// group returns last applied to t_e of database group gi (bits at level
// 2 or more): slot e holds entry e's result.
func (s *Server) group(bits *rlwe.Ciphertext, gi int, last hefloat.MinimaxCompositePolynomial) (*rlwe.Ciphertext, error) {
	g := s.groups[gi]
	t, err := s.linear(bits, g.lt)
	if err != nil {
		return nil, err
	}
	if err := s.eval.Add(t, g.cst, t); err != nil {
		return nil, err
	}
	m, err := s.comparator().Evaluate(t, last)
	if err != nil {
		return nil, fmt.Errorf("distance threshold: %w", err)
	}
	return m, nil
}

// entries returns, summed over the groups, last applied to each entry's
// t_e (bits must be at level 2 or more): slot e holds entry e's result.
func (s *Server) entries(bits *rlwe.Ciphertext, last hefloat.MinimaxCompositePolynomial) (*rlwe.Ciphertext, error) {
	var acc *rlwe.Ciphertext
	for gi := range s.groups {
		m, err := s.group(bits, gi, last)
		if err != nil {
			return nil, err
		}
		if acc == nil {
			acc = m
		} else if err := s.eval.Add(acc, m, acc); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

// linear applies the linear transformation lt to x and rescales: lt's
// diagonals are encoded at the scale of the prime the rescale removes, so
// the output keeps x's scale, one level down.
func (s *Server) linear(x *rlwe.Ciphertext, lt hefloat.LinearTransformation) (*rlwe.Ciphertext, error) {
	out := hefloat.NewCiphertext(s.p.residual, 1, x.Level())
	if err := s.ltEval.Evaluate(x, lt, out); err != nil {
		return nil, err
	}
	if err := s.eval.Rescale(out, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) comparator() *hefloat.MinimaxCompositePolynomialEvaluator {
	return hefloat.NewMinimaxCompositePolynomialEvaluator(s.p.residual, s.eval, s.btp)
}

// preciseComparator is comparator with its first two bootstraps refined
// (precise.go): for the pairwise comparison, whose first two stages leave
// values small enough for a bootstrap's error to flip them.
func (s *Server) preciseComparator() *hefloat.MinimaxCompositePolynomialEvaluator {
	b := &preciseBootstrapper{Bootstrapper: s.btp, eval: s.eval, n: 2}
	return hefloat.NewMinimaxCompositePolynomialEvaluator(s.p.residual, s.eval, b)
}

// timedBootstrapper counts and times the bootstraps of one answer.
type timedBootstrapper struct {
	he.Bootstrapper[rlwe.Ciphertext]
	clock func() time.Duration
	d     time.Duration
	n     int
}

func (t *timedBootstrapper) reset() { t.d, t.n = 0, 0 }

// Bootstrap bootstraps ct and records the time.
func (t *timedBootstrapper) Bootstrap(ct *rlwe.Ciphertext) (*rlwe.Ciphertext, error) {
	t0 := t.clock()
	out, err := t.Bootstrapper.Bootstrap(ct)
	t.d += t.clock() - t0
	t.n++
	return out, err
}

// CalibrateBootstrap bootstraps one ciphertext of the circuit's shape
// (4096 slots, level 1) and returns the time it took on the server's
// clock: the figure that scales the answer's bootstrapping share to other
// hardware.
func (s *Server) CalibrateBootstrap() (time.Duration, error) {
	ct := hefloat.NewCiphertext(s.p.residual, 1, 1)
	ct.LogDimensions = dims
	t0 := s.clock()
	if _, err := s.btp.Bootstrapper.Bootstrap(ct); err != nil {
		return 0, fmt.Errorf("hashmatch: calibrate: %w", err)
	}
	return s.clock() - t0, nil
}
