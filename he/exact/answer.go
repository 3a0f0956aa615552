package exact

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Keys is a client's decoded evaluation key material on the server, for
// one of the two circuits: ParseKeys makes the Paterson-Stockmeyer
// circuit's, BinnedServer.ParseKeys the binned circuit's.
type Keys struct {
	ek *evaluationKeys
	bk *binnedKeys
}

// ParseKeys decodes the key material produced by Client.Setup.
func ParseKeys(p Parameters, keys []byte) (*Keys, error) {
	ek, err := unmarshalEvaluationKeys(p, keys)
	if err != nil {
		return nil, err
	}
	if len(ek.rots) != len(exactRotations) {
		return nil, fmt.Errorf("he: exact keys: %d rotation keys, want %d", len(ek.rots), len(exactRotations))
	}
	for i, r := range exactRotations {
		if ek.rots[i] != r {
			return nil, fmt.Errorf("he: exact keys: rotation %d is %d, want %d", i, ek.rots[i], r)
		}
	}
	plan, err := newCircuitPlan(p)
	if err != nil {
		return nil, err
	}
	if ek.galLevel < plan.evalLevel {
		return nil, fmt.Errorf("he: exact keys: galois keys at level %d, circuit rotates at %d", ek.galLevel, plan.evalLevel)
	}
	return &Keys{ek: ek}, nil
}

// VerdictState is what the server keeps between Answer and Verdict: for
// every returned position its mask, whether it is a trap, and this
// query's check key and check mask.
type VerdictState struct {
	params   Parameters
	expected []uint64
	trap     []bool
	key      []uint64 // a_i: the check value at position i is a_i * r_i * E_i
	keyMask  []uint64 // m'_i: the mask of the check value
	used     bool
}

// outputSlot maps cell (partition pi, bin b) to the slot that holds it in
// its answer ciphertext (number pi/4) after packing: partition pi is
// rotated left by (4 - pi mod 4) mod 4.
func (s *Server) outputSlot(pi, b int) int {
	row := s.params.Slots() / 2
	k := (feltsPerItem - pi%feltsPerItem) % feltsPerItem
	src := b * feltsPerItem
	start := src / row * row
	return start + ((src-start-k)%row+row)%row
}

// groupParts is the number of partitions packed into answer ciphertext g.
func groupParts(partitions, g int) int {
	return min(feltsPerItem, partitions-g*feltsPerItem)
}

// Answer evaluates membership of the client's query against the whole
// database and returns the masked answer and the state Verdict needs.
// Partitions are evaluated on up to GOMAXPROCS workers, each with its own
// evaluator; every four share one answer ciphertext.
func (s *Server) Answer(keys *Keys, msg []byte) (answer []byte, st *VerdictState, err error) {
	defer core.Recover(&err, "he: exact answer")
	p := s.params
	if keys == nil || keys.ek == nil || !keys.ek.params.equal(p) {
		return nil, nil, fmt.Errorf("he: exact answer: keys missing or under other parameters")
	}
	x, err := parseQuery(p, msg, s.plan.top)
	if err != nil {
		return nil, nil, fmt.Errorf("he: exact answer: %w", err)
	}
	ev := bgv.NewEvaluator(p.bgv, keys.ek.keySet())
	pw, err := s.plan.powers(ev, x)
	if err != nil {
		return nil, nil, fmt.Errorf("he: exact answer: powers: %w", err)
	}
	rot1, err := ev.RotateColumnsNew(pw[1], 1)
	if err != nil {
		return nil, nil, fmt.Errorf("he: exact answer: %w", err)
	}
	// Per-query masks.
	fs, err := s.masks.sampler(p.T())
	if err != nil {
		return nil, nil, fmt.Errorf("he: exact answer: %w", err)
	}
	slots := p.Slots()
	// r (zero at traps) multiplies each cell's value; a, fresh for every
	// query and nonzero, keys the check copy a*r*E of the same value.
	rVals := make([][]uint64, s.partitions)
	aVals := make([][]uint64, s.partitions)
	arVals := make([][]uint64, s.partitions)
	for pi := range rVals {
		rVals[pi] = make([]uint64, slots)
		aVals[pi] = make([]uint64, slots)
		arVals[pi] = make([]uint64, slots)
		for b := 0; b < s.bins; b++ {
			if !s.isTrap[pi][b] {
				rVals[pi][b*feltsPerItem] = fs.nonzero()
			}
			a := fs.nonzero()
			aVals[pi][b*feltsPerItem] = a
			arVals[pi][b*feltsPerItem] = a * rVals[pi][b*feltsPerItem] % p.T()
		}
	}
	groups := exactGroups(s.partitions)
	mVals := make([][]uint64, 2*groups) // the values' masks, then the checks'
	for g := range mVals {
		mVals[g] = make([]uint64, slots)
		for i := range mVals[g] {
			mVals[g][i] = fs.uniform()
		}
	}
	// Evaluate partitions on a pool of workers, one evaluator each.
	parts := make([]*rlwe.Ciphertext, 2*s.partitions) // values, then checks
	errs := make([]error, s.partitions)
	var wg sync.WaitGroup
	jobs := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), s.partitions); w++ {
		wg.Add(1)
		go func(ev *bgv.Evaluator) {
			defer wg.Done()
			for pi := range jobs {
				func() {
					defer core.Recover(&errs[pi], "partition")
					parts[pi], parts[s.partitions+pi], errs[pi] = s.evalPartition(ev, pi, pw, rot1, rVals[pi], arVals[pi])
				}()
			}
		}(ev.ShallowCopy())
	}
	for pi := 0; pi < s.partitions; pi++ {
		jobs <- pi
	}
	close(jobs)
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return nil, nil, fmt.Errorf("he: exact answer: %w", e)
		}
	}
	answer = putHeader(make([]byte, 0, AnswerSize(p, s.partitions)), core.KindExactAnswer, p)
	answer = append(answer, byte(s.partitions))
	ecd := s.ecd.ShallowCopy()
	for k := 0; k < 2*groups; k++ {
		g, base := k%groups, k/groups*s.partitions
		res := parts[base+g*feltsPerItem]
		for _, c := range parts[base+g*feltsPerItem+1 : base+g*feltsPerItem+groupParts(s.partitions, g)] {
			if err := ev.Add(res, c, res); err != nil {
				return nil, nil, fmt.Errorf("he: exact answer: %w", err)
			}
		}
		if err := ev.Rescale(res, res); err != nil {
			return nil, nil, fmt.Errorf("he: exact answer: %w", err)
		}
		if res.Level() != 0 {
			ev.DropLevel(res, res.Level())
		}
		ptM := bgv.NewPlaintext(p.bgv, 0)
		ptM.Scale = res.Scale
		if err := ecd.Encode(mVals[k], ptM); err != nil {
			return nil, nil, fmt.Errorf("he: exact answer: %w", err)
		}
		if err := ev.Add(res, ptM, res); err != nil {
			return nil, nil, fmt.Errorf("he: exact answer: %w", err)
		}
		answer = compressLevel0(p, res, answer)
	}
	np := s.Positions()
	st = &VerdictState{params: p, expected: make([]uint64, 0, np), trap: make([]bool, 0, np), key: make([]uint64, 0, np), keyMask: make([]uint64, 0, np)}
	// Returned positions: answer by answer, the slots i with i mod 4 below
	// that answer's partition count, in order.
	cellOf := make([]int, slots)
	for g := 0; g < groups; g++ {
		gp := groupParts(s.partitions, g)
		for q := 0; q < gp; q++ {
			pi := g*feltsPerItem + q
			for b := 0; b < s.bins; b++ {
				cellOf[s.outputSlot(pi, b)] = pi*s.bins + b
			}
		}
		for i := 0; i < slots; i++ {
			if i%feltsPerItem >= gp {
				continue
			}
			c := cellOf[i]
			st.expected = append(st.expected, mVals[g][i])
			st.trap = append(st.trap, s.isTrap[c/s.bins][c%s.bins])
			st.key = append(st.key, aVals[c/s.bins][c%s.bins*feltsPerItem])
			st.keyMask = append(st.keyMask, mVals[groups+g][i])
		}
	}
	return answer, st, nil
}

// evalPartition computes, for partition pi, the anisotropic quartic E of
// the four slot values of every bin times the randomiser r (rv), and the
// check copy times a*r (arv), each placed at slot (b, pi).
func (s *Server) evalPartition(ev *bgv.Evaluator, pi int, pw map[int]*rlwe.Ciphertext, rot1 *rlwe.Ciphertext, rv, arv []uint64) (val, check *rlwe.Ciphertext, err error) {
	p := s.params
	pl := s.plan
	lvl := pl.evalLevel
	ringQ := p.bgv.RingQ().AtLevel(lvl)
	acc := bgv.NewCiphertext(p.bgv, 2, lvl)
	acc.Scale = rlwe.NewScaleModT(pl.targetScale, p.T())
	inner := bgv.NewCiphertext(p.bgv, 1, lvl)
	for j := 0; j < pl.H; j++ {
		for i := 0; i < 2; i++ {
			inner.Value[i].Zero()
			for a := 1; a < pl.L; a++ {
				ringQ.MulCoeffsMontgomeryThenAdd(pw[a].Value[i], s.coef[pi][j*pl.L+a], inner.Value[i])
			}
			if j == 0 {
				ringQ.MulCoeffsMontgomeryThenAdd(rot1.Value[i], s.ones, inner.Value[i])
			}
		}
		ringQ.Add(inner.Value[0], s.coef[pi][j*pl.L], inner.Value[0])
		inner.Scale = rlwe.NewScaleModT(pl.ptScale(j, 0), p.T())
		if j == 0 {
			if err := ev.Add(acc, inner, acc); err != nil {
				return nil, nil, err
			}
		} else if err := ev.MulThenAdd(inner, pw[j*pl.L], acc); err != nil {
			return nil, nil, err
		}
	}
	if acc.Scale.Uint64() != pl.targetScale {
		return nil, nil, fmt.Errorf("partition sum at scale %d, want %d", acc.Scale.Uint64(), pl.targetScale)
	}
	v := bgv.NewCiphertext(p.bgv, 1, lvl)
	if err := ev.Relinearize(acc, v); err != nil {
		return nil, nil, err
	}
	if err := ev.Rescale(v, v); err != nil {
		return nil, nil, err
	}
	// Anisotropic quartic of (v0, v1, v2, v3): (v0^2-3v1^2)^2 - 3(v2^2-3v3^2)^2.
	c, err := foldStep(ev, v, 1)
	if err != nil {
		return nil, nil, err
	}
	e, err := foldStep(ev, c, 2)
	if err != nil {
		return nil, nil, err
	}
	// Keep only slot (b, 0) of real cells, times a fresh nonzero r; the
	// check copy times a*r.
	out := [2]*rlwe.Ciphertext{e, e.CopyNew()}
	for i, vals := range [][]uint64{rv, arv} {
		ptR := bgv.NewPlaintext(p.bgv, e.Level())
		if err := s.ecd.ShallowCopy().Encode(vals, ptR); err != nil {
			return nil, nil, err
		}
		if err := ev.Mul(out[i], ptR, out[i]); err != nil {
			return nil, nil, err
		}
		if k := (feltsPerItem - pi%feltsPerItem) % feltsPerItem; k != 0 {
			if err := ev.RotateColumns(out[i], k, out[i]); err != nil {
				return nil, nil, err
			}
		}
	}
	return out[0], out[1], nil
}

// Verdict checks the client's reply and returns whether some real
// position decrypted to its mask (the query's entry is in the database).
// It returns ErrTampered, and nothing about which check failed, if any
// trap position differs from its known value or any position's check
// value is not a*(value - mask) under this query's fresh key a: a reply
// altered at any position passes with probability at most 1/(t-1)
// ([ForgeryBound]), however the client chose the alteration.
func (s *Server) Verdict(st *VerdictState, reply []byte) (bool, error) { return st.verdict(reply) }

// verdict is Verdict for both circuits.
func (st *VerdictState) verdict(reply []byte) (bool, error) {
	if st == nil || st.used {
		return false, fmt.Errorf("he: exact verdict: state missing or already used")
	}
	st.used = true
	n := len(st.expected)
	vals, err := decodeReply(st.params, reply, 2*n)
	if err != nil {
		return false, err
	}
	t := st.params.T()
	match, bad := false, 0
	for i, v := range vals[:n] {
		d := (v + t - st.expected[i]) % t
		if st.key[i]*d%t != (vals[n+i]+t-st.keyMask[i])%t {
			bad++
		}
		if st.trap[i] {
			if d != 0 {
				bad++
			}
		} else if d == 0 {
			match = true
		}
	}
	if bad != 0 {
		return false, fmt.Errorf("he: exact verdict: %w", ErrTampered)
	}
	return match, nil
}

// ForgeryBound returns the probability that a reply altered at one or more
// positions passes Verdict: the check copy of an altered position must move
// by a times the alteration, a uniform in [1, t-1], fresh for every query
// and hidden from the client by the check mask.
func ForgeryBound(p Parameters) float64 { return 1 / float64(p.T()-1) }

// ErrTampered reports a reply that changed a trap position.
var ErrTampered = errors.New("he: reply tampered with")

func replySize(p Parameters, n int) int {
	return core.HeaderLen + 4 + core.PackedLen(n, core.LimbWidths([]uint64{p.T()})[0])
}

func encodeReply(p Parameters, vals []uint64) []byte {
	out := putHeader(make([]byte, 0, replySize(p, len(vals))), core.KindExactReply, p)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(vals)))
	return core.PackLimb(out, vals, core.LimbWidths([]uint64{p.T()})[0])
}

func decodeReply(p Parameters, data []byte, want int) ([]uint64, error) {
	if err := checkHeader(data, core.KindExactReply, p); err != nil {
		return nil, fmt.Errorf("he: decode reply: %w", err)
	}
	if len(data) < core.HeaderLen+4 {
		return nil, fmt.Errorf("he: decode reply: truncated")
	}
	n := int(binary.LittleEndian.Uint32(data[core.HeaderLen:]))
	if n != want || len(data) != replySize(p, n) {
		return nil, fmt.Errorf("he: decode reply: %d values in %d bytes, want %d values in %d bytes", n, len(data), want, replySize(p, want))
	}
	vals := make([]uint64, n)
	core.UnpackLimb(data[core.HeaderLen+4:], vals, core.LimbWidths([]uint64{p.T()})[0])
	for _, v := range vals {
		if v >= p.T() {
			return nil, fmt.Errorf("he: decode reply: value %d >= t", v)
		}
	}
	return vals, nil
}

var _ = ring.Poly{}
