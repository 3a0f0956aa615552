// Package hehamminglsh is the "he-hamming-lsh" protocol; see Protocol.
package hehamminglsh

import (
	"fmt"
	"io"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/phash"
)

// Protocol is "he-hamming-lsh": private similarity membership whose
// server work per query does not grow with the database (package
// he/hamminglsh's engine). The server learns whether the client's 256-bit
// hash lies within Options.Threshold of some listed hash that shares one
// of L = 64 buckets with it; the client learns nothing. An entry within
// the threshold that shares no bucket is missed: that recall price is
// measured against exact matching (he-hamming) on the robustness suite
// (bench.LSHRecall; figures in README.md).
//
// Layout: hamminglsh.P64 over hamming.H14D, he/hamming's single-group
// diagonal circuit (2^13 candidates per query, thresholds up to 31,
// 128-bit by the HE standard); the client rebuilds both from its own copy
// and refuses any other. Up to 2^13 entries the client sends no bucket key
// and the answer is exact; above, k = ceil(log2(2 L n / 2^13)) key bits
// per table (14 at 2^20), each table's k bits drawn from one public pool
// of 64 of the 256 bit positions.
//
//	client (secret key)                          server (db, L tables)
//	  |  Params: layout, preset, T, k (~12 B)  |
//	  |<---------------------------------------------|  setup, down
//	  |  keys (HEBlob): he/hamming's keys (33.0 MB)->|  setup, up
//	  |                                              |
//	  |  query (HEBlob): L keys of k bits (the pool  |
//	  |    bits of the hash, in the clear) + Enc(hash|  candidates: the L buckets,
//	  |    bits replicated over the slots), Enc(R) ->|  <= 2^13/L each; he/hamming's
//	  |                                              |  diagonal circuit on that group
//	  |  answer (HEBlob): one level-0 ciphertext     |
//	  |<---------------------------------------------|
//	  |  reply (HEBlob): R*F + m ------------------->|  Verdict: any slot == m?
//
// Threat model: he-hamming's (semi-honest server, semi-honest or malicious
// client, network observer), plus the bucket keys: the server reads up to
// 64 bits of every query hash at public positions, on a match and on a
// non-match alike, and can test any hash of its choosing (listed or not)
// against them; on a match the single group's zero slot names the matched
// entry.
var Protocol psi.Protocol = lshProtocol{}

const lshName = "he-hamming-lsh"

// lshBits is the one hash length the protocol takes: the pool is 64 of
// 256 bits, so shorter hashes would reveal a larger share.
const lshBits = 256

func init() { psi.Register(Protocol) }

// lshProtocol is he-hamming-lsh; test, when set (only by this package's
// tests), is an insecure layout the server uses and the client accepts.
type lshProtocol struct{ test *hamminglsh.Literal }

func (lshProtocol) Name() string { return lshName }

// layout returns the layout of the given names with hash length and
// threshold set, checked against the protocol's bounds.
func (lp lshProtocol) layout(name, preset string, bits, threshold int) (hamminglsh.Literal, error) {
	var l hamminglsh.Literal
	switch {
	case lp.test != nil && name == lp.test.Name:
		l = *lp.test
	case name == hamminglsh.P64.Name:
		l = hamminglsh.P64
	default:
		return l, fmt.Errorf("unknown layout %q", name)
	}
	if preset != l.HE.Name {
		return l, fmt.Errorf("layout %s runs preset %s, not %q", l.Name, l.HE.Name, preset)
	}
	if bits != lshBits {
		return l, fmt.Errorf("%d-bit hashes: the protocol takes %d-bit hashes only (its 64-bit pool is a quarter of them)", bits, lshBits)
	}
	if threshold < 0 || threshold > bits/2 {
		return l, fmt.Errorf("threshold %d outside 0..%d", threshold, bits/2)
	}
	l.HE.HashBits, l.HE.Threshold = bits, threshold
	return l, nil
}

func (lp lshProtocol) serverLayout() hamminglsh.Literal {
	if lp.test != nil {
		return *lp.test
	}
	return hamminglsh.P64
}

func (lp lshProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.CheckDatabase(lshName, db); err != nil {
		return nil, err
	}
	base := lp.serverLayout()
	lit, err := lp.layout(base.Name, base.HE.Name, db.Bits, opts.Threshold)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", lshName, err)
	}
	p, err := hamminglsh.NewParameters(lit)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", lshName, err)
	}
	seen := make(map[phash.Hash]bool, len(db.Hashes))
	items := make([][32]byte, 0, len(db.Hashes))
	for _, h := range db.Hashes {
		if h.Kind() != db.Kind || h.Bits() != db.Bits {
			return nil, fmt.Errorf("psi: %s: database hash is %s/%d, want %s/%d", lshName, h.Kind(), h.Bits(), db.Kind, db.Bits)
		}
		if !seen[h] {
			seen[h] = true
			items = append(items, hamminglsh.Item(h))
		}
	}
	es, err := hamminglsh.NewServer(p, items, hamming.Options{Rand: opts.Rand})
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", lshName, err)
	}
	setup := &Params{Layout: lit.Name, Preset: lit.HE.Name, Threshold: lit.HE.Threshold, KeyBits: es.KeyBits()}
	return &headapter.Server[hamming.Keys, hamminglsh.VerdictState]{
		Name: lshName, Setup: setup,
		KeysSize: p.KeysSize(), QuerySize: p.QuerySize(es.KeyBits()), ReplySize: p.ReplySize(),
		ParseKeys: func(b []byte) (*hamming.Keys, error) { return hamminglsh.ParseKeys(p, b) },
		Answer:    es.Answer,
		Verdict:   headapter.MatchOnly(es.Verdict),
		Limits:    kit.NewSessionLimit(opts.MaxSessions),
		Source:    headapter.SourceOf(db, lit.HE.Threshold),
	}, nil
}

func (lp lshProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if err := kit.CheckKind(kind, bits); err != nil {
		return nil, err
	}
	if _, err := lp.layout(hamminglsh.P64.Name, hamminglsh.P64.HE.Name, bits, opts.Threshold); err != nil {
		return nil, fmt.Errorf("psi: %s: %w", lshName, err)
	}
	return &headapter.Client[hamming.QueryState]{Name: lshName, Kind: kind, Bits: bits, Rnd: opts.Rand, Audit: opts.Audit, Item: hamminglsh.Item,
		Params: func() psi.Message { return &Params{} }, Configure: lp.configurer(bits, opts.Threshold)}, nil
}

// configurer returns the client's check of the server's parameters: they
// must name a secure layout this client knows (or this protocol value's
// test layout) over its preset, at a threshold it accepts (any in
// 0..bits/2 when maxThreshold is 0), with key bits the layout allows.
// Whatever k the server names, the keys reveal only pool bits: at most 64
// of the 256.
func (lp lshProtocol) configurer(bits, maxThreshold int) func(psi.Message) (headapter.Config[hamming.QueryState], error) {
	return func(m psi.Message) (headapter.Config[hamming.QueryState], error) {
		return lp.configure(m, bits, maxThreshold)
	}
}

func (lp lshProtocol) configure(m psi.Message, bits, maxThreshold int) (cfg headapter.Config[hamming.QueryState], err error) {
	pm, ok := m.(*Params)
	switch {
	case !ok:
		return cfg, fmt.Errorf("setup got %T", m)
	case maxThreshold > 0 && pm.Threshold > maxThreshold:
		return cfg, fmt.Errorf("server's threshold %d is above this client's %d", pm.Threshold, maxThreshold)
	}
	lit, err := lp.layout(pm.Layout, pm.Preset, bits, pm.Threshold)
	if err != nil {
		return cfg, err
	}
	if lit.HE.Insecure && (lp.test == nil || lit.Name != lp.test.Name) {
		return cfg, fmt.Errorf("server offers %s: %w", lit.HE.Name, he.ErrInsecure)
	}
	p, err := hamminglsh.NewParameters(lit)
	if err != nil {
		return cfg, err
	}
	if err := p.CheckKeyBits(pm.KeyBits); err != nil {
		return cfg, err
	}
	return headapter.Config[hamming.QueryState]{Tag: fmt.Sprintf("%s/%d/k%d", lit.Name, lit.HE.Threshold, pm.KeyBits), AnswerSize: p.AnswerSize(),
		Engine: func(rnd io.Reader) (headapter.Engine[hamming.QueryState], error) {
			return hamminglsh.NewClient(p, pm.KeyBits, rnd)
		},
	}, nil
}
