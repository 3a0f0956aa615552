package oprf_test

import (
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/oprf"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestOPRFSizesAndPayload(t *testing.T) {
	db, cli, msgs, sess := setUp(t, 1000, 11)
	m := msgs[0].Sent
	if want := 52 + 32*1408; m.BinarySize() != want { // 1.3*1000+1 padded to 11*2^7
		t.Errorf("table %d bytes, want %d", m.BinarySize(), want)
	}
	for _, tc := range []struct {
		name string
		h    phash.Hash
		want bool
	}{{"listed", db.Hashes[500], true}, {"near-miss", psitest.FlipBit(t, db.Hashes[500], 0), false}} {
		cq, err := cli.NewQuery(tc.h)
		if err != nil {
			t.Fatal(err)
		}
		v, err := cq.Start()
		if err != nil {
			t.Fatal(err)
		}
		if v.BinarySize() != 240 {
			t.Errorf("voucher %d bytes, want 240", v.BinarySize())
		}
		sq, _ := sess.NewQuery()
		in := sq.Expect()
		b, _ := v.MarshalBinary()
		if err := in.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if _, err := sq.Step(in); err != nil {
			t.Fatal(err)
		}
		if o := sq.Outcome(); !o.Known || o.Match != tc.want {
			t.Errorf("%s: server outcome %v", tc.name, o)
		}
		if got := oprf.MatchedHash(sq); tc.want && got != tc.h || !tc.want && !got.IsZero() {
			t.Errorf("%s: server learned hash %v", tc.name, got)
		}
		if cq.Outcome().Known {
			t.Errorf("%s: device learned the result", tc.name)
		}
	}
}

// A table blinded under another server's key never opens: the key, not the
// table layout, decides.
func TestOPRFOtherKeyDoesNotMatch(t *testing.T) {
	db := psitest.Database(t, 50, 12)
	a, cli := psitest.Pair(t, oprf.Protocol, db)
	b, _ := psitest.Pair(t, oprf.Protocol, db)
	_, sa := psitest.SetupExchange(t, a, cli)
	defer sa.Close()
	sb, err := b.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	_, _, so := psitest.QueryExchange(t, sb, cli, db.Hashes[1])
	if so.Match {
		t.Error("voucher built on server A's table opened at server B")
	}
	_, _, so = psitest.QueryExchange(t, sa, cli, db.Hashes[1])
	if !so.Match {
		t.Errorf("control: %v", so)
	}
}

func TestOPRFRejectsBadTable(t *testing.T) {
	db, _, msgs, _ := setUp(t, 20, 13)
	b := msgs[0].Bytes
	// Corrupt L to the identity (all zero bytes encode it).
	bad := append([]byte(nil), b...)
	for i := 20; i < 52; i++ {
		bad[i] = 0
	}
	cli, err := oprf.Protocol.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := setupWith(t, cli, bad); err == nil {
		t.Error("identity L accepted")
	}
	// Corrupt every row: the device's query fails cleanly.
	bad = append([]byte(nil), b...)
	for i := 52; i < len(bad); i++ {
		bad[i] = 0xff
	}
	if err := setupWith(t, cli, bad); err != nil {
		t.Fatal(err)
	}
	cq, err := cli.NewQuery(db.Hashes[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cq.Start(); err == nil {
		t.Error("invalid table rows accepted")
	}
}

// setUp builds an oprf-psi server over a synthetic database of n hashes
// drawn from seed and a client, and runs the setup between them; the
// session closes when the test ends.
func setUp(t *testing.T, n int, seed uint64) (db *psi.Database, cli psi.Client, msgs []psitest.Message, sess psi.ServerSession) {
	t.Helper()
	db = psitest.Database(t, n, seed)
	srv, cli := psitest.Pair(t, oprf.Protocol, db)
	msgs, sess = psitest.SetupExchange(t, srv, cli)
	t.Cleanup(func() { sess.Close() })
	return db, cli, msgs, sess
}

// setupWith runs cli's setup on the bytes b as the server's message.
func setupWith(t *testing.T, cli psi.Client, b []byte) error {
	t.Helper()
	r := rawTable(b)
	return psitest.OfferSetup(t, cli, &r)
}

// rawTable hands arbitrary bytes to a client as the server's table.
type rawTable []byte

func (r rawTable) Kind() string                    { return "oprf-psi/table" }
func (r rawTable) BinarySize() int                 { return len(r) }
func (r rawTable) MarshalBinary() ([]byte, error)  { return r, nil }
func (r *rawTable) UnmarshalBinary(b []byte) error { *r = b; return nil }

// TestVoucherWorkIndependentOfOutcome: the server does the same work on a
// matching and a non-matching voucher (every part decoded, multiplied and
// opened), whichever part matches, so neither its time nor anything timed
// by the device tells the match bit. Counted, not timed, so the test is
// deterministic. Before the fix the server stopped at the first part that
// opened.
func TestVoucherWorkIndependentOfOutcome(t *testing.T) {
	db, cli, _, sess := setUp(t, 500, 14)
	var want oprf.PartWork
	matched := 0
	for i := 0; i < 40; i++ {
		h := db.Hashes[i]
		if i%2 == 1 {
			h = psitest.FlipBit(t, h, i)
		}
		_, _, sq := psitest.RunQuery(t, sess, cli, h)
		w := oprf.VoucherWork(sq)
		if i == 0 {
			want = w
		}
		if w != want || w.Opened != 3 {
			t.Errorf("voucher %d (listed %v): work %+v, want %+v with all 3 parts opened", i, i%2 == 0, w, want)
		}
		if sq.Outcome().Match {
			matched++
		}
	}
	if matched != 20 {
		t.Errorf("%d of 20 listed vouchers matched", matched)
	}
}

func TestConformance(t *testing.T) { psitest.TestProtocol(t, oprf.Protocol) }

func TestAdversarial(t *testing.T) { psitest.TestAdversarial(t, oprf.Protocol) }

func TestAuditedSetup(t *testing.T) { psitest.TestAuditedSetup(t, oprf.Protocol) }
