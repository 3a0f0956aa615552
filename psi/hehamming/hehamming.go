// Package hehamming is the "he-hamming" protocol; see Protocol.
package hehamming

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/privmatch/privmatch/he"
	"github.com/privmatch/privmatch/he/hamming"
	"github.com/privmatch/privmatch/phash"
)

// Protocol is the "he-hamming" protocol: private similarity membership
// with BGV homomorphic encryption (package he/hamming's engine), in which
// the server learns whether the client's hash lies within Hamming distance
// Options.Threshold of some listed hash, and the client learns nothing.
//
// Threshold: Options.Threshold is taken literally, as for every protocol:
// 0 means distance 0 (an exact match, computed the slow way), 31 is PDQ's
// usual threshold for 256-bit hashes (privmatch serve --threshold 31).
// The server accepts 0..bits/2 (beyond half the bits a random hash
// matches about half the space). Every such threshold fits H14's levels
// (one answer ciphertext covers 128 groups of 2^14 entries at T = 0, 8 at
// 31, 4 at 32..63, 2 at 64..127, 1 at 128), but the engine's noise is
// measured at 31 (and 10 for 64-bit hashes), this package's tests run 0,
// 7 and 31: above 31 decryption is not measured. The server names its threshold in the
// setup message. A client with Options.Threshold 0 accepts whatever
// threshold in 0..bits/2 the server names; with T > 0 it refuses a server
// whose threshold exceeds T. (The client cannot check the list anyway:
// a server can list near copies of any hash, so the cap limits only the
// honest case.)
//
// Hashes: 64 to 256 bits (the engine's range). Bit i of the printed
// integer (phash.Hash.Bit(i)) is the engine's bit i, byte i/8, bit i%8,
// so the engine's first Bits bits are exactly the hash; distance is
// phash.Distance.
//
// Parameters: the server always uses hamming.H14 (N = 2^14, log2(QP) =
// 437, 128-bit by the HE standard) with HashBits and Threshold set from
// the database and options; the client rebuilds the literal from its own
// copy of the named preset and refuses any other, and any insecure one
// (this package's tests alone run an insecure N = 2^10 variant of
// hamming.H12Insecure, in this package's tests only). One answer ciphertext covers up
// to 8 groups of 2^14 entries at threshold 31 (the engine's Outputs).
//
//	client (secret key)                            server (db, per-client keys)
//	  |  Params: preset, bits, T, K (~12 B)  |
//	  |<----------------------------------------------|  setup, down
//	  |  keys (HEBlob): relin + 9 Galois keys +       |
//	  |  level-0 public key, seeded (45.8 MB) ------->|  setup, up; opens a session
//	  |                                               |
//	  |  query (HEBlob): Enc(hash bits, parity,       |
//	  |    half-weight), Enc(R_o) per output, seeded>|  expand, distance per entry,
//	  |                                               |  f(h) = 0 iff d <= T,
//	  |                                               |  R_o * product, + mask m,
//	  |  answer (HEBlob): K level-0 ciphertexts       |  re-randomise, flood
//	  |<----------------------------------------------|
//	  |  reply (HEBlob): R*F + m, 17 bits/slot ------>|  Verdict: any slot == m?
//	  |          (nothing comes back)                 |
//
// Threat model (he/hamming's doc.go, restated): semi-honest server (a
// malicious server that echoes the query as its answer reads the query
// hash in the client's reply; the ledger names this),
// semi-honest or malicious client, network observer. The server learns,
// per query, the match bit and on a match the set of zero slots: for each,
// that some entry among the groups/K entries sharing that slot (8 at 2^20
// entries under H14, 1 up to 2^14) lies within T; on a non-match nothing
// beyond "no match". It does not see the hash (RLWE) or R. The client
// learns K and the answer scale (the database size within a factor of
// about N*8) and uniform masked values; the answer's noise is flooded with
// 33 bits after re-randomisation, which is not a 2^-40 statistical
// argument: circuit privacy is a known gap. A malicious client can force
// either verdict (garbage reply, zeros in R, a far hash), and can weight
// the "bits" it sends to test other functions of the database; the server
// cannot detect any of it (no traps, unlike he-exact). A network observer
// sees the fixed message sizes and timing.
var Protocol psi.Protocol = heHammingProtocol{}

const heHammingName = "he-hamming"

// Bounds the protocol accepts: the engine's hash lengths, and at most
// heHammingMaxOutputs answer ciphertexts (8 groups each at T = 31, so
// 2^27 entries; the answer is then about 234 MB, which the client's
// default frame limit still reads).
const (
	heHammingMinBits    = 64
	heHammingMaxOutputs = 1024
)

func init() { psi.Register(Protocol) }

// heHammingProtocol is he-hamming; test, when set (only by this
// package's tests), is an insecure preset the server uses and the client
// accepts.
type heHammingProtocol struct{ test *hamming.Literal }

func (heHammingProtocol) Name() string { return heHammingName }

//go:embed ledger.json
var ledgerJSON []byte

// Ledger is the protocol's ledger, kept as data in ledger.json with
// the H14 key size filled in.
func (heHammingProtocol) Ledger() psi.Ledger {
	return headapter.Ledger(ledgerJSON, "psi/hehamming", "{keys_size}", strconv.Itoa(heHammingKeysSize()))
}

// heHammingKeysSize is the size of a client's keys under H14 for 256-bit
// hashes, read from the engine (45,797,708 B since it seeds its keys,
// 91,365,388 B before), or -1 if H14 does not build.
var heHammingKeysSize = sync.OnceValue(func() int {
	p, err := hamming.NewParameters(hamming.H14)
	if err != nil {
		return -1
	}
	return p.KeysSize()
})

// heHammingPreset is the engine's preset of the given name. PN12Insecure
// is known so that the client can name it in its refusal; an insecure
// preset is used only by a protocol value whose test field names it,
// which only this package's tests build (export_test.go).
func (p heHammingProtocol) preset(name string) (hamming.Literal, bool) {
	switch {
	case p.test != nil && name == p.test.Name:
		return *p.test, true
	case name == hamming.H14.Name:
		return hamming.H14, true
	case name == hamming.H12Insecure.Name:
		return hamming.H12Insecure, true
	}
	return hamming.Literal{}, false
}

// heHammingItem writes h's bits in the engine's order: bit i of the
// printed integer at byte i/8, bit i%8.
func heHammingItem(h phash.Hash) [32]byte {
	var x [32]byte
	b := h.Bytes()
	for i := range b {
		x[i] = b[len(b)-1-i]
	}
	return x
}

// heHammingLiteral is the named preset for the given hash length and
// threshold, checked against the protocol's bounds.
func (p heHammingProtocol) literal(name string, bits, threshold int) (hamming.Literal, error) {
	l, ok := p.preset(name)
	if !ok {
		return hamming.Literal{}, fmt.Errorf("unknown preset %q", name)
	}
	if bits < heHammingMinBits || bits > phash.MaxBits {
		return hamming.Literal{}, fmt.Errorf("%d-bit hashes outside %d..%d", bits, heHammingMinBits, phash.MaxBits)
	}
	if threshold < 0 || threshold > bits/2 {
		return hamming.Literal{}, fmt.Errorf("threshold %d outside 0..%d for %d-bit hashes", threshold, bits/2, bits)
	}
	l.HashBits, l.Threshold = bits, threshold
	return l, nil
}

func (hp heHammingProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.CheckDatabase(heHammingName, db); err != nil {
		return nil, err
	}
	name := hamming.H14.Name
	if hp.test != nil {
		name = hp.test.Name
	}
	lit, err := hp.literal(name, db.Bits, opts.Threshold)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	p, err := hamming.NewParameters(lit)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	seen := make(map[phash.Hash]struct{}, len(db.Hashes))
	items := make([][32]byte, 0, len(db.Hashes))
	for _, h := range db.Hashes {
		if h.Kind() != db.Kind || h.Bits() != db.Bits {
			return nil, fmt.Errorf("psi: %s: database hash is %s/%d, want %s/%d", heHammingName, h.Kind(), h.Bits(), db.Kind, db.Bits)
		}
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		items = append(items, heHammingItem(h))
	}
	es, err := hamming.NewServer(p, items, hamming.Options{Rand: opts.Rand})
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	if es.Outputs() > heHammingMaxOutputs {
		return nil, fmt.Errorf("psi: %s: %d answer ciphertexts, at most %d", heHammingName, es.Outputs(), heHammingMaxOutputs)
	}
	setup := &Params{Preset: lit.Name, HashBits: lit.HashBits, Threshold: lit.Threshold, Outputs: es.Outputs()}
	return &headapter.Server[hamming.Keys, hamming.VerdictState]{
		Name: heHammingName, Setup: setup,
		KeysSize: p.KeysSize(), QuerySize: p.QuerySize(es.Outputs()), ReplySize: p.ReplySize(es.Outputs()),
		ParseKeys: func(b []byte) (*hamming.Keys, error) { return hamming.ParseKeys(p, b) },
		Answer:    es.Answer,
		Verdict:   headapter.MatchOnly(es.Verdict),
		Limits:    kit.NewSessionLimit(opts.MaxSessions),
		Source:    headapter.SourceOf(db, lit.Threshold),
	}, nil
}

func (hp heHammingProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if err := kit.CheckKind(kind, bits); err != nil {
		return nil, err
	}
	if _, err := hp.literal(hamming.H14.Name, bits, opts.Threshold); err != nil {
		return nil, fmt.Errorf("psi: %s: %w", heHammingName, err)
	}
	return &headapter.Client[hamming.QueryState]{Name: heHammingName, Kind: kind, Bits: bits, Rnd: opts.Rand, Audit: opts.Audit,
		Item:   heHammingItem,
		Params: func() psi.Message { return &Params{} },
		Configure: func(m psi.Message) (headapter.Config[hamming.QueryState], error) {
			return hp.configure(m, bits, opts.Threshold)
		},
	}, nil
}

// configure accepts the server's parameters only if they name a secure
// preset this client knows (or this protocol value's test preset), for
// its hash length, at a threshold it accepts (any in 0..bits/2 when
// maxThreshold is 0). The literal is the client's own copy. The same
// preset, threshold and K keep the client's key (K fixes the answer's size
// and the number of randomisers in each query).
func (hp heHammingProtocol) configure(m psi.Message, bits, maxThreshold int) (headapter.Config[hamming.QueryState], error) {
	var cfg headapter.Config[hamming.QueryState]
	pm, ok := m.(*Params)
	if !ok {
		return cfg, fmt.Errorf("setup got %T", m)
	}
	if pm.HashBits != bits {
		return cfg, fmt.Errorf("server's list holds %d-bit hashes, this client %d-bit", pm.HashBits, bits)
	}
	if maxThreshold > 0 && pm.Threshold > maxThreshold {
		return cfg, fmt.Errorf("server's threshold %d is above this client's %d", pm.Threshold, maxThreshold)
	}
	lit, err := hp.literal(pm.Preset, pm.HashBits, pm.Threshold)
	if err != nil {
		return cfg, err
	}
	if lit.Insecure && (hp.test == nil || lit.Name != hp.test.Name) {
		return cfg, fmt.Errorf("server offers %s: %w", lit.Name, he.ErrInsecure)
	}
	p, err := hamming.NewParameters(lit)
	if err != nil {
		return cfg, err
	}
	return headapter.Config[hamming.QueryState]{Tag: fmt.Sprintf("%s/%d/k%d", lit.Name, lit.Threshold, pm.Outputs), AnswerSize: p.AnswerSize(pm.Outputs), Threshold: lit.Threshold,
		Engine: func(rnd io.Reader) (headapter.Engine[hamming.QueryState], error) {
			c, err := hamming.NewClient(p, rnd)
			if err != nil {
				return nil, err
			}
			return outputsClient{c, pm.Outputs}, nil
		},
	}, nil
}

// outputsClient queries with one independent randomiser per answer
// ciphertext of the server it was configured for (K = outputs), so no
// ratio between outputs reaches the server.
type outputsClient struct {
	*hamming.Client
	outputs int
}

func (c outputsClient) Query(item [32]byte) ([]byte, *hamming.QueryState, error) {
	return c.Client.Query(item, c.outputs)
}
