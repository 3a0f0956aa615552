// Package heexact is the "he-exact" protocol; see Protocol.
package heexact

import (
	"cmp"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"github.com/privmatch/privmatch/audit"
	"io"
	"reflect"
	"strconv"
	"sync"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/phash"
)

// Protocol is the "he-exact" protocol: exact private membership with BGV
// homomorphic encryption (package he's engine), in which the server learns
// whether the client's hash is listed and the client learns nothing.
//
// The server loads its distinct hashes under exact.PN13B, the binned
// circuit (one coefficient-encoded query ciphertext at N=2^13 selecting one
// bin of 2048 positions, one level-0 answer ciphertext), while its bins
// hold them (up to about 12.8M entries); beyond that under the cheapest
// Paterson-Stockmeyer preset that holds them (exact.PresetFor: PN14 with
// more partitions, one answer ciphertext per four). Each hash is
// encoded as x = SHA-256("privmatch-he-exact-v1" || 0 || kind || 0 ||
// bits || hash bytes), which binds the hash kind and length, and enters he
// as SHA-256(label || F_k(x)), F_k the OPRF of RFC 9497 over ristretto255
// under a key the server draws once per database (oprf.go): the server
// evaluates its list in full when it loads, a client gets F_k of its hash
// by one blinded evaluation at the start of every query, at most
// DefaultMaxOPRF per session. The client checks that the
// parameters the server names are its own copy of a secure preset, makes a
// secret key and sends its evaluation keys up once per session; the server
// keeps them for that client's session only, at most
// Options.MaxSessions clients at once, and drops them when the session
// closes (over TCP: when the connection ends).
//
//	client (secret key)                          server (db, per-client keys)
//	  |  Params: preset, bins or partitions (~32 B)  |
//	  |<--------------------------------------------|  setup, down
//	  |  keys (HEBlob): relin + rotation keys        |
//	  |  (+ expansion keys when binned) ----------->|  setup, up; opens a session
//	  |                                             |
//	  |  oprf-request: b*H(x), 32 B -------------->|  counted per session
//	  |  <------------- oprf-eval: k*b*H(x), 32 B   |
//	  |  query (HEBlob): Enc(bin selector, f(F_k(x)))|  binned: expand, select
//	  |  or Enc(f(F_k(x))), seeded --------------->|  the bin, fold; else all
//	  |                                             |  cells; times r, plus m
//	  |  answer (HEBlob): level 0, compressed,      |
//	  |  one ciphertext (binned), or one per 4      |
//	  |  partitions                                 |
//	  |<--------------------------------------------|
//	  |  HEExactReply: decrypted masked values ---->|  Verdict: some real
//	  |                                             |  position == its mask?
//	  |          (nothing comes back)               |  altered -> recorded,
//	  |                                             |  client not told
//
// Threat model (he's, restated): the server is semi-honest (a malicious
// server that echoes the query as its answer reads the query's fingerprint
// in the client's reply and, holding k, tests candidate hashes against it;
// the ledger names this) and learns, per query, nothing from the OPRF
// request (uniform for a fresh blind), the match bit and on a match,
// under PN13B, which position of the selected bin matched (not the bin:
// the entry up to one candidate per bin), under the Paterson-Stockmeyer
// presets which cell (bin and partition) matched, which narrows the entry
// to the at most L*H-1 entries of that cell; the query is
// IND-CPA-encrypted under the client's key and on a non-match the values
// it sees are r*E, with r fresh, minus nothing it can use. The client may
// be malicious: it learns the preset and the bin count (the database
// size within about one bin's mean load) or the partition count (within a
// factor of about 4), and nothing else about the
// database from the masked values, but circuit privacy is not claimed (no
// noise flooding). Beyond four partitions the partition count reveals the
// size within about 268k entries. It can query any hash it likes (each query costs it a
// round trip and tells it nothing), learn F_k of hashes of its choice (at
// most DefaultMaxOPRF a session; items, and so fingerprints that leak, are
// useless without k), make the run fail, or alter its reply:
// keyed check values, fresh for every query, catch an alteration except
// with probability exact.ForgeryBound however the client adapts; the
// server records the query as tampered (Outcome.Tampered) and the client
// receives the same frames as after an honest reply. A network observer sees
// the parameters, the fixed-size messages and their timing, not the match
// bit.
var Protocol psi.Protocol = heExactProtocol{}

const heExactName = "he-exact"

func init() { psi.Register(Protocol) }

// heExactProtocol is he-exact; allowInsecure, set only by this package's
// tests, lets the client accept he's insecure test presets; test, set
// only by them too, is the preset the server uses instead of
// exact.PresetFor's; and maxOPRF, also set only by tests, lowers the
// server's OPRF allowance per session.
type heExactProtocol struct {
	allowInsecure bool
	test          *exact.Literal
	maxOPRF       int // OPRF evaluations per session; 0 means DefaultMaxOPRF
}

func (heExactProtocol) Name() string { return heExactName }

// heForgery is exact.ForgeryBound under the 128-bit presets (all share
// t), or -1 if PN14S does not build.
var heForgery = sync.OnceValue(func() float64 {
	p, err := exact.NewParameters(exact.PN14S)
	if err != nil {
		return -1
	}
	return exact.ForgeryBound(p)
})

//go:embed ledger.json
var ledgerJSON []byte

// Ledger is the protocol's ledger, kept as data in ledger.json with
// DefaultMaxOPRF and the forgery bound filled in.
func (heExactProtocol) Ledger() psi.Ledger {
	return headapter.Ledger(ledgerJSON, "psi/heexact", "{max_oprf}", strconv.Itoa(DefaultMaxOPRF), "{forgery_bound}", fmt.Sprintf("%.1e", heForgery()))
}

// heExactItem maps a hash to the 32 bytes he fingerprints.
func heExactItem(h phash.Hash) [32]byte {
	b := append([]byte("privmatch-he-exact-v1\x00"), h.Kind()...)
	b = append(b, 0, byte(h.Bits()>>8), byte(h.Bits()))
	b = append(b, h.Bytes()...)
	return sha256.Sum256(b)
}

func (hp heExactProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.ExactServer(heExactName, db, opts); err != nil {
		return nil, err
	}
	seen := make(map[phash.Hash]struct{}, len(db.Hashes))
	inputs := make([][32]byte, 0, len(db.Hashes))
	for _, h := range db.Hashes {
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		inputs = append(inputs, heExactItem(h))
	}
	lit, err := presetFor(len(inputs))
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	if hp.test != nil {
		lit = *hp.test
	}
	srv, err := hp.newServer(lit, inputs, opts)
	if err != nil {
		return nil, err
	}
	srv.Source = headapter.SourceOf(db, 0)
	return srv, nil
}

// newServer draws the database's OPRF key, evaluates every input (the
// encoded hashes) under it and loads the items under lit.
func (hp heExactProtocol) newServer(lit exact.Literal, inputs [][32]byte, opts psi.Options) (*heExactServer, error) {
	p, err := exact.NewParameters(lit)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	key, err := newOPRFKey(opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	items, err := key.items(inputs)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
	}
	setup := &Params{Literal: p.Literal()}
	hs := &heExactServer{params: p, setup: setup, key: key, maxOPRF: cmp.Or(hp.maxOPRF, DefaultMaxOPRF)}
	engine := &headapter.Server[exact.Keys, exact.VerdictState]{
		Name: heExactName, Setup: setup, QuerySize: exact.QuerySize(p),
		Tampered: exact.ErrTampered, Limits: kit.NewSessionLimit(opts.MaxSessions),
	}
	if lit.Binned {
		bs, err := exact.NewBinnedServer(p, items, opts.Rand)
		if err != nil {
			return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
		}
		setup.Bins = bs.Bins()
		engine.KeysSize, engine.ReplySize = exact.BinnedKeysSize(p, bs.Bins()), exact.BinnedReplySize(p)
		engine.ParseKeys, engine.Answer, engine.Verdict = bs.ParseKeys, bs.Answer, bs.Verdict
	} else {
		es, err := exact.NewServer(p, items, opts.Rand)
		if err != nil {
			return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
		}
		if engine.KeysSize, err = exact.KeysSize(p); err != nil {
			return nil, fmt.Errorf("psi: %s: %w", heExactName, err)
		}
		setup.Partitions = es.Partitions()
		engine.ReplySize = exact.ReplySize(p, es.Partitions())
		engine.ParseKeys = func(b []byte) (*exact.Keys, error) { return exact.ParseKeys(p, b) }
		engine.Answer, engine.Verdict = es.Answer, es.Verdict
		hs.es = es
	}
	hs.Server = engine
	return hs, nil
}

// presetFor is the preset he-exact loads n items under: the binned PN13B
// (the smallest messages and keys) while its bins hold them, beyond that
// exact.PresetFor's Paterson-Stockmeyer preset.
func presetFor(n int) (exact.Literal, error) {
	p, err := exact.NewParameters(exact.PN13B)
	if err != nil {
		return exact.Literal{}, err
	}
	if _, err := exact.BinsFor(p, n); err == nil {
		return exact.PN13B, nil
	}
	return exact.PresetFor(n)
}

// NewSession starts a client's session whose queries each begin with one
// OPRF evaluation, at most maxOPRF of them.
func (s *heExactServer) NewSession() (psi.ServerSession, error) {
	inner, err := s.Server.NewSession()
	if err != nil {
		return nil, err
	}
	return &oprfSession{ServerSession: inner, key: s.key, left: s.maxOPRF}, nil
}

// heExactServer is the shared HE adapter over he/exact's server.
type heExactServer struct {
	*headapter.Server[exact.Keys, exact.VerdictState]
	es      *exact.Server // the Paterson-Stockmeyer server; nil when binned
	params  exact.Parameters
	setup   *Params
	key     *oprfKey
	maxOPRF int
}

// Audited is the adapter's audited server (psi.Auditable) with the same
// OPRF front: its sessions still begin each query with an evaluation.
func (s *heExactServer) Audited(head audit.SignedHead, link audit.HeadProof) (psi.Server, error) {
	inner, err := s.Server.Audited(head, link)
	if err != nil {
		return nil, err
	}
	c := *s
	c.Server = inner.(*headapter.Server[exact.Keys, exact.VerdictState])
	return &c, nil
}

func (hp heExactProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if err := kit.ExactClient(heExactName, true, kind, bits, opts); err != nil {
		return nil, err
	}
	return &heExactClient{rnd: opts.Rand, Client: &headapter.Client[exact.QueryState]{Name: heExactName, Kind: kind, Bits: bits, Rnd: opts.Rand, Audit: opts.Audit,
		Item: func(phash.Hash) [32]byte {
			panic("psi: he-exact: the engine's item comes from the OPRF round") // heExactClient.NewQuery never asks
		},
		Params: func() psi.Message { return &Params{} },
		Configure: func(m psi.Message) (headapter.Config[exact.QueryState], error) {
			return heExactConfigure(m, hp.allowInsecure)
		},
	}}, nil
}

// heExactConfigure accepts the server's parameters only if they are,
// field for field, this build's copy of a named preset, and a secure one
// (or an insecure one when allowInsecure, which only this package's tests
// set). The same preset keeps the client's key; the partitions fix the
// answer's size.
func heExactConfigure(m psi.Message, allowInsecure bool) (headapter.Config[exact.QueryState], error) {
	var cfg headapter.Config[exact.QueryState]
	pm, ok := m.(*Params)
	if !ok {
		return cfg, fmt.Errorf("setup got %T", m)
	}
	want, err := exact.PresetByName(pm.Literal.Name)
	if err != nil {
		return cfg, err
	}
	if !reflect.DeepEqual(want, pm.Literal) {
		return cfg, fmt.Errorf("server's parameters differ from preset %s as this client knows it", want.Name)
	}
	if want.Insecure && !allowInsecure {
		return cfg, fmt.Errorf("server offers %s: %w", want.Name, he.ErrInsecure)
	}
	p, err := exact.NewParameters(want)
	if err != nil {
		return cfg, err
	}
	if want.Binned {
		if pm.Bins > exact.MaxBins(p) {
			return cfg, fmt.Errorf("server names %d bins, at most %d under %s", pm.Bins, exact.MaxBins(p), p.Name())
		}
		// The keys depend on the bins (the expansion's depth): a new bin
		// count is a new tag, hence new keys.
		return headapter.Config[exact.QueryState]{Tag: fmt.Sprintf("%s/%d", p.Name(), pm.Bins), AnswerSize: exact.BinnedAnswerSize(p),
			Engine: func(rnd io.Reader) (headapter.Engine[exact.QueryState], error) {
				return exact.NewBinnedClient(p, pm.Bins, rnd)
			},
		}, nil
	}
	return headapter.Config[exact.QueryState]{Tag: p.Name(), AnswerSize: exact.AnswerSize(p, pm.Partitions),
		Engine: func(rnd io.Reader) (headapter.Engine[exact.QueryState], error) { return exact.NewClient(p, rnd) },
	}, nil
}

// Sizes are he-exact's message sizes in bytes for one database: the
// one-time keys up, and per query the HE query up, the answer down and
// the reply up; the two OPRF messages (OPRFSize each) come on top.
type Sizes struct{ Keys, Query, Answer, Reply int }

// SizesFor returns the message sizes of an he-exact server loading n
// distinct hashes (under the preset it picks for n).
func SizesFor(n int) (Sizes, error) {
	lit, err := presetFor(n)
	if err != nil {
		return Sizes{}, err
	}
	p, err := exact.NewParameters(lit)
	if err != nil {
		return Sizes{}, err
	}
	if lit.Binned {
		bins, err := exact.BinsFor(p, n)
		if err != nil {
			return Sizes{}, err
		}
		return Sizes{exact.BinnedKeysSize(p, bins), exact.QuerySize(p), exact.BinnedAnswerSize(p), exact.BinnedReplySize(p)}, nil
	}
	keys, err := exact.KeysSize(p)
	if err != nil {
		return Sizes{}, err
	}
	parts, err := exact.PartitionsFor(p, n)
	if err != nil {
		return Sizes{}, err
	}
	return Sizes{keys, exact.QuerySize(p), exact.AnswerSize(p, parts), exact.ReplySize(p, parts)}, nil
}
