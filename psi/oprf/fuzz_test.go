package oprf

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/psitest"
)

func FuzzTable(f *testing.F) {
	f.Add(make([]byte, ec.TableHeader+16*ec.ElemSize))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &Table{}, b) })
}

// FuzzAuditedTable: the audited setup message decodes only to a message
// that re-encodes to the same bytes; a real one seeds the corpus.
func FuzzAuditedTable(f *testing.F) {
	k, err := BuildTable(fuzzDB(f), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	th, err := TableHead("table/fuzz", k.Table, k.Kind, k.Bits)
	if err != nil {
		f.Fatal(err)
	}
	th.History = audit.EmptyRoot
	var priv [ed25519.SeedSize]byte
	head, err := audit.Sign(th, ed25519.NewKeyFromSeed(priv[:]))
	if err != nil {
		f.Fatal(err)
	}
	b, err := (&AuditedTable{Table: *k.Table, Head: head}).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{0, 0, 0, 1, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &AuditedTable{}, b) })
}

func fuzzDB(f *testing.F) *psi.Database {
	db, err := psi.Synth("pdq", 256, 10, 1)
	if err != nil {
		f.Fatal(err)
	}
	return db
}

func FuzzVoucher(f *testing.F) {
	f.Add(make([]byte, 240))
	f.Add(make([]byte, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		psitest.CheckDecode(t, &Voucher{bits: 256}, b)
		// Whatever decodes, the server handles without panicking and
		// reports a known outcome.
		v := &Voucher{bits: 256}
		if v.UnmarshalBinary(b) == nil {
			q := &oprfServerQuery{s: fuzzServer(t)}
			if _, err := q.Step(v); err != nil || !q.Outcome().Known {
				t.Fatalf("server step on a decodable voucher: %v, %v", err, q.Outcome())
			}
		}
	})
}

var fuzzSrv *oprfServer

func fuzzServer(t *testing.T) *oprfServer {
	if fuzzSrv == nil {
		db, err := psi.Synth("pdq", 256, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Protocol.NewServer(db, psi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fuzzSrv = s.(*oprfServer)
	}
	return fuzzSrv
}
