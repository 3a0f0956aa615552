package oprf_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/oprf"
	"github.com/privmatch/privmatch/psi/psitest"
)

// TestForgedVoucherDoesNotMatch: a malicious device that knows only the
// public table key L forges every part (Q = r*G, S = r*L), so every part's
// outer key is right for any payload. Before the fix the server called
// such a voucher a match for whatever payload it carried; now a part that
// opens matches only if its payload is a listed hash placed in that part's
// cuckoo row. A forged voucher carrying a listed hash still matches: the
// forger learns nothing it would not learn holding that image, and the
// server learns only that the device claims a hash it already lists.
func TestForgedVoucherDoesNotMatch(t *testing.T) {
	db, _, msgs, sess := setUp(t, 300, 21)
	tb := &oprf.Table{}
	if err := tb.UnmarshalBinary(msgs[0].Bytes); err != nil {
		t.Fatal(err)
	}
	run := func(payload []byte) (psi.Outcome, oprf.PartWork) {
		t.Helper()
		v, err := oprf.ForgeVoucher(tb, db.Bits, payload)
		if err != nil {
			t.Fatal(err)
		}
		sq := psitest.Deliver(t, sess, v)
		return sq.Outcome(), oprf.VoucherWork(sq)
	}
	forged := 0
	for i := 0; i < 20; i++ {
		unlisted := psitest.FlipBit(t, db.Hashes[i], i)
		o, w := run(unlisted.Bytes())
		if !o.Known {
			t.Fatalf("forged voucher %d: outcome unknown", i)
		}
		if o.Match {
			forged++
		}
		if w.Opened != 3 || w.Checked != 3 {
			t.Errorf("forged voucher %d: work %+v, want every part opened and checked", i, w)
		}
	}
	if forged != 0 {
		t.Errorf("%d of 20 forged vouchers for unlisted hashes matched, want 0", forged)
	}
	// Control: the forgery does open every part, so the check, not the
	// AEAD, is what stops it; a forged voucher for a listed hash matches.
	if o, _ := run(db.Hashes[7].Bytes()); !o.Match {
		t.Errorf("control: forged voucher for a listed hash: %v, want a match", o)
	}
}
