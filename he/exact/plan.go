package exact

import (
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// circuitPlan is the fixed shape of the exact-membership circuit for a
// parameter set: which powers of the query are computed from which, and
// the level and scale (mod t) every intermediate result ends up with. The
// database plaintexts are pre-encoded against these scales, so that every
// term of a sum has the same scale and Lattigo never rescales scales by a
// constant (which costs about log2(t) bits of noise).
type circuitPlan struct {
	L, H        int
	top         int            // level of the query ciphertext
	factors     map[int][2]int // x^e = x^a * x^b
	mult        map[int]int    // level at which x^e's product is computed
	level       map[int]int
	scale       map[int]uint64
	order       []int // exponents in computation order (excluding 1)
	needed      []int // 1..L-1 and L, 2L, .., (H-1)L
	evalLevel   int   // level of the Paterson-Stockmeyer sum
	targetScale uint64
	t           uint64
}

func newCircuitPlan(p Parameters) (*circuitPlan, error) {
	l := p.lit
	if l.Binned {
		return nil, fmt.Errorf("he: params %s run the binned circuit: use NewBinnedServer and NewBinnedClient", l.Name)
	}
	c := &circuitPlan{L: l.Low, H: l.High, top: p.MaxLevel(), factors: map[int][2]int{}, mult: map[int]int{}, level: map[int]int{1: p.MaxLevel()}, scale: map[int]uint64{1: 1}, t: p.T()}
	q := p.bgv.Q()
	var need func(e int)
	need = func(e int) {
		if _, ok := c.level[e]; ok {
			return
		}
		hi := 1
		for hi*2 < e {
			hi *= 2
		}
		a, b := hi, e-hi
		need(a)
		need(b)
		lv := min(c.level[a], c.level[b])
		if lv == 0 {
			panic("he: circuit plan: out of levels") // guarded by Parameters.depth
		}
		c.factors[e] = [2]int{a, b}
		// MulRelin multiplies scales, Rescale divides by q_lv.
		c.scale[e] = mulMod(mulMod(c.scale[a], c.scale[b], c.t), invMod(q[lv]%c.t, c.t), c.t)
		c.level[e] = lv - 1
		c.order = append(c.order, e)
	}
	for a := 1; a < c.L; a++ {
		c.needed = append(c.needed, a)
	}
	for j := 1; j < c.H; j++ {
		c.needed = append(c.needed, j*c.L)
	}
	c.evalLevel = c.top
	for _, e := range c.needed {
		need(e)
		c.evalLevel = min(c.evalLevel, c.level[e])
	}
	if c.evalLevel < 4 {
		return nil, fmt.Errorf("he: circuit plan: evaluation level %d leaves fewer than 4 levels", c.evalLevel)
	}
	// Lazy levels: compute every power at the lowest level its consumers
	// allow (key switching costs grow with the square of the level), e.g.
	// x^5 = x^4 * x at level 5 rather than 8.
	isNeeded := map[int]bool{}
	for _, e := range c.needed {
		isNeeded[e] = true
	}
	req := map[int]int{}
	desc := append([]int(nil), c.order...)
	sort.Sort(sort.Reverse(sort.IntSlice(desc)))
	for _, e := range desc {
		if isNeeded[e] {
			req[e] = max(req[e], c.evalLevel)
		}
		c.mult[e] = req[e] + 1
		for _, f := range c.factors[e] {
			if f != 1 {
				req[f] = max(req[f], c.mult[e])
			}
		}
	}
	for i := len(desc) - 1; i >= 0; i-- { // ascending: factors first
		e := desc[i]
		f := c.factors[e]
		ml := c.mult[e]
		if ml > c.top || (f[0] != 1 && c.level[f[0]] < ml) || (f[1] != 1 && c.level[f[1]] < ml) {
			return nil, fmt.Errorf("he: circuit plan: power %d cannot be computed at level %d", e, ml)
		}
		c.scale[e] = mulMod(mulMod(c.scale[f[0]], c.scale[f[1]], c.t), invMod(q[ml]%c.t, c.t), c.t)
		c.level[e] = ml - 1
	}
	c.targetScale = 1
	return c, nil
}

// ptScale is the scale the plaintext coefficient of x^(jL+a) must carry so
// that the term lands on the target scale (a = 0 means the constant).
func (c *circuitPlan) ptScale(j, a int) uint64 {
	s := c.targetScale
	if j > 0 {
		s = mulMod(s, invMod(c.scale[j*c.L], c.t), c.t)
	}
	if a > 0 {
		s = mulMod(s, invMod(c.scale[a], c.t), c.t)
	}
	return s
}

// powers computes the planned powers of x and returns them all dropped to
// the evaluation level, checking levels and scales. Powers of equal depth
// are independent and run on up to GOMAXPROCS workers, each with its own
// evaluator (Lattigo evaluators are not goroutine-safe).
func (c *circuitPlan) powers(ev *bgv.Evaluator, x *rlwe.Ciphertext) (map[int]*rlwe.Ciphertext, error) {
	pw := map[int]*rlwe.Ciphertext{1: x}
	byDepth := map[int][]int{}
	maxD := 0
	for _, e := range c.order {
		d := c.top - c.mult[e] + 1
		byDepth[d] = append(byDepth[d], e)
		maxD = max(maxD, d)
	}
	workers := runtime.GOMAXPROCS(0)
	evs := []*bgv.Evaluator{ev}
	for d := 1; d <= maxD; d++ {
		batch := byDepth[d]
		for len(evs) < min(workers, len(batch)) {
			evs = append(evs, ev.ShallowCopy())
		}
		outs := make([]*rlwe.Ciphertext, len(batch))
		errs := make([]error, len(batch))
		var wg sync.WaitGroup
		for w := 0; w < min(workers, len(batch)); w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				defer core.Recover(&errs[w], "powers")
				for i := w; i < len(batch); i += workers {
					e := batch[i]
					f := c.factors[e]
					out := bgv.NewCiphertext(*evs[w].GetParameters(), 1, c.mult[e])
					err := evs[w].MulRelin(pw[f[0]], pw[f[1]], out)
					if err == nil {
						err = evs[w].Rescale(out, out)
					}
					if err == nil && (out.Level() != c.level[e] || out.Scale.Uint64() != c.scale[e]) {
						err = fmt.Errorf("power %d at level %d scale %d, plan says %d, %d", e, out.Level(), out.Scale.Uint64(), c.level[e], c.scale[e])
					}
					outs[i], errs[i] = out, err
				}
			}(w)
		}
		wg.Wait()
		for i, e := range batch {
			if errs[i] != nil {
				return nil, errs[i]
			}
			pw[e] = outs[i]
		}
	}
	res := map[int]*rlwe.Ciphertext{}
	for _, e := range c.needed {
		ct := pw[e]
		if e == 1 {
			ct = ct.CopyNew()
		}
		if ct.Level() > c.evalLevel {
			ev.DropLevel(ct, ct.Level()-c.evalLevel)
		}
		res[e] = ct
	}
	return res, nil
}
