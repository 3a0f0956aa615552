package psitest

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// The attacks TestAdversarial runs, one subtest each. A ledger claim names
// the one that checks it as "dir.TestAdversarial/<attack>", dir the
// protocol's package directory (CheckLedgerClaims accepts these names).
const (
	// AttackTruncated cuts the last byte off each message, in turn.
	AttackTruncated = "truncated"
	// AttackOversized doubles each message, in turn.
	AttackOversized = "oversized"
	// AttackBitFlip flips one bit of each message, in turn.
	AttackBitFlip = "bit-flipped"
	// AttackReplayed sends a message of another session, or of an
	// earlier query of the same session, in place of the honest one.
	AttackReplayed = "replayed"
	// AttackReordered sends, in place of each message, the message of
	// another step of the same session.
	AttackReordered = "reordered"
	// AttackWrongParams connects a client to a server of other hashes,
	// or of a higher threshold than the client asked for.
	AttackWrongParams = "wrong-params"
	// AttackEcho is a server that answers a query with the client's own
	// query message.
	AttackEcho = "echo-server"
	// AttackAdaptive is a client that alters its last message of a query
	// and watches the server's reaction, for a listed and an unlisted
	// hash, then queries again.
	AttackAdaptive = "adaptive-client"
	// AttackTiming compares the server's computing time per query on
	// matches and non-matches with a rank test.
	AttackTiming = "timing"
)

// Attacks lists every attack of TestAdversarial, in the order it runs
// them.
var Attacks = []string{AttackTruncated, AttackOversized, AttackBitFlip, AttackReplayed, AttackReordered,
	AttackWrongParams, AttackEcho, AttackAdaptive, AttackTiming}

// TestAdversarial runs the attack suite on p over the real drivers and the
// TCP transport: a malicious client, a malicious server and the network
// tamper with the frames of an honest client's session (Attack). Every
// attacked session must end, within its deadlines, in a completed run or
// an error of psi's (never a panic or a hang), and the server must go on
// serving honest clients. Beyond that each attack checks a property, or
// that the ledger states the weakness (a claim with Holds false whose
// statement names it); see the Attack constants. Call it from a test
// named TestAdversarial in the protocol's package: the suite fails unless
// p's ledger has a claim naming each attack that ran as
// "dir.TestAdversarial/<attack>", and none naming an attack that skipped.
func TestAdversarial(t *testing.T, p psi.Protocol) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	db := Database(t, 64, seed)
	srv, cli := Pair(t, p, db)
	a := &adversary{p: p, db: db, srv: srv, cli: cli, led: p.Ledger(), rng: rand.New(rand.NewPCG(seed, 13)), timeout: attackTimeout}
	a.listed = db.Hashes[5]
	a.near = FlipBit(t, a.listed, 9)
	if db.Contains(a.near) {
		t.Fatal("near miss happens to be listed; change the seed")
	}
	sv := Serve(t, srv, db, psi.ServeOptions{Timeout: attackTimeout})
	honest := Attack(t, sv, cli, db.Kind, db.Bits, nil, a.listed, a.near)
	if honest.Err != nil {
		t.Fatalf("honest session: %v", honest.Err)
	}
	sv.Stop()
	a.frames = honest.Frames
	a.runAll(t, Attacks)
}

// ImageAttacks are the attacks TestAdversarialImage can run: those on
// the messages a side must refuse, or accept, before the server
// computes on a query.
var ImageAttacks = []string{AttackTruncated, AttackOversized, AttackBitFlip, AttackWrongParams}

// TestAdversarialImage runs, on a psi.ImageProtocol whose queries cost
// minutes (he-hash-match's bootstrapping), the attacks of TestAdversarial
// named in attacks that are among ImageAttacks; the others skip, so its
// ledger must not name them. db holds hashes of the protocol's kind, opts
// are both roles' options and img is the image the client queries. Its
// sessions never reach the server's computing: the truncated and
// oversized attacks edit each setup message and the query, which must
// all be refused before the server computes; the bit-flipped attack
// edits each setup message, run as a setup alone (a flipped bit of the
// query is a well-formed ciphertext); after each attack an honest setup
// on the same server must complete (the session slot was given back).
// The wrong-params attack is TestAdversarial's, its sessions setups
// alone. Call it from a test named TestAdversarial: the suite checks the
// ledger's coverage as TestAdversarial does.
func TestAdversarialImage(t *testing.T, p psi.Protocol, db *psi.Database, opts psi.Options, img image.Image, attacks []string) {
	srv, err := p.NewServer(db, opts)
	if err != nil {
		t.Fatalf("%s: NewServer: %v", p.Name(), err)
	}
	cli, err := p.NewClient(db.Kind, db.Bits, opts)
	if err != nil {
		t.Fatalf("%s: NewClient: %v", p.Name(), err)
	}
	ic, ok := cli.(psi.ImageClient)
	if !ok {
		t.Fatalf("client %T is not a psi.ImageClient", cli)
	}
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	a := &adversary{p: p, db: db, srv: srv, cli: cli, led: p.Ledger(), rng: rand.New(rand.NewPCG(seed, 13)), img: img, timeout: imageTimeout}
	sv := a.serve(t)
	honest := AttackImages(t, sv, cli, db.Kind, db.Bits, nil)
	if honest.Failed() {
		t.Fatalf("honest setup: %s", honest)
	}
	sv.Stop()
	a.frames = append(honest.Frames, queryFrame(t, ic, img, honest.Frames))
	var run []string
	for _, name := range Attacks {
		if slices.Contains(attacks, name) && slices.Contains(ImageAttacks, name) {
			run = append(run, name)
		}
	}
	a.runAll(t, run)
}

// queryFrame is the frame of the client's first query message after a
// setup whose frames are setup: its bytes as the state machine makes
// them, at the ordinal the transport gives it.
func queryFrame(t *testing.T, ic psi.ImageClient, img image.Image, setup []Frame) Frame {
	cq, err := ic.NewImageQuery(img)
	if err != nil {
		t.Fatalf("image query: %v", err)
	}
	m, err := cq.Start()
	if err != nil || m == nil {
		t.Fatalf("image query sends nothing first: %v", err)
	}
	f := Frame{Dir: psi.Up, Exchange: 1, Bytes: marshal(t, m)}
	for _, g := range setup {
		if g.Dir == psi.Up {
			f.Ordinal++
		}
	}
	return f
}

// runAll runs, one subtest each, the attacks named in run, and skips the
// others of Attacks; then it checks the ledger's coverage of them.
func (a *adversary) runAll(t *testing.T, run []string) {
	ran := map[string]bool{}
	for _, name := range Attacks {
		t.Run(name, func(t *testing.T) {
			ran[name] = true // not set for a subtest -run filters out
			if !slices.Contains(run, name) {
				a.skip(t, "not run: not among the image suite's attacks asked for (an image protocol's queries cost minutes)")
			}
			a.run(t, name)
		})
	}
	top, _, _ := strings.Cut(t.Name(), "/")
	dir, err := packageDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range coverage(a.led, dir+"."+top, ran, a.skipped) {
		t.Error(err)
	}
}

// coverage lists what is wrong with how led names the attacks of test
// (such as "psi/oprf.TestAdversarial"): an attack that ran and did not
// skip must be named by a claim, and one that skipped must not be.
func coverage(led psi.Ledger, test string, ran, skipped map[string]bool) []error {
	named := map[string]bool{}
	for _, c := range led.Claims {
		named[c.Test] = true
	}
	var errs []error
	for _, name := range Attacks {
		want := test + "/" + name
		switch {
		case skipped[name] && named[want]:
			errs = append(errs, fmt.Errorf("ledger of %s names %s, which skips for this protocol", led.Protocol, want))
		case ran[name] && !skipped[name] && !named[want]:
			errs = append(errs, fmt.Errorf("ledger of %s has no claim tested by %s", led.Protocol, want))
		}
	}
	return errs
}

// adversary is the suite's state for one protocol.
type adversary struct {
	p            psi.Protocol
	db           *psi.Database
	srv          psi.Server
	cli          psi.Client
	led          psi.Ledger
	rng          *rand.Rand
	listed, near phash.Hash
	frames       []Frame // an honest session: setup, a listed and an unlisted query
	skipped      map[string]bool
	// img, for an image protocol (TestAdversarialImage), is the image
	// queried; its frames are the setup's and the query's first.
	img image.Image
	// timeout is the frame deadline of the sessions.
	timeout time.Duration
}

func (a *adversary) run(t *testing.T, name string) {
	switch name {
	case AttackTruncated:
		a.eachFrame(t, true, func(b []byte) []byte { return b[:len(b)-1] })
	case AttackOversized:
		a.eachFrame(t, true, func(b []byte) []byte { return append(b, b...) })
	case AttackBitFlip:
		a.eachFrame(t, false, func(b []byte) []byte {
			i := a.rng.IntN(8 * len(b))
			b[i/8] ^= 1 << (i % 8)
			return b
		})
	case AttackReplayed:
		a.replayed(t)
	case AttackReordered:
		a.reordered(t)
	case AttackWrongParams:
		a.wrongParams(t)
	case AttackEcho:
		a.echo(t)
	case AttackAdaptive:
		a.adaptive(t)
	case AttackTiming:
		a.timing(t)
	}
}

func (a *adversary) skip(t *testing.T, why string) {
	if a.skipped == nil {
		a.skipped = map[string]bool{}
	}
	_, name, _ := strings.Cut(t.Name(), "/")
	a.skipped[name] = true
	t.Skip(why)
}

// serve starts a fresh server for one attack, so its reports are the
// attack's alone.
func (a *adversary) serve(t *testing.T) *Served {
	return Serve(t, a.srv, a.db, psi.ServeOptions{Timeout: a.timeout})
}

// attack runs one session with mut against sv, querying hashes.
func (a *adversary) attack(t *testing.T, sv *Served, mut Mutation, hashes ...phash.Hash) Attempt {
	t.Helper()
	return Attack(t, sv, a.cli, a.db.Kind, a.db.Bits, mut, hashes...)
}

// setup runs one honest session of cli against sv: setup, then the
// hashes' queries, or the setup alone for an image protocol.
func (a *adversary) setup(t *testing.T, sv *Served, cli psi.Client, kind phash.Kind, bits int, hashes ...phash.Hash) Attempt {
	t.Helper()
	if a.img != nil {
		return AttackImages(t, sv, cli, kind, bits, nil)
	}
	return Attack(t, sv, cli, kind, bits, nil, hashes...)
}

// stillServes ends an attack: an honest session on the same server gets
// the right outcomes on both sides (for an image protocol: an honest
// setup completes).
func (a *adversary) stillServes(t *testing.T, sv *Served) {
	t.Helper()
	if a.img != nil {
		if h := AttackImages(t, sv, a.cli, a.db.Kind, a.db.Bits, nil); h.Failed() {
			t.Errorf("honest setup after the attack: %s", h)
		}
		sv.Stop()
		return
	}
	h := a.attack(t, sv, nil, a.listed, a.near)
	if h.Failed() {
		t.Errorf("honest session after the attack: client %v, server %v", h.Err, h.ServerErr)
	}
	if len(h.ServerOutcomes) != 2 {
		t.Errorf("honest session after the attack: server finished %d queries, want 2", len(h.ServerOutcomes))
	}
	for i, o := range append(h.ServerOutcomes, h.Outcomes...) {
		if want := i%2 == 0; o.Known && o.Match != want {
			t.Errorf("honest query %d after the attack: outcome %v, want match=%v", i%2, o, want)
		}
	}
	sv.Stop()
}

// eachFrame sends, in one session each, the honest session's setup and
// first query with one message edited; with mustFail every such session must end in an error.
func (a *adversary) eachFrame(t *testing.T, mustFail bool, edit func([]byte) []byte) {
	sv := a.serve(t)
	for _, f := range a.frames {
		// The second query's messages are of the first's kinds.
		if len(f.Bytes) == 0 || f.Exchange > 1 {
			continue
		}
		var at Attempt
		switch {
		case a.img == nil:
			at = a.attack(t, sv, only(f.Dir, f.Ordinal, edit), a.listed)
		case f.Exchange == 0:
			// An image protocol's setup alone: a setup that completes
			// is not followed by minutes of computing.
			at = AttackImages(t, sv, a.cli, a.db.Kind, a.db.Bits, only(f.Dir, f.Ordinal, edit))
		case mustFail:
			at = AttackImages(t, sv, a.cli, a.db.Kind, a.db.Bits, only(f.Dir, f.Ordinal, edit), a.img)
		default:
			continue
		}
		t.Logf("%s message %d (exchange %d, %d B): %s", f.Dir, f.Ordinal, f.Exchange, len(f.Bytes), at)
		if mustFail && !at.Failed() {
			t.Errorf("%s message %d edited to a wrong length: the session went on", f.Dir, f.Ordinal)
		}
	}
	a.stillServes(t, sv)
}

func errText(err error) string {
	if err == nil {
		return "completed"
	}
	return err.Error()
}

// weakness reports whether the ledger states, as a claim that does not
// hold against adv, a weakness whose statement contains word.
func (a *adversary) weakness(adv psi.Adversary, word string) bool {
	for _, c := range a.led.Claims {
		if c.Adversary == adv && !c.Holds && strings.Contains(strings.ToLower(c.Statement), word) {
			return true
		}
	}
	return false
}

// queryUps returns the ordinals of the Up messages of the given exchange
// in the honest session.
func (a *adversary) ordinals(dir psi.Direction, exchange int) []int {
	var out []int
	for _, f := range a.frames {
		if f.Dir == dir && f.Exchange == exchange {
			out = append(out, f.Ordinal)
		}
	}
	return out
}

// packageDir is the working directory (the calling test's package)
// relative to the module root, with slashes.
func packageDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	wd, err := workDir()
	if err != nil {
		return "", err
	}
	rel, ok := strings.CutPrefix(wd, root+"/")
	if !ok {
		return "", fmt.Errorf("psitest: %s is not under the module root %s", wd, root)
	}
	return rel, nil
}
