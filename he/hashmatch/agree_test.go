package hashmatch

import (
	"crypto/rand"
	"os"
	"strconv"
	"testing"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// TestAgreementDefault measures, at Default (N = 2^15, the real scale and
// levels) but bootstrapping with the secret key, how often the encrypted
// hash bits differ from phash8 on the 11 bundled photos and whether each
// per-entry match decision equals the plaintext one, for a database
// holding every photo's hash moved to distance T-1, T and T+1 (each photo
// is listed at those three distances and unlisted for the other 30
// entries). PRIVMATCH_HASHMATCH_AGREE_SET=pdq adds the 30 images of PDQ's
// reference vectors after the photos. Opt in with PRIVMATCH_HASHMATCH_AGREE=1: bootstrapping with
// the secret key, so bootstrapping noise is left out (minutes, about 4
// GB); or =real: Lattigo's bootstrapping (about 3 minutes of CPU and 20
// bootstraps per photo, about 10 GB). PRIVMATCH_HASHMATCH_AGREE_N limits
// the number of photos.
func TestAgreementDefault(t *testing.T) {
	mode := os.Getenv("PRIVMATCH_HASHMATCH_AGREE")
	if mode != "1" && mode != "real" {
		t.Skip("set PRIVMATCH_HASHMATCH_AGREE=1 or =real (Default parameters, minutes)")
	}
	p, err := NewParams(Default)
	require.NoError(t, err)
	c, err := NewClient(p, rand.Reader)
	require.NoError(t, err)
	ps := photos(t)
	if os.Getenv("PRIVMATCH_HASHMATCH_AGREE_SET") == "pdq" {
		ps = append(ps, pdqImages(t)...)
	}
	if n, err := strconv.Atoi(os.Getenv("PRIVMATCH_HASHMATCH_AGREE_N")); err == nil && n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	const T = 10
	var db []phash.Hash
	for _, ph := range ps {
		db = append(db, flip(t, ph.hash, T-1), flip(t, ph.hash, T), flip(t, ph.hash, T+1))
	}
	var srv *Server
	if mode == "real" {
		keys, err := c.Keys()
		require.NoError(t, err)
		srv, err = NewServer(p, keys, db, T)
		require.NoError(t, err)
	} else {
		srv, err = newTestServer(c, db, T)
		require.NoError(t, err)
	}
	useCPUClock(srv)
	flipped, wrong := 0, 0
	for _, ph := range ps {
		c0 := cpuClock()
		q, err := c.QueryLuma(ph.luma)
		require.NoError(t, err)
		bits, dec, err := entryDecisions(srv, c, q)
		require.NoError(t, err)
		h, worst := roundBits(t, ph.hash.Kind(), bits)
		dist, _ := phash.Distance(h, ph.hash)
		flipped += dist
		coef, err := imagehash.PlainCoefficients(imagehash.AlgPHash8, ph.luma)
		require.NoError(t, err)
		_, norm, err := dct()
		require.NoError(t, err)
		near := imagehash.NearMedian(imagehash.AlgPHash8, coef, 255*norm/(1<<20))
		bad := 0
		for e, v := range dec {
			d, _ := phash.Distance(db[e], ph.hash)
			if (v > 0.5) != (d <= T) {
				bad++
			}
		}
		wrong += bad
		t.Logf("%-22s bits differing %d/64 (worst bit error %.1e, %d coefficients within 2^-20 of full scale of the median), entry decisions wrong %d/%d; %.1f s CPU, %d bootstraps so far",
			ph.name, dist, worst, near, bad, len(dec), (cpuClock() - c0).Seconds(), srv.btp.n)
	}
	t.Logf("total: %d of %d bits differ; %d of %d entry decisions differ from the plaintext ones", flipped, 64*len(ps), wrong, len(ps)*len(db))
	require.Zero(t, flipped, "encrypted bits differ from phash8")
	require.Zero(t, wrong, "match decisions differ from plaintext")
}
