package oprf

import (
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/psitest"
)

func FuzzTable(f *testing.F) {
	f.Add(make([]byte, ec.TableHeader+16*ec.ElemSize))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) { psitest.CheckDecode(t, &Table{}, b) })
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
