package psitest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestProtocol runs the conformance suite on p: a listed hash matches, a
// near miss (one bit off) does not, a protocol that accepts a Hamming
// threshold t matches at distance t and not at t+1, both sides agree when both learn the
// result, who learns it agrees with the ledger, every message's BinarySize
// equals its encoding and survives a round trip, truncated or extended
// messages are rejected without panicking, a hash of another kind is
// refused, and concurrent queries on one server and client agree with the
// plaintext answer; and the ledger's claims are well formed and name
// tests that exist (CheckLedgerClaims).
func TestProtocol(t *testing.T, p psi.Protocol) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	db := Database(t, 200, seed)
	srv, cli := Pair(t, p, db)
	if srv.Protocol() != p.Name() || cli.Protocol() != p.Name() {
		t.Fatalf("roles report protocol %q/%q, want %q", srv.Protocol(), cli.Protocol(), p.Name())
	}
	led := p.Ledger()
	if led.Protocol != p.Name() {
		t.Errorf("ledger names %q, want %q", led.Protocol, p.Name())
	}
	CheckLedgerClaims(t, p)
	listed := db.Hashes[len(db.Hashes)/3]
	near := FlipBit(t, listed, 7)
	if db.Contains(near) {
		t.Fatal("near miss happens to be listed; change the seed")
	}
	all, sess := SetupExchange(t, srv, cli)
	defer sess.Close()
	for _, tc := range []struct {
		name string
		h    phash.Hash
		want bool
	}{{"listed", listed, true}, {"near-miss", near, false}, {"listed-first", db.Hashes[0], true}, {"listed-last", db.Hashes[len(db.Hashes)-1], true}} {
		msgs, co, so := QueryExchange(t, sess, cli, tc.h)
		all = append(all, msgs...)
		for _, o := range []struct {
			side string
			o    psi.Outcome
		}{{"client", co}, {"server", so}} {
			if o.o.Known && o.o.Match != tc.want {
				t.Errorf("%s: %s outcome %v, want match=%v", tc.name, o.side, o.o, tc.want)
			}
			if o.o.Known != led.Learns(o.side, tc.want, psi.FactMatchBit) {
				t.Errorf("%s: %s knows=%v but ledger says learns match bit=%v", tc.name, o.side, o.o.Known, led.Learns(o.side, tc.want, psi.FactMatchBit))
			}
		}
		if !co.Known && !so.Known {
			t.Errorf("%s: neither side learned the result", tc.name)
		}
		if co.Known && so.Known && co.Match != so.Match {
			t.Errorf("%s: sides disagree: client %v, server %v", tc.name, co, so)
		}
	}
	t.Run("messages", func(t *testing.T) {
		for _, m := range all {
			checkMessage(t, m)
		}
	})
	t.Run("wrong-kind", func(t *testing.T) {
		other, err := phash.NewHash("other", 256, listed.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.NewQuery(other); err == nil {
			t.Error("client accepted a hash of another kind")
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				h := db.Hashes[i*7]
				want := true
				if i%2 == 1 {
					h = FlipBit(t, h, i)
					want = db.Contains(h)
				}
				tr, err := psi.Run(srv, cli, h)
				if err != nil {
					errs <- err
					return
				}
				for _, o := range []psi.Outcome{tr.ClientOutcome, tr.ServerOutcome} {
					if o.Known && o.Match != want {
						errs <- fmt.Errorf("query %d: outcome %v, want %v", i, o, want)
					}
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("threshold", func(t *testing.T) { testThreshold(t, p, db, listed) })
	if keysUp(all) {
		t.Run("sessions", func(t *testing.T) { testSessions(t, p, srv, db, listed, near) })
	}
	t.Run("driver", func(t *testing.T) { testDriver(t, srv, cli, db, listed) })
}

// checkMessage checks one captured message: size, round trip, and that
// every truncation and an extension are rejected.
func checkMessage(t *testing.T, m Message) {
	t.Helper()
	in := m.Fresh()
	if err := in.UnmarshalBinary(m.Bytes); err != nil {
		t.Fatalf("%s: decode: %v", m.Sent.Kind(), err)
	}
	again, err := in.MarshalBinary()
	if err != nil {
		t.Fatalf("%s: re-encode: %v", m.Sent.Kind(), err)
	}
	if !bytes.Equal(again, m.Bytes) {
		t.Errorf("%s: round trip changed the encoding", m.Sent.Kind())
	}
	if in.BinarySize() != len(m.Bytes) {
		t.Errorf("%s: decoded BinarySize %d, encoding %d", m.Sent.Kind(), in.BinarySize(), len(m.Bytes))
	}
	cuts := []int{0, 1, len(m.Bytes) / 2, len(m.Bytes) - 1}
	for _, n := range cuts {
		if n < 0 || n >= len(m.Bytes) {
			continue
		}
		if err := m.Fresh().UnmarshalBinary(m.Bytes[:n]); err == nil {
			t.Errorf("%s: truncated to %d of %d bytes, decoded without error", m.Sent.Kind(), n, len(m.Bytes))
		}
	}
	if err := m.Fresh().UnmarshalBinary(append(append([]byte(nil), m.Bytes...), 0)); err == nil {
		t.Errorf("%s: one extra byte decoded without error", m.Sent.Kind())
	}
}

// keysUp reports whether the client sent anything up during setup: such
// a protocol keeps per-client state on the server.
func keysUp(msgs []Message) bool {
	for _, m := range msgs {
		if m.Dir == psi.Up && strings.Contains(m.Sent.Kind(), "key") {
			return true
		}
	}
	return false
}

// testSessions checks a protocol whose server keeps per-client state: a
// session refuses queries before its setup and after Close, and two
// clients' in-process sessions run concurrently, each sending its keys.
func testSessions(t *testing.T, p psi.Protocol, srv psi.Server, db *psi.Database, listed, near phash.Hash) {
	newClient := func() psi.Client {
		cli, err := p.NewClient(db.Kind, db.Bits, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return cli
	}
	fresh, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.NewQuery(); err == nil {
		t.Error("session answered a query before its setup")
	}
	fresh.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i, h := range []phash.Hash{listed, near} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := psi.Run(srv, newClient(), h)
			if err == nil && tr.SetupUpBytes() == 0 {
				err = fmt.Errorf("client %d: no setup bytes up", i)
			}
			if err == nil && tr.ServerOutcome.Known && tr.ServerOutcome.Match != (i == 0) {
				err = fmt.Errorf("client %d: server outcome %v", i, tr.ServerOutcome)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, sess := SetupExchange(t, srv, newClient())
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.NewQuery(); !errors.Is(err, psi.ErrSessionClosed) {
		t.Errorf("closed session NewQuery: %v, want ErrSessionClosed", err)
	}
}

// SuiteThreshold is the Hamming threshold the suite asks of protocols that
// accept one (PDQ's usual threshold for its 256-bit hashes).
const SuiteThreshold = 31

// testThreshold checks a similarity protocol at distance SuiteThreshold
// (match) and SuiteThreshold+1 (no match) from a listed hash. Exact
// protocols refuse the threshold and skip: TestExactRejectsThreshold-style
// checks belong to their own tests.
func testThreshold(t *testing.T, p psi.Protocol, db *psi.Database, listed phash.Hash) {
	opts := psi.Options{Threshold: SuiteThreshold}
	srv, err := p.NewServer(db, opts)
	if err != nil {
		t.Skipf("exact protocol: NewServer refuses threshold %d: %v", SuiteThreshold, err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, opts)
	if err != nil {
		t.Fatalf("NewClient with threshold %d: %v", SuiteThreshold, err)
	}
	_, sess := SetupExchange(t, srv, cli)
	defer sess.Close()
	led := p.Ledger()
	for _, d := range []int{SuiteThreshold, SuiteThreshold + 1} {
		h := listed
		for i := 0; i < d; i++ {
			h = FlipBit(t, h, i*5%db.Bits) // 5 is prime to 256: d distinct bits
		}
		want := d <= SuiteThreshold
		if got, err := phash.Distance(h, listed); err != nil || got != d {
			t.Fatalf("probe at distance %d, %v", got, err)
		}
		for _, e := range db.Hashes {
			if n, _ := phash.Distance(h, e); n <= SuiteThreshold && e != listed {
				t.Fatalf("another entry lies within %d of the probe; change the seed", SuiteThreshold)
			}
		}
		_, co, so := QueryExchange(t, sess, cli, h)
		if !co.Known && !so.Known {
			t.Errorf("distance %d: neither side learned the result", d)
		}
		for _, o := range []struct {
			side string
			o    psi.Outcome
		}{{"client", co}, {"server", so}} {
			if o.o.Known && o.o.Match != want {
				t.Errorf("distance %d, threshold %d: %s outcome %v, want match=%v", d, SuiteThreshold, o.side, o.o, want)
			}
			if o.o.Known != led.Learns(o.side, want, psi.FactMatchBit) {
				t.Errorf("distance %d: %s knows=%v, ledger disagrees", d, o.side, o.o.Known)
			}
		}
	}
}
