package psitest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// replayed: the client's first message of the honest session's listed
// query is replayed into another client's session (another session) and
// into the second query of the same session (an earlier query), each time
// for an unlisted hash, and the client goes on honestly. The server must not record the replayed query's match,
// or the ledger must state that a network attacker can replay queries.
func (a *adversary) replayed(t *testing.T) {
	ups := a.ordinals(psi.Up, 1)
	if len(ups) == 0 {
		a.skip(t, "the client sends nothing per query")
	}
	sv := a.serve(t)
	other, err := a.p.NewClient(a.db.Kind, a.db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := ups[0]
	cross := func(f Frame) []byte {
		if g, ok := frameAt(a.frames, psi.Up, first); ok && f.Dir == psi.Up && f.Ordinal == first {
			return g.Bytes
		}
		return f.Bytes
	}
	second := a.ordinals(psi.Up, 2)[0]
	var saved []byte
	earlier := func(f Frame) []byte {
		switch {
		case f.Dir != psi.Up:
		case f.Ordinal == first:
			saved = f.Bytes
		case f.Ordinal == second:
			return saved
		}
		return f.Bytes
	}
	for _, tc := range []struct {
		name   string
		cli    psi.Client
		mut    Mutation
		hashes []phash.Hash
	}{
		{"another session", other, cross, []phash.Hash{a.near}},
		{"an earlier query", a.cli, earlier, []phash.Hash{a.listed, a.near}},
	} {
		at := Attack(t, sv, tc.cli, a.db.Kind, a.db.Bits, tc.mut, tc.hashes...)
		t.Logf("%s replayed: %s", tc.name, at)
		if n := len(tc.hashes); len(at.ServerOutcomes) < n {
			continue
		} else if o := at.ServerOutcomes[n-1]; o.Known && o.Match {
			t.Logf("%s: the server recorded the replayed listed query's match for an unlisted hash", tc.name)
			if !a.weakness(psi.Network, "replay") {
				t.Errorf("%s: a replayed query was recorded as a match, and the ledger does not state that queries can be replayed", tc.name)
			}
		}
	}
	a.stillServes(t, sv)
}

// reordered: in place of each message, the message of another step of the
// same direction (the next one, cyclically) is sent. Every such session
// must end cleanly; outcomes are logged.
func (a *adversary) reordered(t *testing.T) {
	sv := a.serve(t)
	n := 0
	for _, dir := range []psi.Direction{psi.Up, psi.Down} {
		var fs []Frame
		for _, f := range a.frames {
			if f.Dir == dir {
				fs = append(fs, f)
			}
		}
		if len(fs) < 2 {
			continue
		}
		for i, f := range fs {
			g := fs[(i+1)%len(fs)]
			mut := only(dir, f.Ordinal, func([]byte) []byte { return g.Bytes })
			at := a.attack(t, sv, mut, a.listed, a.near)
			n++
			t.Logf("%s message %d replaced by message %d: %s", dir, f.Ordinal, g.Ordinal, at)
		}
	}
	if n == 0 {
		a.skip(t, "no direction carries two messages")
	}
	a.stillServes(t, sv)
}

// wrongParams: a client of other hashes (kind, then length) is refused
// with an error that names them, and so is one that asks for another
// protocol; a client that asks for a lower threshold
// than the server applies refuses the server at setup, or the ledger
// states that a malicious server can choose the threshold. An image
// protocol's sessions are setups alone.
func (a *adversary) wrongParams(t *testing.T) {
	sv := a.serve(t)
	for _, shape := range []struct {
		kind phash.Kind
		bits int
	}{{"other", a.db.Bits}, {a.db.Kind, a.db.Bits / 2}} {
		cli, err := a.p.NewClient(shape.kind, shape.bits, psi.Options{})
		if err != nil {
			t.Logf("client for %s/%d refused: %v", shape.kind, shape.bits, err)
			continue
		}
		h, err := phash.NewHash(shape.kind, shape.bits, make([]byte, (shape.bits+7)/8))
		if err != nil {
			t.Fatal(err)
		}
		at := a.setup(t, sv, cli, shape.kind, shape.bits, h)
		if at.Err == nil || !strings.Contains(at.Err.Error(), "hashes") || at.ServerErr == nil {
			t.Errorf("client of %s/%d against a %s/%d server: %v, want a refusal naming the hashes", shape.kind, shape.bits, a.db.Kind, a.db.Bits, at.Err)
		}
	}
	other := renamed{a.cli, a.p.Name() + "-other"}
	if at := a.setup(t, sv, other, a.db.Kind, a.db.Bits, a.listed); at.Err == nil || !strings.Contains(at.Err.Error(), other.name) {
		t.Errorf("client asking for protocol %q: %v, want a refusal naming it", other.name, at.Err)
	}
	a.stillServes(t, sv)
	high, err := a.p.NewServer(a.db, psi.Options{Threshold: SuiteThreshold})
	if err != nil {
		t.Logf("exact protocol: no server at threshold %d (%v)", SuiteThreshold, err)
		return
	}
	low, err := a.p.NewClient(a.db.Kind, a.db.Bits, psi.Options{Threshold: SuiteThreshold / 2})
	if err != nil {
		t.Fatal(err)
	}
	hv := Serve(t, high, a.db, psi.ServeOptions{Timeout: a.timeout})
	defer hv.Stop()
	at := a.setup(t, hv, low, a.db.Kind, a.db.Bits, a.near)
	t.Logf("client at threshold %d against a server at %d: %s", SuiteThreshold/2, SuiteThreshold, at)
	if at.Err == nil && !a.weakness(psi.MaliciousServer, "threshold") {
		t.Errorf("a client asking for threshold %d ran against a server at %d, and the ledger does not state it", SuiteThreshold/2, SuiteThreshold)
	}
}

// echo: the server's first message of a query is replaced by the
// client's last message before it, cut or zero-padded to the expected
// length. The client refuses, or the ledger states that a malicious
// server that echoes the query reads it. (The engines' own echo tests
// send the echo as a well-formed answer; this generic one does not know
// how, so a refusal here does not clear a protocol.)
func (a *adversary) echo(t *testing.T) {
	downs := a.ordinals(psi.Down, 1)
	if len(downs) == 0 {
		a.skip(t, "the server sends nothing per query")
	}
	var last []byte
	mut := func(f Frame) []byte {
		if f.Dir == psi.Up {
			last = f.Bytes
			return f.Bytes
		}
		if f.Ordinal != downs[0] {
			return f.Bytes
		}
		out := make([]byte, len(f.Bytes))
		copy(out, last)
		return out
	}
	sv := a.serve(t)
	at := a.attack(t, sv, mut, a.listed)
	t.Logf("echoed query: %s", at)
	if at.Err == nil && !a.weakness(psi.MaliciousServer, "echo") {
		t.Error("the client accepted its own query echoed as the answer, and the ledger does not state the echo weakness")
	}
	if !a.weakness(psi.MaliciousServer, "echo") {
		t.Logf("refused, and the ledger states no echo weakness")
	}
	a.stillServes(t, sv)
}

// adaptive: a client that learns no outcome alters its last message of a
// query, for a listed and an unlisted hash, between an honest unlisted
// query and an honest listed one on the same session. It sends its
// previous query's message instead (well formed), or flips one bit, at
// three places in turn. Alterations the server refuses as malformed (its
// error says "decode": a property of the bytes the client can check
// itself) are logged and left out; for the others what the client sees
// (a normal end, or the server's error text, digits aside: they may echo
// the client's own values) must be the same for the listed and the
// unlisted hash, so altering its message does not tell it the match bit.
// Where the two differ the pair is probed again, up to six times: a check
// of a value's range can depend on the values the client encrypted, an
// oracle on the match bit, which keeps the two apart every time. Whether
// the reaction tells the client which places the server checks (a secret
// trap set, say) depends on the protocol's secrets and is left to its own
// tests. When the session goes on, the honest listed query must match.
func (a *adversary) adaptive(t *testing.T) {
	if !a.led.Learns("server", true, psi.FactMatchBit) || a.led.Learns("client", false, psi.FactMatchBit) {
		a.skip(t, "the client learns the match bit by design, or the server does not")
	}
	ups := a.ordinals(psi.Up, 1)
	if len(ups) == 0 {
		a.skip(t, "the client sends nothing per query")
	}
	k := len(ups) - 1
	f, _ := frameAt(a.frames, psi.Up, ups[k])
	sv := a.serve(t)
	probe := func(h phash.Hash, alter func(b, prev []byte) []byte) (string, bool) {
		var prev []byte
		n := map[int]int{} // Up messages seen per exchange
		mut := func(g Frame) []byte {
			if g.Dir != psi.Up {
				return g.Bytes
			}
			n[g.Exchange]++
			switch {
			case n[g.Exchange]-1 != k:
			case g.Exchange == 1:
				prev = g.Bytes
			case g.Exchange == 2:
				return alter(append([]byte(nil), g.Bytes...), prev)
			}
			return g.Bytes
		}
		at := a.attack(t, sv, mut, a.near, h, a.listed)
		if len(at.ServerOutcomes) == 3 {
			if o := at.ServerOutcomes[2]; o.Known && !o.Match {
				t.Errorf("honest listed query after an altered one: server outcome %v, want a match", o)
			}
		}
		return reaction(at), at.ServerErr != nil && strings.Contains(at.ServerErr.Error(), "decode")
	}
	alts := []alteration{{"its previous message", func(_, prev []byte) []byte { return prev }}}
	for _, at8 := range []int{1, 4, 7} {
		bit := len(f.Bytes) * at8 // byte len*at8/8, bit 0
		alts = append(alts, alteration{fmt.Sprintf("bit %d of %d flipped", bit, 8*len(f.Bytes)), func(b, _ []byte) []byte {
			b[bit/8] ^= 1 << (bit % 8)
			return b
		}})
	}
	for _, e := range a.oracles(t, probe, alts) {
		t.Error(e)
	}
	a.stillServes(t, sv)
}

// alteration is one way adaptive alters the client's last message of a
// query, given it and the previous query's.
type alteration struct {
	name  string
	alter func(b, prev []byte) []byte
}

// oracles runs adaptive's comparisons with probe and returns each
// alteration whose reaction tells the client the match bit.
func (a *adversary) oracles(t *testing.T, probe func(phash.Hash, func(b, prev []byte) []byte) (string, bool), alts []alteration) []string {
	var found []string
	for _, alt := range alts {
		l, ml := probe(a.listed, alt.alter)
		u, mu := probe(a.near, alt.alter)
		t.Logf("%s: listed: %s; unlisted: %s; malformed: %v", alt.name, l, u, ml || mu)
		if ml || mu || l == u {
			continue
		}
		seenL, seenU := map[string]bool{l: true}, map[string]bool{u: true}
		apart := true
		for r := 0; r < 6 && apart; r++ {
			l, _ := probe(a.listed, alt.alter)
			u, _ := probe(a.near, alt.alter)
			seenL[l], seenU[u] = true, true
			for x := range seenL {
				apart = apart && !seenU[x]
			}
		}
		if apart {
			found = append(found, fmt.Sprintf("%s: the client sees %v for a listed hash and %v for an unlisted one, every time (an oracle for the match bit)", alt.name, seenL, seenU))
		} else {
			t.Logf("%s: the reactions differ with the values sent, not with the match bit: listed %v, unlisted %v", alt.name, seenL, seenU)
		}
	}
	return found
}

// reaction is what a client sees of a session: how many queries it
// finished, and the server's error text or that its own side failed
// (its own error names ephemeral addresses, so only the fact counts).
func reaction(at Attempt) string {
	var pe *psi.PeerError
	switch {
	case at.Err == nil:
		return fmt.Sprintf("completed %d queries", len(at.Outcomes))
	case errors.As(at.Err, &pe):
		text := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '#'
			}
			return r
		}, pe.Text)
		return fmt.Sprintf("server error %q after %d queries", text, len(at.Outcomes))
	}
	return fmt.Sprintf("failed after %d queries", len(at.Outcomes))
}

// renamed is a client that names another protocol in its hello.
type renamed struct {
	psi.Client
	name string
}

func (r renamed) Protocol() string { return r.name }
