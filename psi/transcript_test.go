package psi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestTranscriptFigures(t *testing.T) {
	db := psitest.Database(t, 100, 7)
	for _, tc := range []struct {
		proto                    string
		up, down, setup, rounds  int
		clientKnows, serverKnows bool
	}{
		{"plaintext-server", 32, 1, 0, 2, true, true},
		{"on-device-list", 0, 0, 4 + 100*32, 0, true, false},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			p, err := psi.ByName(tc.proto)
			if err != nil {
				t.Fatal(err)
			}
			srv, cli := psitest.Pair(t, p, db)
			tr, err := psi.Run(srv, cli, db.Hashes[3])
			if err != nil {
				t.Fatal(err)
			}
			s := tr.Summary()
			if s.Protocol != tc.proto || s.UpBytes != tc.up || s.DownBytes != tc.down || s.SetupBytes != tc.setup || s.Rounds != tc.rounds {
				t.Errorf("summary %v, want up=%d down=%d setup=%d rounds=%d", s, tc.up, tc.down, tc.setup, tc.rounds)
			}
			if tr.ClientOutcome.Known != tc.clientKnows || tr.ServerOutcome.Known != tc.serverKnows {
				t.Errorf("outcomes client %v server %v", tr.ClientOutcome, tr.ServerOutcome)
			}
			if tr.Client.Query <= 0 && tc.up > 0 {
				t.Errorf("client query time %v not recorded", tr.Client.Query)
			}
			if !strings.Contains(tr.String(), tc.proto) {
				t.Errorf("transcript text lacks protocol name:\n%s", tr)
			}
		})
	}
}

func TestLedgerText(t *testing.T) {
	for _, p := range psi.All() {
		l := p.Ledger()
		txt := l.String()
		for _, want := range []string{"server", "client", "network", "on match", "on non-match", "malicious server", "malicious client"} {
			if !strings.Contains(txt, want) {
				t.Errorf("%s: ledger text lacks %q:\n%s", p.Name(), want, txt)
			}
		}
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var back psi.Ledger
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.String() != txt {
			t.Errorf("%s: ledger changed through JSON", p.Name())
		}
		if l.Model == "" || l.ResultTo == "" || l.MaliciousClient == "" || l.MaliciousServer == "" {
			t.Errorf("%s: ledger has empty fields: %+v", p.Name(), l)
		}
	}
}
