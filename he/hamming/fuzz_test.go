package hamming

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/he/internal/core"
)

// fuzzFixture is one small protocol run shared by the fuzz targets.
type fuzzFixture struct {
	p     Parameters
	srv   *Server
	keys  *Keys
	c     *Client
	query []byte
	ans   []byte
	reply []byte
}

var (
	fixOnce, diagOnce sync.Once
	fix, diagFix      fuzzFixture
)

// fixture is a run of the expansion circuit (64-bit hashes, T = 10).
func fixture(t testing.TB) *fuzzFixture {
	fixOnce.Do(func() { fix = newFuzzFixture(t, testParams(t, 64, 10)) })
	return &fix
}

// diagFixture is the same run under the diagonal circuit (H12DInsecure).
func diagFixture(t testing.TB) *fuzzFixture {
	diagOnce.Do(func() {
		hetest.AllowInsecure()
		l := H12DInsecure
		l.HashBits, l.Threshold = 64, 10
		p, err := NewParameters(l)
		if err != nil {
			t.Fatal(err)
		}
		diagFix = newFuzzFixture(t, p)
	})
	return &diagFix
}

func newFuzzFixture(t testing.TB, p Parameters) fuzzFixture {
	r := rand.New(rand.NewPCG(7, 7))
	db := make([][32]byte, 50)
	for i := range db {
		db[i] = randHash(r, 64)
	}
	srv, err := NewServer(p, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := hetest.Keys(t, p, c.Setup, ParseKeys)
	q, ans, rep, _ := exchange(t, p, srv, keys, c, db[3])
	return fuzzFixture{p: p, srv: srv, keys: keys, c: c, query: q, ans: ans, reply: rep}
}

// mutation is a fuzz seed for mutate: xor byte i with v, cut to n.
type mutation struct {
	i int
	v byte
	n int
}

// addMutations adds each mutation to f's corpus as (i, v, n).
func addMutations(f *testing.F, ms []mutation) {
	for _, m := range ms {
		f.Add(m.i, m.v, m.n)
	}
}

// mutate returns b with byte i xored with v (if i in range) and cut to n.
func mutate(b []byte, i int, v byte, n int) []byte {
	b = append([]byte(nil), b...)
	if i >= 0 && i < len(b) {
		b[i] ^= v
	}
	if n >= 0 && n < len(b) {
		b = b[:n]
	}
	return b
}

// FuzzFinish: an answer from the network either is rejected with an error
// or yields a reply of exactly the size its header announces.
func FuzzFinish(f *testing.F) {
	fx := fixture(f)
	addMutations(f, []mutation{{0, 0, -1}, {3, 1, -1}, {12, 0xff, -1}, {14, 0x80, -1}, {len(fx.ans) - 1, 0xff, -1}, {0, 0, 20}})
	f.Fuzz(func(t *testing.T, i int, v byte, n int) {
		b := mutate(fx.ans, i, v, n)
		rep, err := fx.c.Finish(&QueryState{}, b)
		if err != nil {
			return
		}
		cts, perr := fx.p.parseAnswer(b)
		if perr != nil || len(rep) != fx.p.ReplySize(len(cts)) {
			t.Fatalf("accepted answer gave reply of %d bytes (parse %v)", len(rep), perr)
		}
	})
}

// FuzzVerdict: a reply either is rejected or decides; an unmodified reply
// decides "match" (the fixture queries a database entry).
func FuzzVerdict(f *testing.F) {
	fx := fixture(f)
	addMutations(f, []mutation{{-1, 0, -1}, {13, 1, -1}, {len(fx.reply) - 1, 0xff, -1}, {0, 0, 5}})
	f.Fuzz(func(t *testing.T, i int, v byte, n int) {
		_, st, err := fx.srv.Answer(fx.keys, fx.query)
		if err != nil {
			t.Fatal(err)
		}
		// Fresh masks: the stored reply no longer matches them, so only
		// length and header checks are exercised here.
		b := mutate(fx.reply, i, v, n)
		if _, _, err := fx.srv.Verdict(st, b); err == nil && len(b) != len(fx.reply) {
			t.Fatalf("reply of %d bytes accepted", len(b))
		}
	})
}

// FuzzAnswer: a query from the network either is rejected with an error or
// yields an answer of the announced size, under both circuits.
func FuzzAnswer(f *testing.F) {
	fxs := []*fuzzFixture{fixture(f), diagFixture(f)}
	addMutations(f, []mutation{{-1, 0, -1}, {5, 1, -1}, {20, 0xff, -1}, {len(fxs[0].query) - 1, 0xff, -1}, {0, 0, 100}})
	f.Fuzz(func(t *testing.T, i int, v byte, n int) {
		for _, fx := range fxs {
			b := mutate(fx.query, i, v, n)
			ans, _, err := fx.srv.Answer(fx.keys, b)
			if err != nil {
				continue
			}
			if len(ans) != fx.p.AnswerSize(fx.srv.Outputs()) {
				t.Fatalf("%s: answer of %d bytes", fx.p.lit.Name, len(ans))
			}
		}
	})
}

// FuzzParseKeys: key material is rejected unless its length and every
// residue are valid, under both circuits' key sets.
func FuzzParseKeys(f *testing.F) {
	fxs := []*fuzzFixture{fixture(f), diagFixture(f)}
	addMutations(f, []mutation{{0, 1, -1}, {100, 0xff, -1}, {0, 0, 1000}})
	f.Fuzz(func(t *testing.T, i int, v byte, n int) {
		for _, fx := range fxs {
			kb := fx.p.KeysSize()
			b := make([]byte, kb)
			copy(b, fx.p.header(core.KindHammingKeys))
			b = mutate(b, i, v, n)
			k, err := ParseKeys(fx.p, b)
			if err == nil && (k == nil || len(b) != kb) {
				t.Fatalf("%s: bad keys accepted", fx.p.lit.Name)
			}
		}
	})
}

func TestWireSizes(t *testing.T) {
	fx := fixture(t)
	if len(fx.query) != fx.p.QuerySize(fx.srv.Outputs()) || len(fx.ans) != fx.p.AnswerSize(fx.srv.Outputs()) || len(fx.reply) != fx.p.ReplySize(fx.srv.Outputs()) {
		t.Fatalf("sizes %d %d %d", len(fx.query), len(fx.ans), len(fx.reply))
	}
}

func TestParamsSecurity(t *testing.T) {
	for _, l := range []Literal{H14, H14D} {
		if _, err := NewParameters(l); err != nil {
			t.Fatal(err)
		}
	}
	l := H14D
	l.LogP = []int{33, 33, 33, 33, 33}
	if _, err := NewParameters(l); !errors.Is(err, he.ErrInsecure) {
		t.Fatalf("H14D with log2(QP)=470: %v, want ErrInsecure", err)
	}
	l = H12Insecure
	l.Insecure = false
	if _, err := NewParameters(l); !errors.Is(err, he.ErrInsecure) {
		t.Fatalf("PN12 without the opt-in: %v, want ErrInsecure", err)
	}
	l = H14
	l.LogP = []int{33, 33, 33}
	if _, err := NewParameters(l); !errors.Is(err, he.ErrInsecure) {
		t.Fatalf("H14 with log2(QP)=470: %v, want ErrInsecure", err)
	}
}
