package hehamming_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/hehamming"
	"github.com/privmatch/privmatch/psi/psitest"
)

// These tests run under an insecure N = 2^10 preset (TESTS ONLY; see
// hehamming_fuzz_test.go); BenchmarkPSI and cmd/privmatch's end-to-end
// test run PN14.

// atDistance returns h with d distinct random bits flipped.
func atDistance(t *testing.T, r *rand.Rand, h phash.Hash, d int) phash.Hash {
	for _, i := range r.Perm(h.Bits())[:d] {
		h = psitest.FlipBit(t, h, i)
	}
	return h
}

// TestHEHammingThresholds: for 256- and 64-bit hashes, at thresholds 0,
// 7 and 31 (where the length allows), a hash at distance t matches and one
// at t+1 does not, on both sides of the engine's bit order (random bit
// positions, so high and low bytes both count).
func TestHEHammingThresholds(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for _, tc := range []struct {
		bits, thr int
	}{{256, 31}, {256, 0}, {64, 7}} {
		db, err := psi.Synth("test", tc.bits, 40, seed)
		if err != nil {
			t.Fatal(err)
		}
		opts := psi.Options{Threshold: tc.thr}
		srv, err := hehamming.Test.NewServer(db, opts)
		if err != nil {
			t.Fatal(err)
		}
		cli, err := hehamming.Test.NewClient(db.Kind, db.Bits, opts)
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := psi.Open(srv, cli, db.Kind, db.Bits)
		if err != nil {
			t.Fatal(err)
		}
		listed := db.Hashes[r.IntN(len(db.Hashes))]
		for _, d := range []int{tc.thr, tc.thr + 1} {
			h := atDistance(t, r, listed, d)
			want := false
			for _, e := range db.Hashes {
				if n, _ := phash.Distance(h, e); n <= tc.thr {
					want = true
				}
			}
			if want != (d <= tc.thr) {
				t.Fatalf("bits=%d: another entry within %d of the probe; change the seed", tc.bits, tc.thr)
			}
			tr, err := sess.Query(h)
			if err != nil {
				t.Fatal(err)
			}
			if o := tr.ServerOutcome; !o.Known || o.Match != want || tr.ClientOutcome.Known {
				t.Errorf("bits=%d t=%d distance %d: server %v, client %v, want match=%v", tc.bits, tc.thr, d, o, tr.ClientOutcome, want)
			}
		}
		sess.Close()
	}
}

// TestHEHammingItemBitOrder: the engine's bit i is phash's Bit(i), so the
// engine's distance over the first Bits bits is phash.Distance, also for
// lengths that are not whole bytes.
func TestHEHammingItemBitOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, bits := range []int{64, 100, 255, 256} {
		for range 20 {
			b := make([]byte, (bits+7)/8)
			c := make([]byte, len(b))
			for i := range b {
				b[i], c[i] = byte(r.Uint32()), byte(r.Uint32())
			}
			if pad := len(b)*8 - bits; pad > 0 {
				b[0] &= 0xff >> pad
				c[0] &= 0xff >> pad
			}
			h, err := phash.NewHash("test", bits, b)
			if err != nil {
				t.Fatal(err)
			}
			g, err := phash.NewHash("test", bits, c)
			if err != nil {
				t.Fatal(err)
			}
			x := hehamming.Item(h)
			for i := 0; i < bits; i++ {
				if (x[i/8]>>(i%8)&1 == 1) != h.Bit(i) {
					t.Fatalf("bits=%d: engine bit %d differs from Bit(%d)", bits, i, i)
				}
			}
			want, _ := phash.Distance(h, g)
			if got := hamming.Distance(x, hehamming.Item(g), bits); got != want {
				t.Fatalf("bits=%d: engine distance %d, phash %d", bits, got, want)
			}
		}
	}
}

// TestHEHammingRefuses: the server refuses hashes the engine cannot take
// and thresholds above half the bits; the client refuses an insecure or
// unknown preset, another hash length, and a threshold above its cap.
func TestHEHammingRefuses(t *testing.T) {
	small, err := psi.Synth("test", 32, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hehamming.Test.NewServer(small, psi.Options{}); err == nil {
		t.Error("server accepted 32-bit hashes")
	}
	db := psitest.Database(t, 4, 1)
	for _, thr := range []int{-1, 129} {
		if _, err := hehamming.Test.NewServer(db, psi.Options{Threshold: thr}); err == nil {
			t.Errorf("server accepted threshold %d", thr)
		}
		if _, err := hehamming.Test.NewClient(db.Kind, db.Bits, psi.Options{Threshold: thr}); err == nil {
			t.Errorf("client accepted threshold %d", thr)
		}
	}
	proto := hehamming.Test
	setup := func(opts psi.Options, m hehamming.Params) error {
		cli, err := proto.NewClient(db.Kind, db.Bits, opts)
		if err != nil {
			t.Fatal(err)
		}
		return psitest.OfferSetup(t, cli, &m)
	}
	good := hehamming.Params{Preset: hamming.H14.Name, HashBits: 256, Threshold: 31, Outputs: 1}
	if err := setup(psi.Options{}, good); err != nil {
		t.Fatalf("client refused PN14: %v", err)
	}
	proto = hehamming.Protocol // the registered protocol, as outside tests
	weak := good
	weak.Preset = hamming.H12Insecure.Name
	err = setup(psi.Options{}, weak)
	proto = hehamming.Test
	if !errors.Is(err, he.ErrInsecure) {
		t.Errorf("insecure preset outside tests: %v, want he.ErrInsecure", err)
	}
	for name, c := range map[string]struct {
		opts psi.Options
		m    hehamming.Params
	}{
		"unknown":    {psi.Options{}, hehamming.Params{Preset: "PN99", HashBits: 256, Threshold: 31, Outputs: 1}},
		"other bits": {psi.Options{}, hehamming.Params{Preset: hamming.H14.Name, HashBits: 64, Threshold: 7, Outputs: 1}},
		"above cap":  {psi.Options{Threshold: 20}, good},
	} {
		if err := setup(c.opts, c.m); err == nil {
			t.Errorf("%s: client accepted %+v", name, c.m)
		}
	}
}

// TestHEHammingAlteredReply: the server cannot detect a reply the client
// altered (the ledger says so: no trap cells): altered values still yield
// a verdict; a reply under another parameter set is refused.
func TestHEHammingAlteredReply(t *testing.T) {
	db := psitest.Database(t, 20, 9)
	srv, err := hehamming.Test.NewServer(db, psi.Options{Threshold: 31})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := hehamming.Test.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	for _, tc := range []struct {
		name   string
		at     func(n int) int
		refuse bool
	}{{"values", func(n int) int { return n - 1 }, false}, {"fingerprint", func(int) int { return 5 }, true}} {
		sq, b := psitest.ClientReply(t, cli, sess, db.Hashes[3])
		b[tc.at(len(b))] ^= 1
		in := sq.Expect()
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		_, err = sq.Step(in)
		if (err != nil) != tc.refuse || sq.Outcome().Known == tc.refuse {
			t.Errorf("%s altered: %v, outcome %v", tc.name, err, sq.Outcome())
		}
	}
}

func TestConformance(t *testing.T) { psitest.TestProtocol(t, hehamming.Test) }

func TestAdversarial(t *testing.T) { psitest.TestAdversarial(t, hehamming.Test) }

func TestAuditedSetup(t *testing.T) { psitest.TestAuditedSetup(t, hehamming.Test) }
