package hashmatch

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	mrand "math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// photo is one decoded bundled photo with its luma and plaintext hash.
type photo struct {
	name string
	luma []float64
	hash phash.Hash
	// pdqLuma and pdq are PDQ's 64x64 luma and hash (no squash).
	pdqLuma []float64
	pdq     phash.Hash
}

// photos loads testdata/photos (the 11 bundled photos).
func photos(t testing.TB) []photo {
	t.Helper()
	out := images(t, "testdata", "photos")
	require.Len(t, out, 11, "bundled photos")
	return out
}

// pdqImages loads the 30 images of PDQ's reference vectors
// (phash/testdata/vectors/pdq/images).
func pdqImages(t testing.TB) []photo {
	t.Helper()
	out := images(t, "phash", "testdata", "vectors", "pdq", "images")
	require.Len(t, out, 30, "PDQ reference images")
	return out
}

// images decodes every PNG and JPEG in the folder at path (relative to the
// module root) with phash.Load, the decoder the command uses, and returns
// each one's phash8 luma and plaintext hash, sorted by name.
func images(t testing.TB, path ...string) []photo {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found")
		dir = parent
	}
	names, err := filepath.Glob(filepath.Join(append([]string{dir}, append(path, "*")...)...))
	require.NoError(t, err)
	sort.Strings(names)
	var out []photo
	for _, n := range names {
		if filepath.Ext(n) != ".png" && filepath.Ext(n) != ".jpg" {
			continue
		}
		img, err := phash.Load(n, phash.LoadOptions{})
		require.NoError(t, err, n)
		luma, err := imagehash.Luma(imagehash.AlgPHash8, img)
		require.NoError(t, err)
		h, err := phash.PHash8.Hash(img)
		require.NoError(t, err)
		pl, err := imagehash.Luma(imagehash.AlgPDQ, img)
		require.NoError(t, err)
		ph, err := phash.PDQ.Hash(img)
		require.NoError(t, err)
		out = append(out, photo{name: filepath.Base(n), luma: luma, hash: h, pdqLuma: pl, pdq: ph})
	}
	return out
}

// flip returns h with the first n bits (by coefficient) flipped.
func flip(t testing.TB, h phash.Hash, n int) phash.Hash {
	t.Helper()
	bits := make([]bool, nCoef)
	for k := range bits {
		bits[k] = coefBit(h, k) != (k < n)
	}
	out, err := phash.FromBits(h.Kind(), bits)
	require.NoError(t, err)
	return out
}

// TestLayoutInTheClear runs the circuit's layout in float64: the pairwise
// difference matrix, exact steps, the rank sum and threshold, and the
// distance diagonals, and checks them against phash.PHash8 and
// phash.Distance on the bundled photos and PDQ's 30 reference images.
func TestLayoutInTheClear(t *testing.T) {
	diags, err := pairDiagonals()
	require.NoError(t, err)
	ps := append(photos(t), pdqImages(t)...)
	step := func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return 0
		}
		return 0.5
	}
	const T = 10
	for _, p := range ps {
		t.Run(p.name, func(t *testing.T) {
			x := make([]float64, nSlots)
			std, _ := standardize(p.luma)
			for s := range x {
				x[s] = std[s%nLuma]
			}
			d := make([]float64, nSlots)
			for k, dk := range diags {
				for s := range d {
					d[s] += dk[s] * x[(s+k)%nSlots]
				}
			}
			cst := pairConstants()
			for s := range d {
				require.LessOrEqual(t, d[s], 1.0)
				require.GreaterOrEqual(t, d[s], -1.0)
				d[s] = step(d[s]+cst[s])/nCoef - 32.5/(nCoef*nCoef)
			}
			b := make([]float64, nSlots)
			for s := range b {
				sum := 0.0
				for j := 0; j < nCoef; j++ {
					sum += d[(s+j*nCoef)%nSlots]
				}
				b[s] = step(sum)
			}
			got := make([]bool, nCoef)
			for k := range got {
				got[k] = b[k] == 1
			}
			h, err := phash.FromBits(p.hash.Kind(), got)
			require.NoError(t, err)
			require.Equal(t, p.hash, h)

			db := []phash.Hash{flip(t, p.hash, T-1), flip(t, p.hash, T), flip(t, p.hash, T+1), flip(t, p.hash, 40)}
			dd, cst := distanceGroup(phash8Shape, db, T)
			for s := 0; s < nSlots; s++ {
				v := cst[s]
				for r, dr := range dd {
					v += dr[s] * b[(s+r)%nSlots]
				}
				want := -0.5
				if s < len(db) {
					dist, err := phash.Distance(db[s], p.hash)
					require.NoError(t, err)
					want = (T + 0.5 - float64(dist)) / nCoef
				}
				require.InDelta(t, want, v, 1e-12, "slot %d", s)
			}
		})
	}
}

// TestPipelineInsecure runs the whole circuit under encryption at small,
// INSECURE parameters, bootstrapping with the secret key (Lattigo's
// SecretKeyBootstrapper): it checks the circuit and the reveal, not
// bootstrapping's precision (BenchmarkHashMatch does, at Default).
func TestPipelineInsecure(t *testing.T) {
	p, c := insecureClient(t, "encrypted pipeline: about a minute")
	ps := photos(t)
	const T = 10
	target := ps[3]
	db := []phash.Hash{flip(t, ps[0].hash, 30), flip(t, target.hash, T)}
	srv, err := newTestServer(c, db, T)
	require.NoError(t, err)
	for _, ph := range ps[2:5] {
		q, err := c.QueryLuma(ph.luma)
		require.NoError(t, err)
		require.Len(t, q, QuerySize(p))
		bits, err := hashBits(srv, c, q)
		require.NoError(t, err)
		h, worst := roundBits(t, ph.hash.Kind(), bits)
		dist, _ := phash.Distance(h, ph.hash)
		t.Logf("%s: encrypted bits at distance %d from phash8, worst bit error %.2g", ph.name, dist, worst)
		require.Equal(t, ph.hash, h)

		checkAnswers(t, srv, c, ph.name, q, ph.hash, db, T)
	}
}

// checkAnswers runs the whole protocol on query q in both modes, reveal
// included, and checks the verdict and the count against the plaintext
// decisions for the image's hash h against db at threshold T.
func checkAnswers(t *testing.T, srv *Server, c *Client, name string, q []byte, h phash.Hash, db []phash.Hash, T int) {
	t.Helper()
	want := 0
	for _, e := range db {
		if d, _ := phash.Distance(e, h); d <= T {
			want++
		}
	}
	for _, mode := range []Mode{Verdict, Count} {
		ans, pend, st, err := srv.Answer(q, mode, rand.Reader)
		require.NoError(t, err)
		reply, err := c.Reveal(ans)
		require.NoError(t, err)
		res, err := pend.Result(reply)
		require.NoError(t, err)
		exp := want
		if mode == Verdict {
			exp = min(want, 1)
		}
		require.Equal(t, exp, res, "%s mode %d", name, mode)
		t.Logf("%s mode %d: result %d, %d bootstraps (hash %.1f s, match %.1f s), answer %d B", name, mode, res, st.Bootstraps, st.Hash.Seconds(), st.Match.Seconds(), len(ans))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestResultRejectsTampering checks that an honest reply reads back and
// that a reply shifted by guessed multipliers is rejected.
func TestResultRejectsTampering(t *testing.T) {
	seed := int64(20261204)
	t.Logf("seed %d", seed)
	rng := mrand.New(mrand.NewSource(seed))
	for trial := 0; trial < 200; trial++ {
		pd := &Pending{mode: Verdict, max: 1, k: make([]uint64, revealSlots), r: make([]uint64, revealSlots)}
		u := uint64(trial % 2)
		reply := make([]byte, 8*revealSlots)
		for i := range pd.k {
			pd.k[i] = uint64(rng.Intn(1<<(kBits-1)))*2 + 1
			pd.r[i] = uint64(rng.Int63n(maskMax))
			binary.BigEndian.PutUint64(reply[8*i:], u*pd.k[i]+pd.r[i])
		}
		honest := *pd
		honest.k, honest.r = append([]uint64(nil), pd.k...), append([]uint64(nil), pd.r...)
		got, err := honest.Result(reply)
		require.NoError(t, err)
		require.Equal(t, int(u), got)
		_, err = honest.Result(reply)
		require.Error(t, err, "a Pending is used once")

		// A client that guesses a K for every slot and shifts it.
		forged := append([]byte(nil), reply...)
		for i := 0; i < revealSlots; i++ {
			w := binary.BigEndian.Uint64(forged[8*i:])
			k := uint64(rng.Intn(1<<(kBits-1)))*2 + 1
			if u == 1 {
				w -= k
			} else {
				w += k
			}
			binary.BigEndian.PutUint64(forged[8*i:], w)
		}
		// Succeeds only if all 32 guesses are right: 2^-192.
		_, err = pd.Result(forged)
		require.Error(t, err, "forged reply accepted")
	}
	pd := &Pending{k: make([]uint64, revealSlots), r: make([]uint64, revealSlots)}
	_, err := pd.Result(make([]byte, 3))
	require.ErrorContains(t, err, "reply of 3 bytes")
}

// TestMaliciousServerReadsLuma demonstrates the ledger's malicious-server
// weakness: a server that answers with the client's own query
// ciphertext, mapped affinely into the reply's range (16 x + 128) and
// dropped to the reveal level, makes the honest client's reply carry the
// first 32 values of its standardised luma, rounded to 1/16 of a standard
// deviation, because the client decrypts whatever it is sent.
func TestMaliciousServerReadsLuma(t *testing.T) {
	p, c := insecureClient(t, "encryption at N = 2^13")
	ph := photos(t)[0]
	q, err := c.QueryLuma(ph.luma)
	require.NoError(t, err)

	ct, err := p.expandQuery(q)
	require.NoError(t, err)
	eval := hefloat.NewEvaluator(p.residual, nil)
	require.NoError(t, eval.Mul(ct, 16, ct))
	require.NoError(t, eval.Add(ct, 128, ct))
	eval.DropLevel(ct, ct.Level()-revealLevel)
	ans, err := p.encodeAnswer(ct)
	require.NoError(t, err)

	reply, err := c.Reveal(ans)
	require.NoError(t, err)
	std, _ := standardize(ph.luma)
	read := 0
	for i := 0; i < revealSlots; i++ {
		got := binary.BigEndian.Uint64(reply[8*i:])
		if math.Abs(float64(got)-(16*std[i]+128)) <= 0.5+1e-6 {
			read++
		}
	}
	t.Logf("the server read %d of %d standardised luma values of %s from one reply", read, revealSlots, ph.name)
	require.Equal(t, revealSlots, read)
}

// roundBits rounds decrypted hash bits to a hash of the given kind and
// returns it with the worst distance of any bit from 0 or 1.
func roundBits(t testing.TB, kind phash.Kind, bits []float64) (phash.Hash, float64) {
	t.Helper()
	h, worst, err := bitsToHash(kind, bits)
	require.NoError(t, err)
	return h, worst
}

// bitsToHash is roundBits returning its error, for worker goroutines.
func bitsToHash(kind phash.Kind, bits []float64) (phash.Hash, float64, error) {
	got := make([]bool, len(bits))
	worst := 0.0
	for k, v := range bits {
		got[k] = v > 0.5
		worst = max(worst, min(abs(v), abs(v-1)))
	}
	h, err := phash.FromBits(kind, got)
	return h, worst, err
}
