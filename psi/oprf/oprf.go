// Package oprf is the "oprf-psi" protocol; see Protocol.
package oprf

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
)

// Protocol is the "oprf-psi" protocol, an elliptic-curve private set
// membership in the shape of Apple's PSI (Bhowmick, Boneh, Myers, Talwar,
// Tarbe, "The Apple PSI System", 2021), without its threshold secret
// sharing and synthetic vouchers: the server learns, per image, whether it
// matched; the device learns nothing.
//
// The group is ristretto255 (circl's group package); H is hash-to-curve
// per RFC 9380 (ristretto255_XMD:SHA-512_R255MAP_RO_) with the domain
// "privmatch-oprf-psi-v1-H" over kind || 0 || bits || hash bytes.
//
// Setup (once per server key, shipped to every device): the server picks a
// secret scalar a, places its distinct hashes in a 3-way cuckoo table of
// m rows (1.3n+1 padded to 3 significant bits; public seed), and
// publishes row T[w] = a*H(x) for the
// hash x placed at w, a random element of unknown logarithm in empty rows,
// and L = a*G.
//
// Per image with hash y, for each of y's three cuckoo rows w_i, the device
// picks random non-zero b, c and computes
//
//	Q_i = b*H(y) + c*G      S_i = b*T[w_i] + c*L
//	K_i = HKDF-SHA256(S_i, info = label || i || Q_i)
//	ct_i = AES-256-GCM(K_i, nonce 0, payload = y's bytes, ad = i || Q_i)
//
// and sends the voucher (Q_1, ct_1, Q_2, ct_2, Q_3, ct_3). The server
// computes a*Q_i, derives K'_i and opens ct_i. If T[w_i] = a*H(y), then
// a*Q_i = S_i and the payload opens; otherwise a*Q_i differs from S_i and
// AES-GCM rejects (keys are single-use, so the fixed nonce is safe).
//
//	device                                     server (secret a)
//	  |  Table: seed, m, L, m rows (32 B each) |  a*H(x) in cuckoo rows
//	  |<-------------------------------------------|  (setup, once)
//	  |                                            |
//	  |  Voucher: 3 x (Q_i 32 B, ct_i)         |
//	  |------------------------------------------->|  open ct_i with a*Q_i
//	  |          (nothing comes back)              |  -> match bit, and y
//
// Threat model: semi-honest server and device. The device learns the
// table size (hence the database size to within about 9/8) and
// nothing else: rows are pseudorandom under DDH, and no answer comes back.
// The server learns the match bit per voucher and, on a match, the hash y
// (the payload; Apple's payload is the visual derivative); on a non-match
// it learns nothing of y, since Q_i is uniformly distributed. A network
// observer sees the table download and one fixed-size voucher per image.
// A malicious server can put any hashes in the table and use different
// keys for different rows. With Options.Audit the device checks at setup
// that the table, its seed and L are those of the publisher's signed head
// (NewAuditedServer, AuditedTable, package audit), so a server that ships
// a different table to some devices is refused, and caught when devices
// compare heads; the check shows everyone got the same table, not that
// its list is right. A malicious device can send garbage
// vouchers (the server sees a non-match); it can make a part open from the
// public L alone (Q = r*G, S = r*L), so the server counts an opened part as
// a match only if its payload is a listed hash placed in that part's row.
// It can test any hash against
// the table offline only by running the protocol, since it cannot compute
// a*H(y) itself; it can evade trivially by not sending a voucher or
// sending one for another hash. Apple's design hides even the match bit
// below a threshold of about 30 matches via secret sharing and synthetic
// vouchers; this protocol does not.
var Protocol psi.Protocol = oprfProtocol{kit.Fixed{Proto: oprfName, LedgerJSON: ledgerJSON, Dir: "psi/oprf"}}

// ledgerJSON is the protocol's ledger as data.
//
//go:embed ledger.json
var ledgerJSON []byte

const oprfName = "oprf-psi"

func init() { psi.Register(Protocol) }

const oprfKeyLabel = "privmatch oprf-psi v1 voucher key"

type oprfProtocol struct{ kit.Fixed }

func (oprfProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.ExactServer(oprfName, db, opts); err != nil {
		return nil, err
	}
	k, err := BuildTable(db, ec.Rand(opts))
	if err != nil {
		return nil, err
	}
	dummy := make([]byte, len(k.Kind)+3+kit.HashBytes(k.Bits))
	return &oprfServer{kind: k.Kind, bits: k.Bits, a: k.Key, table: k.Table, keyed: k, dummy: dummy}, nil
}

// Table is the blinded cuckoo table the server ships once: the cuckoo
// seed, the public key L = a*G and m rows of 32-byte ristretto255
// elements. The device keeps the rows encoded and decodes only the rows
// it looks up.
type Table = ec.Table

// Keyed is a database's blinded table with its secret key a.
type Keyed = ec.Keyed

// BuildTable is oprf-psi's table builder, exported for the protocols
// built on its match test (threshold-psi): it places db's distinct hashes
// in a 3-way cuckoo table of m rows (1.3n+1, padded; see Rows in
// psi/internal/ec), draws the secret key a and
// blinds every row (a*H(x), or a random element in empty rows).
func BuildTable(db *psi.Database, rnd io.Reader) (*Keyed, error) { return ec.BuildTable(db, rnd) }

func (oprfProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if err := kit.ExactClient(oprfName, true, kind, bits, opts); err != nil {
		return nil, err
	}
	return &oprfClient{kind: kind, bits: bits, rnd: ec.Rand(opts), audit: opts.Audit}, nil
}

// voucherKey derives part i's AEAD from the shared element S and Q.
func voucherKey(S group.Element, i int, q []byte) (cipher.AEAD, error) {
	sb, err := S.MarshalBinaryCompress()
	if err != nil {
		return nil, err
	}
	info := append([]byte(oprfKeyLabel), byte(i))
	info = append(info, q...)
	key, err := hkdf.Key(sha256.New, sb, nil, string(info), 32)
	if err != nil {
		return nil, err
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

type oprfServer struct {
	kind  phash.Kind
	bits  int
	a     group.Scalar
	table *Table
	keyed *Keyed
	// dummy is a well-formed item no hash encodes to, checked when a
	// part does not open so that every part costs the same.
	dummy []byte
	// down is the setup message: the table, or an AuditedTable.
	down psi.Message
}

func (s *oprfServer) Protocol() string { return oprfName }

// dummyItem is an item of a listed hash's length that no hash encodes to
// (its kind is empty).
func (s *oprfServer) dummyItem() []byte { return s.dummy }
func (s *oprfServer) NewSession() (psi.ServerSession, error) {
	down := s.down
	if down == nil {
		down = s.table
	}
	return kit.Shared{Proto: oprfName, Down: down, Query: func() (psi.Steps, error) { return &oprfServerQuery{s: s}, nil }}, nil
}

type oprfServerQuery struct {
	kit.ServerStart
	s       *oprfServer
	done    bool
	out     psi.Outcome
	matched phash.Hash
	work    partWork
}

// partWork counts the server's work on a voucher's parts, so tests can
// check that it does not depend on the outcome.
type partWork struct {
	decoded, multiplied, opened, checked int
}

func (q *oprfServerQuery) Expect() psi.Message {
	if q.done {
		return nil
	}
	return &Voucher{bits: q.s.bits}
}

// Step opens the voucher: a*Q_i gives each part's key; a part that opens
// is a match only if its payload is a listed hash placed in that part's
// cuckoo row (a part forged from the public L opens for any payload; see
// ec.Keyed.Placed). Every part is tried and checked, whatever the earlier
// ones gave, so the server's work per voucher does not depend on the
// outcome.
func (q *oprfServerQuery) Step(in psi.Message) (psi.Message, error) {
	v, ok := in.(*Voucher)
	if !ok || q.done {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T", oprfName, in)
	}
	q.done = true
	q.out = psi.Outcome{Known: true}
	Q, S := ec.Group.NewElement(), ec.Group.NewElement()
	for i := range v.Parts {
		p := &v.Parts[i]
		q.work.decoded++
		if err := Q.UnmarshalBinary(p.Q[:]); err != nil {
			return nil, fmt.Errorf("psi: %s server: voucher part %d: bad element", oprfName, i)
		}
		q.work.multiplied++
		aead, err := voucherKey(S.Mul(Q, q.s.a), i, p.Q[:])
		if err != nil {
			return nil, fmt.Errorf("psi: %s server: %w", oprfName, err)
		}
		q.work.opened++
		pt, err := aead.Open(nil, ec.ZeroNonce[:], p.Ciphertext, append([]byte{byte(i)}, p.Q[:]...))
		var h phash.Hash
		if err == nil {
			h, err = kit.DecodeHash(q.s.kind, q.s.bits, pt)
		}
		item := q.s.dummyItem()
		if err == nil {
			item = ec.Item(h)
		}
		q.work.checked++
		if !q.s.keyed.Placed(item, i) || err != nil || q.out.Match {
			// The part did not open, a device sealed junk or an unlisted
			// hash under a key it forged from L, or a second part opened.
			continue
		}
		q.out.Match = true
		q.matched = h
	}
	return nil, nil
}

func (q *oprfServerQuery) Outcome() psi.Outcome { return q.out }

type oprfClient struct {
	kind phash.Kind
	bits int
	rnd  io.Reader
	// audit, when set, checks an AuditedTable at setup.
	audit *audit.Device
	mu    sync.Mutex // guards table and L, and serialises reads of rnd
	table *Table
	L     group.Element
}

func (c *oprfClient) Protocol() string { return oprfName }

// Setup downloads the blinded table; with Options.Audit, an
// AuditedTable, which must pass the device's audit check.
func (c *oprfClient) Setup() (psi.Steps, error) {
	return kit.RecvTable(oprfName, c.audit != nil, func() psi.Message { return &Table{} }, func() psi.Message { return &AuditedTable{} }, c.accept), nil
}

func (c *oprfClient) accept(m psi.Message) error {
	var t *Table
	switch m := m.(type) {
	case *Table:
		if err := kit.AuditMatches(oprfName, c.audit != nil, false); err != nil {
			return err
		}
		t = m
	case *AuditedTable:
		if err := kit.AuditMatches(oprfName, c.audit != nil, true); err != nil {
			return err
		}
		if err := c.checkServed(m); err != nil {
			return err
		}
		t = &m.Table
	default:
		return fmt.Errorf("psi: %s client: setup got %T", oprfName, m)
	}
	L, err := ec.TableKey(oprfName, t.L[:])
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.table, c.L = t, L
	c.mu.Unlock()
	return nil
}

func (c *oprfClient) NewQuery(h phash.Hash) (psi.Steps, error) {
	c.mu.Lock()
	t, L := c.table, c.L
	c.mu.Unlock()
	if err := ec.CheckQuery(oprfName, t != nil, h, c.kind, c.bits); err != nil {
		return nil, err
	}
	return &oprfClientQuery{c: c, t: t, L: L, h: h}, nil
}

// oprfClientQuery holds the device's secret per-query scalars only while
// Start runs; it has no wire methods.
type oprfClientQuery struct {
	c       *oprfClient
	t       *Table
	L       group.Element
	h       phash.Hash
	started bool
}

func (q *oprfClientQuery) Start() (psi.Message, error) {
	if q.started {
		return nil, fmt.Errorf("psi: %s client: query already started", oprfName)
	}
	q.started = true
	c := q.c
	item := ec.Item(q.h)
	H := ec.Group.HashToElement(item, ec.DSTHash)
	t := q.t
	pos := ec.Positions(&t.Seed, uint32(t.NumRows()), item)
	payload := q.h.Bytes()
	v := &Voucher{bits: c.bits}
	for i, w := range pos {
		T := ec.Group.NewElement()
		if err := T.UnmarshalBinary(t.Rows[int(w)*ec.ElemSize : (int(w)+1)*ec.ElemSize]); err != nil {
			return nil, fmt.Errorf("psi: %s client: table row %d is not a valid element", oprfName, w)
		}
		c.mu.Lock()
		b, err := ec.Scalar(c.rnd)
		var g group.Scalar
		if err == nil {
			g, err = ec.Scalar(c.rnd)
		}
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
		Q := ec.Group.NewElement().Mul(H, b)
		Q.Add(Q, ec.Group.NewElement().MulGen(g))
		S := ec.Group.NewElement().Mul(T, b)
		S.Add(S, ec.Group.NewElement().Mul(q.L, g))
		qb, err := Q.MarshalBinaryCompress()
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", oprfName, err)
		}
		p := &v.Parts[i]
		copy(p.Q[:], qb)
		aead, err := voucherKey(S, i, p.Q[:])
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", oprfName, err)
		}
		p.Ciphertext = aead.Seal(nil, ec.ZeroNonce[:], payload, append([]byte{byte(i)}, p.Q[:]...))
	}
	return v, nil
}

func (q *oprfClientQuery) Expect() psi.Message { return nil }
func (q *oprfClientQuery) Step(in psi.Message) (psi.Message, error) {
	return nil, fmt.Errorf("psi: %s client: expects no reply", oprfName)
}

// Outcome is always unknown: the device learns nothing.
func (q *oprfClientQuery) Outcome() psi.Outcome { return psi.Outcome{} }
