package threshold_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	mrand "math/rand/v2"
	"net"
	"sync"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

type thresholdRig struct {
	p    psi.Protocol
	db   *psi.Database
	srv  *threshold.Server
	cli  *threshold.Client
	sess psi.ServerSession
}

func newThresholdRig(t *testing.T, k int, s float64, n int) *thresholdRig {
	return newThresholdRigRand(t, k, s, n, nil)
}

// seeded is a deterministic byte stream for reproducible synthetic
// choices (tests only).
func seeded(seed uint64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return mrand.NewChaCha8(key)
}

func newThresholdRigRand(t *testing.T, k int, s float64, n int, rnd io.Reader) *thresholdRig {
	t.Helper()
	p, err := threshold.New(threshold.Params{K: k, SyntheticRate: s})
	if err != nil {
		t.Fatal(err)
	}
	return newRigSized(t, p, n, rnd)
}

// newRigFor is a rig for policy p over 64 entries.
func newRigFor(t *testing.T, p psi.Protocol, rnd io.Reader) *thresholdRig {
	return newRigSized(t, p, 64, rnd)
}

func newRigSized(t *testing.T, p psi.Protocol, n int, rnd io.Reader) *thresholdRig {
	t.Helper()
	db := psitest.Database(t, n, 77)
	srv, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	_, sess := psitest.SetupExchange(t, srv, cli)
	t.Cleanup(func() { sess.Close() })
	return &thresholdRig{p, db, srv.(*threshold.Server), cli.(*threshold.Client), sess}
}

// send uploads one voucher and reports whether the device made it
// synthetic.
func (r *thresholdRig) send(t *testing.T, h phash.Hash) (psi.Outcome, bool) {
	t.Helper()
	s0, _ := r.cli.Synthetic()
	_, co, so := psitest.QueryExchange(t, r.sess, r.cli, h)
	if co.Known {
		t.Fatal("device learned a result")
	}
	s1, _ := r.cli.Synthetic()
	return so, s1 > s0
}

func nonMatch(t *testing.T, db *psi.Database, i int) phash.Hash {
	return psitest.FlipBit(t, db.Hashes[i%len(db.Hashes)], i%256)
}

// Without synthetic vouchers: k-1 matches open nothing, the k-th opens
// every match and only matches, later vouchers are decided at once.
func TestThresholdOpensAtK(t *testing.T) {
	const k = 5
	r := newThresholdRig(t, k, 0, 64)
	id := r.cli.Account()
	for i := 0; i < 10; i++ {
		if o, _ := r.send(t, nonMatch(t, r.db, i)); o.Known {
			t.Fatalf("non-match %d: server outcome %v below threshold", i, o)
		}
	}
	for i := 0; i < k-1; i++ {
		if o, _ := r.send(t, r.db.Hashes[i]); o.Known {
			t.Fatalf("match %d: server outcome %v below threshold", i, o)
		}
	}
	rep := r.srv.Account(id)
	if rep.Reconstructed || len(rep.Matches) != 0 || rep.Opened != k-1 || rep.Vouchers != 10+k-1 {
		t.Fatalf("at k-1: %+v", rep)
	}
	if o, _ := r.send(t, r.db.Hashes[k-1]); !o.Known || !o.Match {
		t.Fatalf("k-th match: outcome %v", o)
	}
	rep = r.srv.Account(id)
	if !rep.Reconstructed || rep.Genuine != k || rep.Synthetic != 0 {
		t.Fatalf("at k: %+v", rep)
	}
	want := map[phash.Hash]bool{}
	for _, h := range r.db.Hashes[:k] {
		want[h] = true
	}
	for _, h := range rep.Matches {
		if !want[h] {
			t.Errorf("opened payload %v was not a match", h)
		}
		delete(want, h)
	}
	if len(want) != 0 {
		t.Errorf("%d matches not opened", len(want))
	}
	if o, _ := r.send(t, r.db.Hashes[20]); !o.Known || !o.Match {
		t.Errorf("match after threshold: %v", o)
	}
	if o, _ := r.send(t, nonMatch(t, r.db, 99)); !o.Known || o.Match {
		t.Errorf("non-match after threshold: %v", o)
	}
}

// With synthetic vouchers: before reconstruction the server sees only the
// opened count; reconstruction happens exactly when the k-th genuine share
// opens, whatever the number of synthetic ones (the detectable hash
// function), finds every genuine match and labels every synthetic share.
// Before it, the Berlekamp-Welch decoder needed genuine - synthetic >= k.
func TestThresholdSynthetic(t *testing.T) {
	const k = 4
	const seed = 20240601
	t.Logf("device randomness: ChaCha8 seed %d", seed)
	r := newThresholdRigRand(t, k, 0.2, 64, seeded(seed))
	id := r.cli.Account()
	var g, z int
	var genuine []phash.Hash
	wasOpen := false
	for i := 0; i < 60; i++ {
		var h phash.Hash
		match := i%4 != 3
		if match {
			h = r.db.Hashes[i]
		} else {
			h = nonMatch(t, r.db, i)
		}
		o, synth := r.send(t, h)
		switch {
		case synth:
			z++
		case match:
			g++
			genuine = append(genuine, h)
		}
		rep := r.srv.Account(id)
		if rep.Opened != g+z {
			t.Fatalf("voucher %d: opened %d, want genuine %d + synthetic %d", i, rep.Opened, g, z)
		}
		if rep.Reconstructed != (g >= k) {
			t.Fatalf("voucher %d: g=%d z=%d, reconstructed %v, want it exactly from g = k", i, g, z, rep.Reconstructed)
		}
		if rep.Reconstructed && !wasOpen {
			t.Logf("opened at voucher %d: g=%d z=%d", i, g, z)
		}
		wasOpen = rep.Reconstructed
		if !rep.Reconstructed {
			if o.Known || len(rep.Matches) != 0 {
				t.Fatalf("voucher %d: leaked before reconstruction: %v %+v", i, o, rep)
			}
			continue
		}
		if rep.Genuine != g || rep.Synthetic != z || len(rep.Matches) != len(genuine) {
			t.Fatalf("voucher %d: report %+v, want genuine %d synthetic %d", i, rep, g, z)
		}
	}
	rep := r.srv.Account(id)
	t.Logf("60 vouchers: genuine %d, synthetic %d, reconstructed %v after %d attempts (%v)", g, z, rep.Reconstructed, rep.Attempts, rep.DecodeTime)
	if !rep.Reconstructed || z == 0 {
		t.Fatalf("seeded run should reconstruct with synthetic shares present (g=%d z=%d)", g, z)
	}
}

// k-1 genuine matches among many synthetic vouchers never open.
func TestThresholdBelowKWithSynthetic(t *testing.T) {
	const k = 6
	r := newThresholdRig(t, k, 0.5, 64)
	g := 0
	for i := 0; g < k-1 && i < 200; i++ {
		if _, synth := r.send(t, r.db.Hashes[i]); !synth {
			g++
		}
	}
	for i := 0; i < 20; i++ {
		r.send(t, nonMatch(t, r.db, i))
	}
	rep := r.srv.Account(r.cli.Account())
	if rep.Reconstructed || len(rep.Matches) != 0 {
		t.Fatalf("opened with %d genuine: %+v", g, rep)
	}
	if rep.Opened <= g {
		t.Errorf("opened %d, want genuine %d plus synthetic", rep.Opened, g)
	}
}

func TestThresholdPolicyChecked(t *testing.T) {
	db := psitest.Database(t, 20, 3)
	p3, _ := threshold.New(threshold.Params{K: 3})
	p5, _ := threshold.New(threshold.Params{K: 5})
	srv, _ := p3.NewServer(db, psi.Options{})
	cli, _ := p5.NewClient(db.Kind, db.Bits, psi.Options{})
	if _, _, err := psi.Open(srv, cli, db.Kind, db.Bits); err == nil {
		t.Error("device accepted a server policy with a lower threshold")
	}
	for _, bad := range []threshold.Params{{K: 0}, {K: threshold.MaxThreshold + 1}, {K: 3, SyntheticRate: 1}, {K: 3, SyntheticRate: -0.1}} {
		if _, err := threshold.New(bad); err == nil {
			t.Errorf("params %+v accepted", bad)
		}
	}
}

// deliverBytes decodes b as a voucher in a new query of the rig's session
// and steps it; it returns the decode error, if any.
func (r *thresholdRig) deliverBytes(t *testing.T, b []byte) error {
	t.Helper()
	sq, err := r.sess.NewQuery()
	if err != nil {
		t.Fatal(err)
	}
	in := sq.Expect()
	if err := in.UnmarshalBinary(b); err != nil {
		return err
	}
	if _, err := sq.Step(in); err != nil {
		t.Fatal(err)
	}
	return nil
}

// Garbage that decodes (valid elements, random ciphertexts) opens nothing
// and does not disturb the account; bytes that do not decode are refused.
func TestThresholdGarbageVoucher(t *testing.T) {
	r := newThresholdRig(t, 3, 0, 32)
	b, err := r.build(t, "genuine", r.db.Hashes[0]).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 47, len(b) - 1} {
		if err := r.deliverBytes(t, b[:n]); err == nil {
			t.Errorf("truncated to %d bytes: accepted", n)
		}
	}
	const header, part = 48, 32 + 48
	flip := func(at ...int) []byte {
		bad := append([]byte(nil), b...)
		for _, i := range at {
			bad[i] ^= 1
		}
		return bad
	}
	for i, tc := range []struct {
		name string
		bad  []byte
	}{
		// One bit of each part's sealed key: no part gives the body key.
		{"parts", flip(header+40, header+part+40, header+2*part+40)},
		// One bit of the body: the key opens, the body does not.
		{"body", flip(header + 3*part + 10)},
		// Another commitment goes to its own bucket
		// (TestForeignCommitmentDoesNotLockOut) and opens nothing there.
		{"commitment", flip(20)},
	} {
		if err := r.deliverBytes(t, tc.bad); err != nil {
			t.Fatal(err)
		}
		if rep := r.srv.Account(r.cli.Account()); rep.Opened != 0 || rep.Vouchers != i+1 {
			t.Errorf("%s altered: %+v", tc.name, rep)
		}
	}
	// Random bytes of the right length under the account's header:
	// rejected at decode (invalid Q) or opens nothing.
	for i := 0; i < 20; i++ {
		junk := make([]byte, len(b))
		rand.Read(junk)
		copy(junk, b[:header])
		r.deliverBytes(t, junk)
	}
	if rep := r.srv.Account(r.cli.Account()); rep.Opened != 0 {
		t.Errorf("random vouchers opened: %+v", rep)
	}
}

// Over TCP: one connection, the setup once, then one voucher per query.
func TestThresholdTCP(t *testing.T) {
	const k = 3
	p, _ := threshold.New(threshold.Params{K: k, SyntheticRate: 0})
	db := psitest.Database(t, 40, 5)
	srvI, err := p.NewServer(db, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := srvI.(*threshold.Server)
	cliI, _ := p.NewClient(db.Kind, db.Bits, psi.Options{})
	cli := cliI.(*threshold.Client)
	addr, stop := startServing(t, srv, db, psi.ServeOptions{})
	conn, setup, err := psi.Dial(context.Background(), addr, cli, db.Kind, db.Bits, psi.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if setup.SetupBytes() == 0 {
		t.Error("no setup recorded")
	}
	for i := 0; i < k; i++ {
		tr, err := conn.Query(db.Hashes[i])
		if err != nil {
			t.Fatal(err)
		}
		// 416 + 32*S bytes, S = MaxOpened - k = 2k+16 - k.
		if want := 416 + 32*(k+16); tr.UpBytes() != want {
			t.Errorf("voucher %d bytes, want %d", tr.UpBytes(), want)
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	for _, s := range stop() {
		if s.Err != nil {
			t.Fatal(s.Err)
		}
	}
	if rep := srv.Account(cli.Account()); !rep.Reconstructed || rep.Genuine != k {
		t.Errorf("over TCP: %+v", rep)
	}
}

// TestVoucherWorkIndependentOfOutcome: as oprf-psi's, the server opens
// every part of every voucher, listed or not.
func TestVoucherWorkIndependentOfOutcome(t *testing.T) {
	r := newThresholdRig(t, 3, 0, 500)
	var want threshold.PartWork
	for i := 0; i < 40; i++ {
		h := r.db.Hashes[i]
		if i%2 == 1 {
			h = psitest.FlipBit(t, h, i)
		}
		_, _, sq := psitest.RunQuery(t, r.sess, r.cli, h)
		w := threshold.VoucherWork(sq)
		if i == 0 {
			want = w
		}
		if w != want || w.Opened != 4 {
			t.Errorf("voucher %d (listed %v): work %+v, want %+v with all 3 parts and the body opened", i, i%2 == 0, w, want)
		}
	}
}

// startServing serves srv over loopback and returns its address and a
// stop function that waits for Serve and returns the sessions reported.
func startServing(t *testing.T, srv psi.Server, db *psi.Database, opts psi.ServeOptions) (string, func() []psi.Session) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var sessions []psi.Session
	done := make(chan error, 1)
	opts.Report = func(s psi.Session) {
		mu.Lock()
		sessions = append(sessions, s)
		mu.Unlock()
	}
	go func() { done <- psi.Serve(ctx, ln, srv, db.Kind, db.Bits, opts) }()
	t.Cleanup(cancel)
	return ln.Addr().String(), func() []psi.Session {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		return sessions
	}
}
