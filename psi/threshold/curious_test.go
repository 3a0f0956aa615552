package threshold

import (
	"encoding/binary"
	mrand "math/rand/v2"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

// subsetSearch is what a curious server can run on an account's opened
// shares: interpolate every k-subset and test f(0) against the public
// commitment. It returns the secret found (nil if none) and the number of
// interpolations tried.
func subsetSearch(id AccountID, commit [32]byte, shares []*thresholdShare, k int) (group.Scalar, int) {
	tries := 0
	idx := make([]int, k)
	var rec func(start, depth int) group.Scalar
	rec = func(start, depth int) group.Scalar {
		if depth == k {
			xs, ys := make([]group.Scalar, k), make([]group.Scalar, k)
			for i, j := range idx {
				xs[i], ys[i] = shares[j].x, shares[j].y
			}
			tries++
			f, err := decodeShares(xs, ys, k)
			if err == nil && thresholdCommit(id, f[0]) == commit {
				return f[0]
			}
			return nil
		}
		for j := start; j < len(shares); j++ {
			idx[depth] = j
			if s := rec(j+1, depth+1); s != nil {
				return s
			}
		}
		return nil
	}
	return rec(0, 0), tries
}

// TestCuriousServerThresholdIsK: the ledger's threshold for a curious
// server. The honest decoder (Berlekamp-Welch) opens an account only when
// genuine - synthetic >= k, but a server that searches k-subsets of the
// opened shares against the public commitment recovers the account secret
// with exactly k genuine shares, synthetic ones present; with k-1 genuine
// shares no subset passes. So the real threshold is k genuine matches,
// and synthetic vouchers do not raise it.
func TestCuriousServerThresholdIsK(t *testing.T) {
	const k = 4
	p, err := New(Params{K: k, SyntheticRate: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	db := psitest.Database(t, 64, 78)
	srvI, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], 5)
	cliI, err := p.NewClient(db.Kind, db.Bits, psi.Options{Rand: mrand.NewChaCha8(key)})
	if err != nil {
		t.Fatal(err)
	}
	srv, cli := srvI.(*Server), cliI.(*Client)
	_, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	shares := func() []*thresholdShare {
		a := srv.bucket(cli.account, cli.commit)
		a.mu.Lock()
		defer a.mu.Unlock()
		return append([]*thresholdShare(nil), a.shares...)
	}
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatal("no k genuine vouchers in 200 uploads")
		}
		psitest.QueryExchange(t, sess, cli, db.Hashes[i])
		z, g := cli.Synthetic()
		if g == k-1 && z >= 1 {
			s, tries := subsetSearch(cli.account, cli.commit, shares(), k)
			if s != nil {
				t.Fatalf("secret found with %d genuine shares (%d synthetic)", g, z)
			}
			t.Logf("g = %d, z = %d: no subset of %d passes", g, z, tries)
		}
		if g == k {
			if z == 0 {
				t.Fatal("no synthetic share among the opened ones: pick another seed")
			}
			rep := srv.Account(cli.account)
			if rep.Reconstructed {
				t.Fatalf("honest decoder opened at g = %d, z = %d: want it to need g - z >= k", g, z)
			}
			s, tries := subsetSearch(cli.account, cli.commit, shares(), k)
			if s == nil || !s.IsEqual(cli.coef[0]) {
				t.Fatalf("g = %d, z = %d: subset search did not recover the secret", g, z)
			}
			t.Logf("g = %d, z = %d: honest decoder closed, subset search recovered s0 in %d interpolations", g, z, tries)
			return
		}
	}
}
