package hehashmatch_test

import (
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/privmatch/privmatch/he/hashmatch"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/hehashmatch"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/stretchr/testify/require"
)

const threshold = 10

// photos decodes the first n bundled photos (testdata/photos at the
// module root), sorted by name.
func photos(t *testing.T, n int) []image.Image {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "..", "testdata", "photos", "*.png"))
	require.NoError(t, err)
	sort.Strings(names)
	require.GreaterOrEqual(t, len(names), n)
	var out []image.Image
	for _, name := range names[:n] {
		f, err := os.Open(name)
		require.NoError(t, err)
		img, _, err := image.Decode(f)
		f.Close()
		require.NoError(t, err, name)
		out = append(out, img)
	}
	return out
}

// moved returns h with its first d bits flipped.
func moved(t *testing.T, h phash.Hash, d int) phash.Hash {
	t.Helper()
	for i := 0; i < d; i++ {
		h = psitest.FlipBit(t, h, i)
	}
	return h
}

// fixture is a phash8 database in which photo 0 is listed at distance T
// and photo 1 at distance T+1, plus 30 hashes far from all three photos
// used, and the cases: photo 0 (match), photo 1 (no match: T+1), photo 2
// (unlisted).
func fixture(t *testing.T) (*psi.Database, []psitest.ImageCase) {
	return fixtureFor(t, phash.PHash8, threshold)
}

// fixtureFor is fixture for another hasher and threshold.
func fixtureFor(t *testing.T, hasher phash.Hasher, threshold int) (*psi.Database, []psitest.ImageCase) {
	t.Helper()
	imgs := photos(t, 3)
	var hs []phash.Hash
	for _, img := range imgs {
		h, err := hasher.Hash(img)
		require.NoError(t, err)
		hs = append(hs, h)
	}
	bits := hs[0].Bits()
	list := []phash.Hash{moved(t, hs[0], threshold), moved(t, hs[1], threshold+1)}
	db, err := psi.Synth(hasher.Kind(), bits, 64, 7)
	require.NoError(t, err)
	for _, h := range db.Hashes {
		far := true
		for _, q := range hs {
			if d, _ := phash.Distance(h, q); d <= 2*threshold {
				far = false
			}
		}
		if far && len(list) < 32 {
			list = append(list, h)
		}
	}
	for _, q := range hs[2:] {
		for _, e := range list {
			d, err := phash.Distance(e, q)
			require.NoError(t, err)
			require.Greater(t, d, threshold, "photo 2 must be unlisted")
		}
	}
	out, err := psi.NewDatabase(hasher.Kind(), bits, list)
	require.NoError(t, err)
	return out, []psitest.ImageCase{
		{Name: "listed-at-T", Image: imgs[0], Match: true},
		{Name: "near-at-T+1", Image: imgs[1], Match: false},
		{Name: "unlisted", Image: imgs[2], Match: false},
	}
}

// TestHEHashMatchImages runs psitest's image conformance suite on
// he-hash-match at HM13Insecure with real bootstrapping: a listed image
// (its hash at distance T from an entry), a near copy at T+1 and an
// unlisted image, in one session and again over TCP; the verdicts must
// equal the plaintext decisions and the message sizes must not depend on
// them.
func TestHEHashMatchImages(t *testing.T) {
	if testing.Short() {
		t.Skip("he-hash-match at N = 2^13 with bootstrapping: minutes")
	}
	db, cases := fixture(t)
	psitest.TestImageProtocol(t, hehashmatch.Test, db, psi.Options{Threshold: threshold}, cases)
}

// TestHEHashMatchPDQImages is TestHEHashMatchImages for PDQ (threshold
// 31): about 156 bootstraps a query, so about 25 minutes of one core at
// N = 2^13; opt in with PRIVMATCH_HEHASHMATCH_PDQ=1.
func TestHEHashMatchPDQImages(t *testing.T) {
	if os.Getenv("PRIVMATCH_HEHASHMATCH_PDQ") == "" {
		t.Skip("PDQ over he-hash-match at N = 2^13 with bootstrapping: about 25 minutes; set PRIVMATCH_HEHASHMATCH_PDQ=1")
	}
	const T = 31
	db, cases := fixtureFor(t, phash.PDQ, T)
	psitest.TestImageProtocol(t, hehashmatch.Test, db, psi.Options{Threshold: T}, cases)
}

// TestHEHashMatchAlteredReply flips one bit of an honest client's reply:
// the server must record the query as tampered, not as a verdict.
func TestHEHashMatchAlteredReply(t *testing.T) {
	if testing.Short() {
		t.Skip("he-hash-match at N = 2^13 with bootstrapping: a minute")
	}
	db, cases := fixture(t)
	srv, err := hehashmatch.Test.NewServer(db, psi.Options{Threshold: threshold})
	require.NoError(t, err)
	cli, err := hehashmatch.Test.NewClient(db.Kind, db.Bits, psi.Options{Threshold: threshold})
	require.NoError(t, err)
	_, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	ss, err := sess.NewQuery()
	require.NoError(t, err)
	cs, err := cli.(psi.ImageClient).NewImageQuery(cases[0].Image)
	require.NoError(t, err)
	up, err := cs.Start()
	require.NoError(t, err)
	first, err := ss.Start()
	require.NoError(t, err)
	require.Nil(t, first)
	deliver := func(m psi.Message, to psi.Steps, alter bool) psi.Message {
		b, err := m.MarshalBinary()
		require.NoError(t, err)
		if alter {
			b = append([]byte(nil), b...)
			b[len(b)-1] ^= 1
		}
		in := to.Expect()
		require.NoError(t, in.UnmarshalBinary(b))
		out, err := to.Step(in)
		require.NoError(t, err)
		return out
	}
	ans := deliver(up, ss, false)
	reply := deliver(ans, cs, false)
	require.Nil(t, deliver(reply, ss, true))
	require.True(t, ss.Outcome().Tampered, "server outcome %v", ss.Outcome())
}

// TestHEHashMatchRefuses checks the roles' input checks: databases and
// clients of other hash kinds, thresholds out of range, an insecure
// preset offered to a client not built for it, and a preset computing
// another hash than the client's.
func TestHEHashMatchRefuses(t *testing.T) {
	dh, err := psi.Synth(phash.DHash8.Kind(), 64, 4, 1)
	require.NoError(t, err)
	_, err = hehashmatch.Protocol.NewServer(dh, psi.Options{})
	require.ErrorContains(t, err, "the protocol computes")
	_, err = hehashmatch.Protocol.NewClient(phash.PDQKind, 64, psi.Options{})
	require.Error(t, err)
	_, err = hehashmatch.Protocol.NewClient(phash.PHash8.Kind(), 64, psi.Options{Threshold: 64})
	require.Error(t, err)
	_, err = hehashmatch.Protocol.NewClient(phash.PDQKind, 256, psi.Options{Threshold: 256})
	require.Error(t, err)
	cli, err := hehashmatch.Protocol.NewClient(phash.PHash8.Kind(), 64, psi.Options{})
	require.NoError(t, err)
	require.Error(t, psitest.OfferSetup(t, cli, &hehashmatch.Params{Preset: hashmatch.HM13Insecure.Name, Threshold: 10}))
	require.Error(t, psitest.OfferSetup(t, cli, &hehashmatch.Params{Preset: "nope", Threshold: 10}))
	require.ErrorContains(t, psitest.OfferSetup(t, cli, &hehashmatch.Params{Preset: hashmatch.DefaultPDQ.Name, Threshold: 10}), "computes pdq")
	require.Error(t, psitest.OfferSetup(t, cli, &hehashmatch.Params{Preset: hashmatch.Default.Name, Threshold: 64}))
	pcli, err := hehashmatch.Protocol.NewClient(phash.PDQKind, 256, psi.Options{})
	require.NoError(t, err)
	require.ErrorContains(t, psitest.OfferSetup(t, pcli, &hehashmatch.Params{Preset: hashmatch.Default.Name, Threshold: 10}), "computes phash8")
}

// FuzzParams checks the setup message's decoder: an error, or a
// byte-identical round trip with BinarySize equal to the length.
func FuzzParams(f *testing.F) {
	f.Add([]byte{2, 10, 4, 'H', 'M', '1', '5'})
	f.Add([]byte{2, 64, 1, 'x'})
	f.Add([]byte{1, 10, 4, 'H', 'M', '1', '5'}) // version 1: refused
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &hehashmatch.Params{}, b) })
}
