package hamming

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// BenchmarkStages times the server's stages on one core under H14: the
// oblivious expansion (once per query), the linear stage over all groups
// and the threshold of one group, so that the cost model in README.md can
// be checked stage by stage. HAMMING_STAGE_LOG (default 16) sets the
// database size, HAMMING_PRELIMBS the pre-encoded primes (default all).
func BenchmarkStages(b *testing.B) {
	lg := 16
	if v, err := strconv.Atoi(os.Getenv("HAMMING_STAGE_LOG")); err == nil {
		lg = v
	}
	opt := Options{Workers: 1, PreEncode: true}
	if v, err := strconv.Atoi(os.Getenv("HAMMING_PRELIMBS")); err == nil {
		opt = Options{Workers: 1, PreEncodeLimbs: v}
	}
	p, c := h14Client(b)
	keys, _ := hetest.Keys(b, p, c.Setup, ParseKeys)
	r := rand.New(rand.NewPCG(3, 3))
	db := make([][32]byte, 1<<lg)
	for i := range db {
		db[i] = randHash(r, 256)
	}
	srv, err := NewServer(p, db, opt)
	if err != nil {
		b.Fatal(err)
	}
	q, _, err := c.Query(db[1], srv.Outputs())
	if err != nil {
		b.Fatal(err)
	}
	evals := []*bgv.Evaluator{keys.eval.ShallowCopy()}
	n := p.lit.HashBits
	expanded := func() []*rlwe.Ciphertext {
		x, _, err := p.parseQuery(q, srv.Outputs())
		if err != nil {
			b.Fatal(err)
		}
		E, err := expand(p, evals, srv.mono, x, n+2)
		if err != nil {
			b.Fatal(err)
		}
		return E
	}
	name := fmt.Sprintf("db=2^%d/pre=%d", lg, len(srv.db.preIdx))
	cpu := func(b *testing.B, f func()) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			f()
		}
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	}
	b.Run(name+"/stage=expand", func(b *testing.B) { cpu(b, func() { expanded() }) })
	E := expanded()
	ringTop := p.bgv.RingQ().AtLevel(p.bgv.MaxLevel())
	for _, ct := range E[:n+1] {
		for i := range ct.Value {
			ringTop.MForm(ct.Value[i], ct.Value[i])
		}
	}
	var accs []*rlwe.Ciphertext
	b.Run(name+"/stage=linear", func(b *testing.B) { cpu(b, func() { accs = srv.linear(1, E[:n+1]) }) })
	h := accs[0]
	if err := evals[0].Rescale(h, h); err != nil {
		b.Fatal(err)
	}
	k, _ := p.half()
	b.Run(name+"/stage=threshold", func(b *testing.B) {
		cpu(b, func() {
			if _, err := threshold(evals[0], h, k); err != nil {
				b.Fatal(err)
			}
		})
	})
}
