package hashmatch

import (
	"crypto/rand"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// TestAgreementDefault measures, at Default (N = 2^15, the real scale and
// levels), how often the encrypted hash bits differ from phash8 on the 11
// bundled photos and whether each per-entry match decision equals the
// plaintext one, for a database holding every photo's hash moved to
// distance T-1, T and T+1 (each photo is listed at those three distances
// and unlisted for the other entries). Opt in with
// PRIVMATCH_HASHMATCH_AGREE=1: bootstrapping with the secret key, so
// bootstrapping noise is left out (minutes, about 4 GB); or =real:
// Lattigo's bootstrapping (about 3 minutes of CPU and 17 bootstraps per
// image, about 10 GB). PRIVMATCH_HASHMATCH_AGREE_SET=pdq adds the 30
// images of PDQ's reference vectors after the photos;
// PRIVMATCH_HASHMATCH_AGREE_N keeps the first N images,
// PRIVMATCH_HASHMATCH_AGREE_NAMES (comma-separated file names) only those,
// PRIVMATCH_HASHMATCH_AGREE_FIRST those first;
// PRIVMATCH_HASHMATCH_AGREE_WORKERS=K runs K images at a time on shallow
// copies of one server (one key set, so little more memory).
// PRIVMATCH_HASHMATCH_AGREE_HASH=pdq measures PDQ instead (DefaultPDQ,
// T = 31; about 156 bootstraps an image with =real).
func TestAgreementDefault(t *testing.T) {
	mode := os.Getenv("PRIVMATCH_HASHMATCH_AGREE")
	if mode != "1" && mode != "real" {
		t.Skip("set PRIVMATCH_HASHMATCH_AGREE=1 or =real (Default parameters, minutes)")
	}
	lit, T := Default, 10
	if os.Getenv("PRIVMATCH_HASHMATCH_AGREE_HASH") == "pdq" {
		lit, T = DefaultPDQ, 31
	}
	p, err := NewParams(lit)
	require.NoError(t, err)
	sh := p.shape
	c, err := NewClient(p, rand.Reader)
	require.NoError(t, err)
	ps := photos(t)
	if os.Getenv("PRIVMATCH_HASHMATCH_AGREE_SET") == "pdq" {
		ps = append(ps, pdqImages(t)...)
	}
	if n, err := strconv.Atoi(os.Getenv("PRIVMATCH_HASHMATCH_AGREE_N")); err == nil && n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	if names := os.Getenv("PRIVMATCH_HASHMATCH_AGREE_NAMES"); names != "" {
		var sel []photo
		for _, name := range strings.Split(names, ",") {
			for _, ph := range ps {
				if ph.name == name {
					sel = append(sel, ph)
				}
			}
		}
		require.NotEmpty(t, sel, "no image named in PRIVMATCH_HASHMATCH_AGREE_NAMES")
		ps = sel
	}
	if first := os.Getenv("PRIVMATCH_HASHMATCH_AGREE_FIRST"); first != "" {
		names := strings.Split(first, ",")
		sort.SliceStable(ps, func(a, b int) bool {
			return slices.Contains(names, ps[a].name) && !slices.Contains(names, ps[b].name)
		})
	}
	var db []phash.Hash
	for _, ph := range ps {
		if sh.alg == imagehash.AlgPDQ {
			db = append(db, flipPDQ(t, ph.pdq, T-1), flipPDQ(t, ph.pdq, T), flipPDQ(t, ph.pdq, T+1))
			continue
		}
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
	workers := 1
	if n, err := strconv.Atoi(os.Getenv("PRIVMATCH_HASHMATCH_AGREE_WORKERS")); err == nil && n > 1 {
		workers = n
	}
	m, err := dct(sh)
	require.NoError(t, err)
	bound := pairBound(m, 1)
	if sh.alg == imagehash.AlgPDQ {
		bound = pairBound(m, 0)
	}
	jobs := make(chan photo)
	results := make(chan agreement)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		srv, c := srv, c
		if workers > 1 {
			srv, c = srv.shallowCopy(c), c.shallowCopy()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ph := range jobs {
				results <- agreeOne(srv, c, ph, db, T, bound)
			}
		}()
	}
	go func() {
		for _, ph := range ps {
			jobs <- ph
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	start, cpu0 := time.Now(), cpuClock()
	flipped, wrong := 0, 0
	for r := range results {
		require.NoError(t, r.err, r.line)
		flipped += r.flipped
		wrong += r.bad
		t.Log(r.line)
	}
	t.Logf("%d images, %d worker(s): %.0f s wall, %.0f s CPU", len(ps), workers, time.Since(start).Seconds(), (cpuClock() - cpu0).Seconds())
	t.Logf("total: %d of %d bits differ; %d of %d entry decisions differ from the plaintext ones", flipped, sh.coefs*len(ps), wrong, len(ps)*len(db))
	require.Zero(t, flipped, "encrypted bits differ from the plaintext hash")
	require.Zero(t, wrong, "match decisions differ from plaintext")
}

// agreement is one image's outcome in TestAgreementDefault.
type agreement struct {
	line         string
	flipped, bad int
	err          error
}

// agreeOne runs one image through the hashing stage and the per-entry
// decisions and compares both with the plaintext ones. It runs on worker
// goroutines, so it returns its error rather than failing the test.
func agreeOne(srv *Server, c *Client, ph photo, db []phash.Hash, T int, bound float64) (o agreement) {
	o.line = ph.name
	sh := srv.p.shape
	luma, want := ph.luma, ph.hash
	if sh.alg == imagehash.AlgPDQ {
		luma, want = ph.pdqLuma, ph.pdq
	}
	t0, n0 := time.Now(), srv.btp.n
	q, err := c.QueryLuma(luma)
	if err != nil {
		o.err = err
		return o
	}
	bits, dec, err := entryDecisions(srv, c, q)
	if err != nil {
		o.err = err
		return o
	}
	if sh.alg == imagehash.AlgPDQ {
		bits = reverse(bits)
	}
	h, worst, err := bitsToHash(want.Kind(), bits)
	if err != nil {
		o.err = err
		return o
	}
	o.flipped, _ = phash.Distance(h, want)
	coef, err := imagehash.PlainCoefficients(sh.alg, luma)
	if err != nil {
		o.err = err
		return o
	}
	_, sigma := standardize(luma)
	sorted := slices.Clone(coef)
	slices.Sort(sorted)
	gap := math.Log2((sorted[len(sorted)/2] - sorted[len(sorted)/2-1]) / (sigma * bound))
	for e, v := range dec {
		d, _ := phash.Distance(db[e], want)
		if (v > 0.5) != (d <= T) {
			o.bad++
		}
	}
	o.line = fmt.Sprintf("%-26s bits differing %d/%d (worst bit error %.1e; two middle coefficients 2^%.1f of the pair bound apart), entry decisions wrong %d/%d; %.1f s wall, %d bootstraps",
		ph.name, o.flipped, sh.coefs, worst, gap, o.bad, len(dec), time.Since(t0).Seconds(), srv.btp.n-n0)
	return o
}
