package exact

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// nonResidue is a quadratic non-residue mod 65537 (3 generates Z_65537^*),
// so u^2 - 3w^2 = 0 only for u = w = 0.
const nonResidue = 3

// exactRotations are the column rotations the exact circuit uses.
var exactRotations = []int{1, 2, 3}

// Server holds a database pre-encoded for exact membership queries.
// Answer may be called from several goroutines; each call uses its own
// evaluators (ShallowCopy) and parallelises over GOMAXPROCS workers.
type Server struct {
	params     Parameters
	plan       *circuitPlan
	partitions int
	bins       int
	capacity   int // items per cell
	traps      int
	isTrap     [][]bool // [partition][bin]
	items      int
	// coef[p][k] is the plaintext of coefficient k (k = j*L + a) for
	// partition p at the evaluation level: constants (a = 0) in NTT form,
	// the others in NTT-Montgomery form premultiplied by t as Lattigo's
	// plaintext multiplication expects.
	coef  [][]ring.Poly
	ones  ring.Poly // coefficient of the rotated query term
	ecd   *bgv.Encoder
	masks maskSource
	tMont ring.RNSScalar
}

// ErrTooLarge is returned when the database does not fit the preset.
var ErrTooLarge = errors.New("he: database too large for parameters")

// MaxPartitions is the most partitions (result cells per bin) a
// server uses. Four partitions share one answer ciphertext, so a server
// with P partitions sends ceil(P/4) of them; the query stays one
// ciphertext and the work per partition is the same circuit.
const MaxPartitions = 64

// Capacity returns the number of entries a database may hold under p
// with the given number of partitions: partitions x Slots/4 bins x (L*H-1)
// items per cell, less the trap cells and a 2% margin for the per-bin
// distinctness constraint. It returns 0 for a partition count outside
// 1..MaxPartitions.
func Capacity(p Parameters, partitions int) int {
	if partitions < 1 || partitions > MaxPartitions {
		return 0
	}
	m := partitions * p.Slots() / feltsPerItem
	return (m - trapCount(m)) * (p.lit.Low*p.lit.High - 1) * 98 / 100
}

// PartitionsFor returns the number of partitions a server loading n
// distinct entries under p uses: the fewest whose capacity holds them.
func PartitionsFor(p Parameters, n int) (int, error) {
	for parts := 1; parts <= MaxPartitions; parts++ {
		if n <= Capacity(p, parts) {
			return parts, nil
		}
	}
	return 0, fmt.Errorf("he: %d entries, capacity %d under %s: %w", n, Capacity(p, MaxPartitions), p.Name(), ErrTooLarge)
}

// exactGroups is the number of answer ciphertexts for a partition count.
func exactGroups(partitions int) int { return (partitions + feltsPerItem - 1) / feltsPerItem }

// trapCount is the number of trap cells among m result positions.
func trapCount(m int) int { return max(m/16, 16) }

// NewServer fingerprints, places and pre-encodes db. Randomness
// (placement, trap positions, the per-slot polynomial randomisers, and
// later the per-query masks) comes from rng (crypto/rand when nil).
func NewServer(p Parameters, db [][32]byte, rng io.Reader) (*Server, error) {
	plan, err := newCircuitPlan(p)
	if err != nil {
		return nil, err
	}
	rng = core.OrCrypto(rng)
	fs, err := newFieldSampler(rng, p.T())
	if err != nil {
		return nil, fmt.Errorf("he: exact server: %w", err)
	}
	// Deduplicate by fingerprint.
	seen := make(map[uint64]struct{}, len(db))
	fps := make([]fingerprint, 0, len(db))
	for _, h := range db {
		f := fingerprintOf(h)
		if _, ok := seen[f.key()]; ok {
			continue
		}
		seen[f.key()] = struct{}{}
		fps = append(fps, f)
	}
	seen = nil
	bins := p.Slots() / feltsPerItem
	capacity := p.lit.Low*p.lit.High - 1
	parts, err := PartitionsFor(p, len(fps))
	if err != nil {
		return nil, fmt.Errorf("he: exact server: %w", err)
	}
	m := parts * bins
	nTraps := trapCount(m)
	s := &Server{params: p, plan: plan, partitions: parts, bins: bins, capacity: capacity, traps: nTraps, items: len(fps), ecd: bgv.NewEncoder(p.bgv), masks: maskSource{rng: rng}}
	// Random trap cells.
	s.isTrap = make([][]bool, parts)
	for i := range s.isTrap {
		s.isTrap[i] = make([]bool, bins)
	}
	perm := fs.perm(m)
	for _, c := range perm[:nTraps] {
		s.isTrap[c/bins][c%bins] = true
	}
	realCells := perm[nTraps:] // random order
	// Shuffle items.
	for i := len(fps) - 1; i > 0; i-- {
		j := fs.intn(i + 1)
		fps[i], fps[j] = fps[j], fps[i]
	}
	cells, err := placeItems(fps, realCells, m, capacity)
	if err != nil {
		return nil, err
	}
	// Per-slot randomisers rho and the bin polynomials.
	rho := make([]uint64, m*feltsPerItem)
	for i := range rho {
		rho[i] = fs.nonzero()
	}
	if err := s.encode(cells, rho); err != nil {
		return nil, err
	}
	return s, nil
}

// placeItems fills cells (in the given order) evenly, keeping every column
// of a cell free of repeated felts (the interpolation needs distinct
// nodes). It returns the items of each cell, indexed partition*bins+bin.
func placeItems(fps []fingerprint, order []int, m, capacity int) ([][]fingerprint, error) {
	cells := make([][]fingerprint, m)
	target := min((len(fps)+len(order)-1)/len(order), capacity)
	var used [feltsPerItem][1 << 16 / 64]uint64
	next := 0               // next unplaced item of fps
	var retry []fingerprint // items that collided in an earlier cell
	fits := func(f fingerprint) bool {
		for j, v := range f {
			if used[j][v>>6]&(1<<(v&63)) != 0 {
				return false
			}
		}
		return true
	}
	take := func(c int, f fingerprint) {
		for j, v := range f {
			used[j][v>>6] |= 1 << (v & 63)
		}
		cells[c] = append(cells[c], f)
	}
	for _, limit := range []int{target, capacity} {
		for _, c := range order {
			if next == len(fps) && len(retry) == 0 {
				break
			}
			for j := range used {
				clear(used[j][:])
			}
			for _, f := range cells[c] {
				for j, v := range f {
					used[j][v>>6] |= 1 << (v & 63)
				}
			}
			// Earlier collisions first, keeping those that collide again.
			kept := retry[:0]
			for _, f := range retry {
				if len(cells[c]) < limit && fits(f) {
					take(c, f)
				} else {
					kept = append(kept, f)
				}
			}
			retry = kept
			for len(cells[c]) < limit && next < len(fps) {
				f := fps[next]
				next++
				if fits(f) {
					take(c, f)
				} else {
					retry = append(retry, f)
				}
			}
		}
	}
	if left := len(retry) + len(fps) - next; left > 0 {
		return nil, fmt.Errorf("he: exact server: %d entries could not be placed: %w", left, ErrTooLarge)
	}
	return cells, nil
}

// encode computes every slot's polynomial and pre-encodes the plaintexts.
func (s *Server) encode(cells [][]fingerprint, rho []uint64) error {
	p := s.params
	t := p.T()
	L, H := s.plan.L, s.plan.H
	nCoef := L * H
	slots := p.Slots()
	// vals[p][k][slot]
	vals := make([][][]uint64, s.partitions)
	for pi := range vals {
		vals[pi] = make([][]uint64, nCoef)
		for k := range vals[pi] {
			vals[pi][k] = make([]uint64, slots)
		}
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	jobs := make(chan int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := make([]uint64, 0, s.capacity)
			wv := make([]uint64, 0, s.capacity)
			q := make([]uint64, nCoef)
			br := newBarrett(t)
			var scratch binPolyScratch
			for c := range jobs {
				pi, b := c/s.bins, c%s.bins
				for j := 0; j < feltsPerItem; j++ {
					u, wv = u[:0], wv[:0]
					for _, f := range cells[c] {
						u = append(u, uint64(f[j]))
						wv = append(wv, uint64(f[(j+1)%feltsPerItem]))
					}
					slot := b*feltsPerItem + j
					cellPoly(q, u, wv, rho[c*feltsPerItem+j], br, &scratch)
					for k, v := range q {
						vals[pi][k][slot] = v
					}
				}
			}
		}()
	}
	for c := 0; c < s.partitions*s.bins; c++ {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	// Encode at the evaluation level with the planned scales.
	lvl := s.plan.evalLevel
	ringQ := p.bgv.RingQ().AtLevel(lvl)
	tMont := tMontgomery(ringQ, t)
	s.tMont = tMont
	s.coef = make([][]ring.Poly, s.partitions)
	type job struct{ pi, k int }
	jc := make(chan job, workers)
	var encErr error
	var errMu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ecd := s.ecd.ShallowCopy()
			scaled := make([]uint64, slots)
			for jb := range jc {
				j, a := jb.k/L, jb.k%L
				sc := s.plan.ptScale(j, a)
				for i, v := range vals[jb.pi][jb.k] {
					scaled[i] = v * sc % t
				}
				pt := bgv.NewPlaintext(p.bgv, lvl)
				if err := ecd.Encode(scaled, pt); err != nil {
					errMu.Lock()
					encErr = err
					errMu.Unlock()
					continue
				}
				if a != 0 {
					ringQ.MulRNSScalarMontgomery(pt.Value, tMont, pt.Value)
				}
				s.coef[jb.pi][jb.k] = pt.Value
			}
		}()
	}
	for pi := 0; pi < s.partitions; pi++ {
		s.coef[pi] = make([]ring.Poly, nCoef)
		for k := 0; k < nCoef; k++ {
			jc <- job{pi, k}
		}
	}
	close(jc)
	wg.Wait()
	if encErr != nil {
		return fmt.Errorf("he: exact server: encode: %w", encErr)
	}
	// The rotated-query term x_{j+1} enters with coefficient 1 at the
	// target scale (the rotated query has scale 1).
	ones := make([]uint64, slots)
	for i := range ones {
		ones[i] = s.plan.ptScale(0, 0)
	}
	pt := bgv.NewPlaintext(p.bgv, lvl)
	if err := s.ecd.Encode(ones, pt); err != nil {
		return fmt.Errorf("he: exact server: encode: %w", err)
	}
	ringQ.MulRNSScalarMontgomery(pt.Value, tMont, pt.Value)
	s.ones = pt.Value
	return nil
}

// Parameters returns the server's parameters.
func (s *Server) Parameters() Parameters { return s.params }

// Entries returns the number of distinct fingerprints loaded.
func (s *Server) Entries() int { return s.items }

// Partitions returns the number of partitions (result cells per bin).
func (s *Server) Partitions() int { return s.partitions }

// Answers returns the number of level-0 ciphertexts in each answer:
// ceil(Partitions()/4).
func (s *Server) Answers() int { return exactGroups(s.partitions) }

// Traps returns the number of trap cells among Positions().
func (s *Server) Traps() int { return s.traps }

// Positions returns the number of result positions the client returns.
func (s *Server) Positions() int { return s.partitions * s.bins }

// EncodedBytes returns the memory held by the pre-encoded plaintexts.
func (s *Server) EncodedBytes() int {
	n := 0
	for _, ps := range s.coef {
		for _, pt := range ps {
			n += 8 * pt.N() * pt.Level() // Level() is limbs-1
			n += 8 * pt.N()
		}
	}
	return n
}

// tMontgomery returns t in double Montgomery form at every prime of ringQ:
// Lattigo's Mul(ct, pt) multiplies pt by t in Montgomery form, and
// pre-encoded plaintexts multiplied by it (MulRNSScalarMontgomery) match
// that convention.
func tMontgomery(ringQ *ring.Ring, t uint64) ring.RNSScalar {
	out := make(ring.RNSScalar, ringQ.Level()+1)
	for i, sub := range ringQ.SubRings[:ringQ.Level()+1] {
		out[i] = ring.MForm(ring.MForm(t%sub.Modulus, sub.Modulus, sub.BRedConstant), sub.Modulus, sub.BRedConstant)
	}
	return out
}
