package heexact_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/heexact"
	"github.com/privmatch/privmatch/psi/psitest"
)

// oprfRequest starts a query for h and returns its steps and the OPRF
// request it sends.
func oprfRequest(t *testing.T, cli psi.Client, h phash.Hash) (psi.Steps, psi.Message) {
	t.Helper()
	cq := must(cli.NewQuery(h))(t)
	req := must(cq.Start())(t)
	if req.Kind() != "he-exact/oprf-request" || req.BinarySize() != heexact.OPRFSize {
		t.Fatalf("first message %s of %d bytes, want the %d-byte OPRF request", req.Kind(), req.BinarySize(), heexact.OPRFSize)
	}
	return cq, req
}

// TestOPRFRateLimit: a session gets at most its allowance of OPRF
// evaluations, counted when the request arrives, so a client that stops
// after the OPRF round (harvesting F_k values) spends it too; the next
// request is refused with ErrOPRFLimit, and a new session starts afresh.
func TestOPRFRateLimit(t *testing.T) {
	db := psitest.Database(t, 50, 24)
	srv := must(heexact.WithMaxOPRF(2).NewServer(db, psi.Options{}))(t)
	for round := range 2 {
		cli, sess := session(t, srv, db)
		for i := range 3 {
			_, req := oprfRequest(t, cli, db.Hashes[i])
			ev, err := must(sess.NewQuery())(t).Step(req)
			if i < 2 && (err != nil || ev == nil || ev.Kind() != "he-exact/oprf-eval") {
				t.Fatalf("session %d request %d: %v, %v; want an evaluation", round, i, ev, err)
			}
			if i == 2 && !errors.Is(err, heexact.ErrOPRFLimit) {
				t.Fatalf("session %d request %d beyond the allowance: %v, %v; want ErrOPRFLimit", round, i, ev, err)
			}
		}
	}
}

// TestOPRFRequestHidesHash: the request is b*H(x) with b fresh, so two
// queries for one hash send unrelated requests; a request that depended
// on the hash alone would repeat.
func TestOPRFRequestHidesHash(t *testing.T) {
	db := psitest.Database(t, 50, 25)
	cli, _ := session(t, heServer(t, db, 0), db)
	seen := map[string]bool{}
	for i := range 8 {
		_, req := oprfRequest(t, cli, db.Hashes[i%2])
		b := must(req.MarshalBinary())(t)
		if seen[string(b)] {
			t.Fatalf("request %d repeats an earlier one", i)
		}
		seen[string(b)] = true
	}
}

// TestOPRFKeyedItems: the engine's item is F_k(hash) under the server's
// key. A listed hash whose OPRF round is answered under another server's
// key (another database's k) does not match, while the same query with
// the right key's evaluation does: nobody without k can compute items.
func TestOPRFKeyedItems(t *testing.T) {
	db := psitest.Database(t, 50, 26)
	srvA, srvB := heServer(t, db, 0), heServer(t, db, 0)
	cli, sessA := session(t, srvA, db)
	_, sessB := session(t, srvB, db)
	for _, other := range []bool{false, true} {
		cq, req := oprfRequest(t, cli, db.Hashes[5])
		sqA := must(sessA.NewQuery())(t)
		m := must(sqA.Step(req))(t)
		if other {
			evB := must(must(sessB.NewQuery())(t).Step(req))(t)
			if bytes.Equal(must(m.MarshalBinary())(t), must(evB.MarshalBinary())(t)) {
				t.Fatal("two databases' OPRF keys evaluate a request alike")
			}
			m = evB
		}
		for m != nil {
			if m = must(cq.Step(m))(t); m != nil {
				m = must(sqA.Step(m))(t)
			}
		}
		if o := sqA.Outcome(); !o.Known || o.Match == other {
			t.Errorf("OPRF by another server %v: outcome %v, want match %v", other, o, !other)
		}
	}
}
