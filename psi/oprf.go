package psi

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
)

// OPRFPSI is the "oprf-psi" protocol, an elliptic-curve private set
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
// m = 1.3n+1 rows (public seed), and publishes row T[w] = a*H(x) for the
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
//	  |  OPRFTable: seed, m, L, m rows (32 B each) |  a*H(x) in cuckoo rows
//	  |<-------------------------------------------|  (setup, once)
//	  |                                            |
//	  |  OPRFVoucher: 3 x (Q_i 32 B, ct_i)         |
//	  |------------------------------------------->|  open ct_i with a*Q_i
//	  |          (nothing comes back)              |  -> match bit, and y
//
// Threat model: semi-honest server and device. The device learns the
// table size (hence the database size up to the 1.3 expansion) and
// nothing else: rows are pseudorandom under DDH, and no answer comes back.
// The server learns the match bit per voucher and, on a match, the hash y
// (the payload; Apple's payload is the visual derivative); on a non-match
// it learns nothing of y, since Q_i is uniformly distributed. A network
// observer sees the table download and one fixed-size voucher per image.
// A malicious server can put any hashes in the table (it is not
// verifiable: Apple's answer is a published root hash of the database and
// an intersection of two jurisdictions' lists, neither implemented here),
// use different keys for different rows or devices, or ship different
// tables to different devices. A malicious device can send garbage
// vouchers (the server sees a non-match), and can test any hash against
// the table offline only by running the protocol, since it cannot compute
// a*H(y) itself; it can evade trivially by not sending a voucher or
// sending one for another hash. Apple's design hides even the match bit
// below a threshold of about 30 matches via secret sharing and synthetic
// vouchers; this protocol does not.
var OPRFPSI Protocol = oprfProtocol{}

const oprfName = "oprf-psi"

func init() { Register(OPRFPSI) }

var (
	oprfGroup     = group.Ristretto255
	oprfDSTHash   = []byte("privmatch-oprf-psi-v1-H")
	oprfDSTDummy  = []byte("privmatch-oprf-psi-v1-dummy-row")
	oprfDSTScalar = []byte("privmatch-oprf-psi-v1-scalar")
	oprfKeyLabel  = "privmatch oprf-psi v1 voucher key"
)

// oprfElemSize is the encoded size of a ristretto255 element.
const oprfElemSize = 32

type oprfProtocol struct{}

func (oprfProtocol) Name() string { return oprfName }

func (oprfProtocol) Ledger() Ledger {
	return Ledger{
		Protocol: oprfName,
		ResultTo: "server",
		Setup:    "the blinded cuckoo table: 52 + 32*m bytes, m = 1.3n+1 rows, downloaded once per server key",
		Server: View{
			OnMatch:    []Fact{FactQueryHappened, FactMatchBit, FactQueryHash, FactMatchedEntry, FactTiming},
			OnNonMatch: []Fact{FactQueryHappened, FactMatchBit, FactTiming},
			Notes:      "on a match the voucher payload (the hash) opens; on a non-match nothing about the hash",
		},
		Client: View{
			OnMatch:    []Fact{FactDatabaseSize},
			OnNonMatch: []Fact{FactDatabaseSize},
			Notes:      "database size up to the 1.3 cuckoo expansion; no answer comes back",
		},
		Network: View{
			OnMatch:    []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			OnNonMatch: []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			Notes:      "sizes are fixed per image, so sizes do not reveal the match bit",
		},
		Model:           "semi-honest server and device; DDH in ristretto255, hash-to-curve as a random oracle, AES-GCM key-robust",
		MaliciousServer: "can fill the table with any hashes (unverifiable list), key rows or devices differently, or ship different tables to different devices",
		MaliciousClient: "can send garbage or another image's voucher (evasion), or none; cannot test hashes offline since it lacks the key",
		Claimed: []string{
			"device learns nothing about the list beyond its size (rows pseudorandom under DDH)",
			"server learns nothing about a non-matching hash (Q_i uniform)",
			"a non-matching voucher never opens (AES-GCM rejects a wrong key except with probability about 2^-128)",
		},
	}
}

func oprfRand(opts Options) io.Reader {
	if opts.Rand != nil {
		return opts.Rand
	}
	return rand.Reader
}

// oprfScalar draws a uniform non-zero scalar from rnd.
func oprfScalar(rnd io.Reader) (group.Scalar, error) {
	var buf [64]byte
	for {
		if _, err := io.ReadFull(rnd, buf[:]); err != nil {
			return nil, fmt.Errorf("psi: %s: randomness: %w", oprfName, err)
		}
		s := oprfGroup.HashToScalar(buf[:], oprfDSTScalar)
		if !s.IsZero() {
			return s, nil
		}
	}
}

// oprfItem is the byte string hashed to the curve and to cuckoo rows.
func oprfItem(h phash.Hash) []byte {
	b := append([]byte(h.Kind()), 0)
	b = binary.BigEndian.AppendUint16(b, uint16(h.Bits()))
	return append(b, h.Bytes()...)
}

func (oprfProtocol) NewServer(db *Database, opts Options) (Server, error) {
	if err := requireExact(oprfName, opts); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("psi: %s: nil database", oprfName)
	}
	if err := checkKind(db.Kind, db.Bits); err != nil {
		return nil, err
	}
	rnd := oprfRand(opts)
	seen := make(map[phash.Hash]struct{}, len(db.Hashes))
	var items [][]byte
	for _, h := range db.Hashes {
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		items = append(items, oprfItem(h))
	}
	m := cuckooRows(len(items))
	if m > (1<<31)/oprfElemSize {
		return nil, fmt.Errorf("psi: %s: database of %d entries too large", oprfName, len(items))
	}
	rows, seed, err := buildCuckoo(items, m, rnd)
	if err != nil {
		return nil, err
	}
	a, err := oprfScalar(rnd)
	if err != nil {
		return nil, err
	}
	var dummy [32]byte
	if _, err := io.ReadFull(rnd, dummy[:]); err != nil {
		return nil, fmt.Errorf("psi: %s: randomness: %w", oprfName, err)
	}
	t := &OPRFTable{Seed: seed, Rows: make([]byte, m*oprfElemSize)}
	L := oprfGroup.NewElement().MulGen(a)
	lb, err := L.MarshalBinaryCompress()
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", oprfName, err)
	}
	copy(t.L[:], lb)
	// Blind rows in parallel: the one-time server cost.
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for wkr := 0; wkr < workers; wkr++ {
		wg.Add(1)
		go func(wkr int) {
			defer wg.Done()
			e := oprfGroup.NewElement()
			var msg [36]byte
			copy(msg[:], dummy[:])
			for r := wkr; r < m; r += workers {
				if it := rows[r]; it >= 0 {
					e.Mul(oprfGroup.HashToElement(items[it], oprfDSTHash), a)
				} else {
					// A random row: hash of secret randomness, so its
					// logarithm is unknown to everyone.
					binary.BigEndian.PutUint32(msg[32:], uint32(r))
					e = oprfGroup.HashToElement(msg[:], oprfDSTDummy)
				}
				b, err := e.MarshalBinaryCompress()
				if err != nil {
					errs[wkr] = err
					return
				}
				copy(t.Rows[r*oprfElemSize:], b)
			}
		}(wkr)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("psi: %s: blind table: %w", oprfName, err)
		}
	}
	return &oprfServer{kind: db.Kind, bits: db.Bits, a: a, table: t}, nil
}

func (oprfProtocol) NewClient(kind phash.Kind, bits int, opts Options) (Client, error) {
	if err := requireExact(oprfName, opts); err != nil {
		return nil, err
	}
	if err := checkKind(kind, bits); err != nil {
		return nil, err
	}
	return &oprfClient{kind: kind, bits: bits, rnd: oprfRand(opts)}, nil
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

var zeroNonce [12]byte

type oprfServer struct {
	kind  phash.Kind
	bits  int
	a     group.Scalar
	table *OPRFTable
}

func (s *oprfServer) Protocol() string { return oprfName }
func (s *oprfServer) NewSession() (ServerSession, error) {
	return sharedSession{proto: oprfName, setup: s.table, query: func() (Steps, error) { return &oprfServerQuery{s: s}, nil }}, nil
}

type oprfServerQuery struct {
	serverQueryStart
	s       *oprfServer
	done    bool
	out     Outcome
	matched phash.Hash
	work    partWork
}

// partWork counts the server's work on a voucher's parts, so tests can
// check that it does not depend on the outcome.
type partWork struct {
	decoded, multiplied, opened int
}

func (q *oprfServerQuery) Expect() Message {
	if q.done {
		return nil
	}
	return &OPRFVoucher{bits: q.s.bits}
}

// Step opens the voucher: a*Q_i gives each part's key; a part that opens
// is a match and its payload is the device's hash. Every part is tried,
// whatever the earlier ones gave, so the server's work per voucher does
// not depend on the outcome.
func (q *oprfServerQuery) Step(in Message) (Message, error) {
	v, ok := in.(*OPRFVoucher)
	if !ok || q.done {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T", oprfName, in)
	}
	q.done = true
	q.out = Outcome{Known: true}
	Q, S := oprfGroup.NewElement(), oprfGroup.NewElement()
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
		pt, err := aead.Open(nil, zeroNonce[:], p.Ciphertext, append([]byte{byte(i)}, p.Q[:]...))
		if err != nil {
			continue
		}
		h, err := decodeHash(q.s.kind, q.s.bits, pt)
		if err != nil || q.out.Match {
			// A malicious device encrypted junk under the right key, or
			// a second part opened too.
			continue
		}
		q.out.Match = true
		q.matched = h
	}
	return nil, nil
}

func (q *oprfServerQuery) Outcome() Outcome { return q.out }

type oprfClient struct {
	kind  phash.Kind
	bits  int
	rnd   io.Reader
	mu    sync.Mutex // guards table and L, and serialises reads of rnd
	table *OPRFTable
	L     group.Element
}

func (c *oprfClient) Protocol() string { return oprfName }

// Setup downloads the blinded table.
func (c *oprfClient) Setup() (Steps, error) {
	return recvSetup(oprfName, func() Message { return &OPRFTable{} }, c.accept), nil
}

func (c *oprfClient) accept(m Message) error {
	t, ok := m.(*OPRFTable)
	if !ok {
		return fmt.Errorf("psi: %s client: setup got %T", oprfName, m)
	}
	L := oprfGroup.NewElement()
	if err := L.UnmarshalBinary(t.L[:]); err != nil || L.IsIdentity() {
		return fmt.Errorf("psi: %s client: table key L is not a valid non-identity element", oprfName)
	}
	c.mu.Lock()
	c.table, c.L = t, L
	c.mu.Unlock()
	return nil
}

func (c *oprfClient) NewQuery(h phash.Hash) (Steps, error) {
	c.mu.Lock()
	t, L := c.table, c.L
	c.mu.Unlock()
	if t == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", oprfName)
	}
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", oprfName, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	return &oprfClientQuery{c: c, t: t, L: L, h: h}, nil
}

// oprfClientQuery holds the device's secret per-query scalars only while
// Start runs; it has no wire methods.
type oprfClientQuery struct {
	c       *oprfClient
	t       *OPRFTable
	L       group.Element
	h       phash.Hash
	started bool
}

func (q *oprfClientQuery) Start() (Message, error) {
	if q.started {
		return nil, fmt.Errorf("psi: %s client: query already started", oprfName)
	}
	q.started = true
	c := q.c
	item := oprfItem(q.h)
	H := oprfGroup.HashToElement(item, oprfDSTHash)
	t := q.t
	pos := cuckooPositions(&t.Seed, uint32(t.rows()), item)
	payload := q.h.Bytes()
	v := &OPRFVoucher{bits: c.bits}
	for i, w := range pos {
		T := oprfGroup.NewElement()
		if err := T.UnmarshalBinary(t.Rows[int(w)*oprfElemSize : (int(w)+1)*oprfElemSize]); err != nil {
			return nil, fmt.Errorf("psi: %s client: table row %d is not a valid element", oprfName, w)
		}
		c.mu.Lock()
		b, err := oprfScalar(c.rnd)
		var g group.Scalar
		if err == nil {
			g, err = oprfScalar(c.rnd)
		}
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
		Q := oprfGroup.NewElement().Mul(H, b)
		Q.Add(Q, oprfGroup.NewElement().MulGen(g))
		S := oprfGroup.NewElement().Mul(T, b)
		S.Add(S, oprfGroup.NewElement().Mul(q.L, g))
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
		p.Ciphertext = aead.Seal(nil, zeroNonce[:], payload, append([]byte{byte(i)}, p.Q[:]...))
	}
	return v, nil
}

func (q *oprfClientQuery) Expect() Message { return nil }
func (q *oprfClientQuery) Step(in Message) (Message, error) {
	return nil, fmt.Errorf("psi: %s client: expects no reply", oprfName)
}

// Outcome is always unknown: the device learns nothing.
func (q *oprfClientQuery) Outcome() Outcome { return Outcome{} }
