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
			if s0 := lagrangeAtZero(xs, ys); thresholdCommit(id, s0) == commit {
				return s0
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

// TestCuriousServerThresholdIsK: the threshold is k genuine matches for
// the honest server and for a curious one alike. With k-1 genuine shares
// (synthetic ones present) no k-subset of the opened shares passes the
// commitment; with k genuine shares the honest server has opened the
// account already, through the detectable hash function, and subset search
// finds the same secret. (Before the detectable hash function the honest
// decoder, Berlekamp-Welch, needed genuine - synthetic >= k, while subset
// search needed only k: this test failed on that decoder.)
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
			if !rep.Reconstructed || rep.Genuine != k || rep.Synthetic != z {
				t.Fatalf("honest server at g = %d, z = %d: %+v, want it open with every share classified", g, z, rep)
			}
			s, tries := subsetSearch(cli.account, cli.commit, shares(), k)
			if s == nil || !s.IsEqual(cli.coef[0]) {
				t.Fatalf("g = %d, z = %d: subset search did not recover the secret", g, z)
			}
			t.Logf("g = %d, z = %d: honest server open; subset search finds the same secret in %d interpolations", g, z, tries)
			return
		}
	}
}
