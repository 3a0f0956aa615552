package psi

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
)

// NewThresholdPSI returns the "threshold-psi" protocol with threshold k and
// synthetic rate s: account-level reporting in the shape of Apple's PSI
// (Bhowmick et al. 2021), built on oprf-psi's blinded cuckoo table and
// match test. The protocol is not in the registry: the registry's
// conformance suite (psitest) requires that some side learn each query's
// match bit, which this protocol withholds by design below k.
//
// Each account (one Client) holds a secret s0 and a random polynomial f
// of degree k-1 with f(0) = s0 over the ristretto255 scalar field, and
// publishes in every voucher C = SHA-256(label || account || s0). Per
// image with hash y the device draws a fresh non-zero x, seals the payload
// (y's bytes) under a key derived from s0 and x (the inner layer), and
// seals the share (x, f(x)) with the inner ciphertext under oprf-psi's
// per-row key (the outer layer), which the server derives only when y is
// in its table. Parts are shuffled so their order tells nothing.
//
// With probability s a voucher is synthetic instead: one part's outer key
// is built from Q = c*G, S = c*L, so it opens for the server whatever the
// table holds, and carries a random (x, y) and a random inner ciphertext;
// the other parts are random and never open. The device knows which
// vouchers are synthetic; the server cannot tell until it knows s0, and
// a listed image whose voucher came out synthetic does not count.
//
//	device (account: s0, f, C)                    server (secret a)
//	  |  ThresholdSetup: k, s, blinded table         |
//	  |<---------------------------------------------|  (once)
//	  |  ThresholdVoucher: account, C,               |
//	  |    3 x (Q_i, Enc_{K(S_i)}(x, f(x), inner))   |
//	  |--------------------------------------------->|  open with a*Q_i;
//	  |          (nothing comes back)                |  collect shares per
//	  |                                              |  account; decode
//
// Reconstruction: once an account has at least k opened shares the server
// runs Berlekamp-Welch decoding on all of them and accepts f only if
// SHA-256(label || account || f(0)) = C; it then derives the inner keys,
// opens the inner layer of every genuine share and marks as synthetic
// every share whose inner layer does not open. Decoding succeeds when
// g >= k + z (g genuine and z synthetic opened shares), so the synthetic
// rate raises the effective threshold by the number of synthetic shares;
// its cost is one linear solve of O(m^3) scalar operations per attempt,
// m = g + z, attempted each time a share opens while m >= k.
//
// Threat model: semi-honest server and device, as oprf-psi. Below the
// threshold the server learns, per account, the number m = g + z of
// vouchers whose outer layer opened, and nothing else about which or how
// many matched beyond what m's distribution says (quantified by
// bench.ThresholdLeak); above it, every genuine match's payload and which
// vouchers were synthetic. A malicious server can lower k or s in its
// setup (the device refuses a policy other than its own), or fill the
// table with anything (see package audit). A malicious device can send
// shares off the polynomial, which only delays its own reconstruction.
func NewThresholdPSI(p ThresholdParams) (Protocol, error) {
	if p.K < 1 || p.K > MaxThreshold {
		return nil, fmt.Errorf("psi: %s: threshold %d outside 1..%d", thresholdName, p.K, MaxThreshold)
	}
	if !(p.SyntheticRate >= 0 && p.SyntheticRate < 1) {
		return nil, fmt.Errorf("psi: %s: synthetic rate %v outside [0, 1)", thresholdName, p.SyntheticRate)
	}
	return thresholdProtocol{k: p.K, rate32: uint32(math.Round(p.SyntheticRate * (1 << 32)))}, nil
}

// ThresholdParams is the server's reporting policy.
type ThresholdParams struct {
	// K is the number of genuine matches that opens an account.
	K int
	// SyntheticRate is the probability that a voucher is synthetic.
	SyntheticRate float64
}

// ThresholdDefaults is Apple's published threshold (30) with a synthetic
// rate of 1% (Apple did not publish its rate; vary it).
var ThresholdDefaults = ThresholdParams{K: 30, SyntheticRate: 0.01}

const thresholdName = "threshold-psi"

var (
	thresholdCommitLabel = []byte("privmatch threshold-psi v1 commit")
	thresholdOuterLabel  = "privmatch threshold-psi v1 outer key"
	thresholdInnerLabel  = "privmatch threshold-psi v1 inner key"
)

type thresholdProtocol struct {
	k      int
	rate32 uint32
}

func (thresholdProtocol) Name() string { return thresholdName }

func (p thresholdProtocol) Ledger() Ledger {
	return Ledger{
		Protocol: thresholdName,
		ResultTo: "server",
		Setup:    "k, s and the blinded cuckoo table: 58 + 32*m bytes, m = 1.3n+1, once per server key",
		Server: View{
			OnMatch:    []Fact{FactQueryHappened, FactTiming},
			OnNonMatch: []Fact{FactQueryHappened, FactTiming},
			Notes: fmt.Sprintf("below the threshold (k=%d) only the per-account count of opened vouchers m = matches + synthetic; "+
				"once genuine - synthetic >= k: every match bit, every matched hash and which vouchers were synthetic", p.k),
		},
		Client: View{
			OnMatch:    []Fact{FactDatabaseSize},
			OnNonMatch: []Fact{FactDatabaseSize},
			Notes:      "database size up to the cuckoo expansion; no answer comes back",
		},
		Network: View{
			OnMatch:    []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			OnNonMatch: []Fact{FactDatabaseSize, FactQueryHappened, FactMessageSizes, FactTiming},
			Notes:      "one fixed-size voucher per image, tagged with the account",
		},
		Model:           "semi-honest server and device; DDH in ristretto255, hash-to-curve and SHA-256 as random oracles, AES-GCM",
		MaliciousServer: "as oprf-psi (any table, per-device tables); cannot lower k or s unseen since the device checks the policy",
		MaliciousClient: "can withhold, corrupt or fake vouchers (evasion); off-polynomial shares only delay its own reconstruction",
		Claimed: []string{
			"synthetic and genuine opened shares are indistinguishable before reconstruction (uniform (x, y), uniform Q)",
			"k-1 genuine shares of a degree k-1 polynomial reveal nothing about f(0) (Shamir)",
		},
	}
}

func (p thresholdProtocol) NewServer(db *Database, opts Options) (Server, error) {
	inner, err := OPRFPSI.NewServer(db, opts)
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", thresholdName, err)
	}
	o := inner.(*oprfServer)
	return &ThresholdServer{
		k: p.k, rate32: p.rate32, kind: o.kind, bits: o.bits, a: o.a,
		setup:    &ThresholdSetup{K: p.k, Rate32: p.rate32, Table: *o.table},
		accounts: map[AccountID]*thresholdAccount{},
	}, nil
}

func (p thresholdProtocol) NewClient(kind phash.Kind, bits int, opts Options) (Client, error) {
	if err := requireExact(thresholdName, opts); err != nil {
		return nil, err
	}
	if err := checkKind(kind, bits); err != nil {
		return nil, err
	}
	c := &ThresholdClient{k: p.k, rate32: p.rate32, kind: kind, bits: bits, rnd: oprfRand(opts)}
	if _, err := io.ReadFull(c.rnd, c.account[:]); err != nil {
		return nil, fmt.Errorf("psi: %s: randomness: %w", thresholdName, err)
	}
	c.coef = make([]group.Scalar, p.k)
	for i := range c.coef {
		s, err := oprfScalar(c.rnd)
		if err != nil {
			return nil, err
		}
		c.coef[i] = s
	}
	c.commit = thresholdCommit(c.account, c.coef[0])
	return c, nil
}

func thresholdCommit(acct AccountID, s0 group.Scalar) [32]byte {
	sb, _ := s0.MarshalBinary()
	h := sha256.New()
	h.Write(thresholdCommitLabel)
	h.Write(acct[:])
	h.Write(sb)
	var c [32]byte
	h.Sum(c[:0])
	return c
}

func gcmFromKey(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// thresholdOuterKey derives the outer AEAD from the shared element S.
func thresholdOuterKey(S group.Element, q []byte) (cipher.AEAD, error) {
	sb, err := S.MarshalBinaryCompress()
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, sb, nil, thresholdOuterLabel+string(q), 32)
	if err != nil {
		return nil, err
	}
	return gcmFromKey(key)
}

// thresholdInnerKey derives the inner AEAD of the share at x from s0.
func thresholdInnerKey(acct AccountID, s0 group.Scalar, xb []byte) (cipher.AEAD, error) {
	sb, err := s0.MarshalBinary()
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, sb, acct[:], thresholdInnerLabel+string(xb), 32)
	if err != nil {
		return nil, err
	}
	return gcmFromKey(key)
}

func outerAD(v *ThresholdVoucher, q []byte) []byte {
	ad := make([]byte, 0, thresholdHeader+len(q))
	ad = append(ad, v.Account[:]...)
	ad = append(ad, v.Commit[:]...)
	return append(ad, q...)
}

// ThresholdClient is one account's device. It holds the account's secret
// polynomial and has no wire methods. Safe for concurrent queries after
// Setup.
type ThresholdClient struct {
	k      int
	rate32 uint32
	kind   phash.Kind
	bits   int
	rnd    io.Reader
	mu     sync.Mutex // serialises reads of rnd
	table  *OPRFTable
	L      group.Element

	account AccountID
	commit  [32]byte
	coef    []group.Scalar

	synth   int // vouchers sent synthetic, for tests and simulation
	genuine int
}

// Account returns the account's identifier.
func (c *ThresholdClient) Account() AccountID { return c.account }

// Synthetic returns how many of the vouchers built so far were synthetic,
// and how many were genuine. Only the device knows this.
func (c *ThresholdClient) Synthetic() (synthetic, genuine int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synth, c.genuine
}

// Protocol names the protocol.
func (c *ThresholdClient) Protocol() string { return thresholdName }

// Setup downloads the policy and the table; the device checks the
// policy against its own and keeps the table.
func (c *ThresholdClient) Setup() (Steps, error) {
	return recvSetup(thresholdName, func() Message { return &ThresholdSetup{} }, c.accept), nil
}

func (c *ThresholdClient) accept(m Message) error {
	t, ok := m.(*ThresholdSetup)
	if !ok {
		return fmt.Errorf("psi: %s client: setup got %T", thresholdName, m)
	}
	if t.K != c.k || t.Rate32 != c.rate32 {
		return fmt.Errorf("psi: %s client: server policy k=%d s=%d/2^32, device expects k=%d s=%d/2^32", thresholdName, t.K, t.Rate32, c.k, c.rate32)
	}
	L := oprfGroup.NewElement()
	if err := L.UnmarshalBinary(t.Table.L[:]); err != nil || L.IsIdentity() {
		return fmt.Errorf("psi: %s client: table key L is not a valid non-identity element", thresholdName)
	}
	c.mu.Lock()
	c.table, c.L = &t.Table, L
	c.mu.Unlock()
	return nil
}

// NewQuery starts the voucher for one image's hash.
func (c *ThresholdClient) NewQuery(h phash.Hash) (Steps, error) {
	c.mu.Lock()
	t, L := c.table, c.L
	c.mu.Unlock()
	if t == nil {
		return nil, fmt.Errorf("psi: %s client: query before setup", thresholdName)
	}
	if h.Kind() != c.kind || h.Bits() != c.bits {
		return nil, fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", thresholdName, h.Kind(), h.Bits(), c.kind, c.bits)
	}
	return &thresholdClientQuery{c: c, table: t, L: L, h: h}, nil
}

// random reads n bytes under the lock.
func (c *ThresholdClient) random(n int) ([]byte, error) {
	b := make([]byte, n)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.ReadFull(c.rnd, b); err != nil {
		return nil, fmt.Errorf("psi: %s: randomness: %w", thresholdName, err)
	}
	return b, nil
}

func (c *ThresholdClient) scalar() (group.Scalar, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return oprfScalar(c.rnd)
}

type thresholdClientQuery struct {
	c       *ThresholdClient
	table   *OPRFTable
	L       group.Element
	h       phash.Hash
	started bool
}

func (q *thresholdClientQuery) Expect() Message { return nil }
func (q *thresholdClientQuery) Step(in Message) (Message, error) {
	return nil, fmt.Errorf("psi: %s client: expects no reply", thresholdName)
}

// Outcome is always unknown: the device learns nothing.
func (q *thresholdClientQuery) Outcome() Outcome { return Outcome{} }

// junkPart is a part that never opens: a uniform element and random bytes.
func (c *ThresholdClient) junkPart(p *ThresholdVoucherPart) error {
	r, err := c.scalar()
	if err != nil {
		return err
	}
	qb, err := oprfGroup.NewElement().MulGen(r).MarshalBinaryCompress()
	if err != nil {
		return err
	}
	copy(p.Q[:], qb)
	p.Outer, err = c.random(thresholdOuterLen(c.bits))
	return err
}

func (q *thresholdClientQuery) Start() (Message, error) {
	if q.started {
		return nil, fmt.Errorf("psi: %s client: query already started", thresholdName)
	}
	q.started = true
	c := q.c
	v := &ThresholdVoucher{bits: c.bits, Account: c.account, Commit: c.commit}
	coin, err := c.random(5)
	if err != nil {
		return nil, err
	}
	synthetic := binary.BigEndian.Uint32(coin) < c.rate32
	// The share and inner layer, or their synthetic stand-ins.
	var x group.Scalar
	for x == nil || x.IsZero() {
		if x, err = c.scalar(); err != nil {
			return nil, err
		}
	}
	xb, _ := x.MarshalBinary()
	var plain []byte
	if synthetic {
		rest, err := c.random(thresholdInnerLen(c.bits))
		if err != nil {
			return nil, err
		}
		// A uniform y: reduce 64 random bytes to a scalar.
		y, err := c.scalar()
		if err != nil {
			return nil, err
		}
		yb, _ := y.MarshalBinary()
		plain = append(append(xb, yb...), rest...)
	} else {
		yb, _ := polyEval(c.coef, x).MarshalBinary()
		aead, err := thresholdInnerKey(c.account, c.coef[0], xb)
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", thresholdName, err)
		}
		inner := aead.Seal(nil, zeroNonce[:], q.h.Bytes(), append(c.account[:], xb...))
		plain = append(append(xb, yb...), inner...)
	}
	// Parts in a random order: perm[i] is the slot of way i.
	pb, err := c.random(2)
	if err != nil {
		return nil, err
	}
	perm := [cuckooWays]int{0, 1, 2}
	for i := cuckooWays - 1; i > 0; i-- {
		j := int(pb[i-1]) % (i + 1) // bias below 1%, irrelevant: slots are symmetric for the server
		perm[i], perm[j] = perm[j], perm[i]
	}
	if synthetic {
		// Way 0's slot opens unconditionally; the others are junk.
		cs, err := c.scalar()
		if err != nil {
			return nil, err
		}
		p := &v.Parts[perm[0]]
		qb, err := oprfGroup.NewElement().MulGen(cs).MarshalBinaryCompress()
		if err != nil {
			return nil, err
		}
		copy(p.Q[:], qb)
		aead, err := thresholdOuterKey(oprfGroup.NewElement().Mul(q.L, cs), p.Q[:])
		if err != nil {
			return nil, fmt.Errorf("psi: %s client: %w", thresholdName, err)
		}
		p.Outer = aead.Seal(nil, zeroNonce[:], plain, outerAD(v, p.Q[:]))
		for i := 1; i < cuckooWays; i++ {
			if err := c.junkPart(&v.Parts[perm[i]]); err != nil {
				return nil, err
			}
		}
	} else {
		item := oprfItem(q.h)
		H := oprfGroup.HashToElement(item, oprfDSTHash)
		t := q.table
		pos := cuckooPositions(&t.Seed, uint32(t.rows()), item)
		for i, w := range pos {
			p := &v.Parts[perm[i]]
			dup := false
			for j := 0; j < i; j++ {
				dup = dup || pos[j] == w
			}
			if dup {
				// A repeated row would open twice; send junk instead.
				if err := c.junkPart(p); err != nil {
					return nil, err
				}
				continue
			}
			T := oprfGroup.NewElement()
			if err := T.UnmarshalBinary(t.Rows[int(w)*oprfElemSize : (int(w)+1)*oprfElemSize]); err != nil {
				return nil, fmt.Errorf("psi: %s client: table row %d is not a valid element", thresholdName, w)
			}
			b, err := c.scalar()
			if err != nil {
				return nil, err
			}
			g, err := c.scalar()
			if err != nil {
				return nil, err
			}
			Q := oprfGroup.NewElement().Mul(H, b)
			Q.Add(Q, oprfGroup.NewElement().MulGen(g))
			S := oprfGroup.NewElement().Mul(T, b)
			S.Add(S, oprfGroup.NewElement().Mul(q.L, g))
			qb, err := Q.MarshalBinaryCompress()
			if err != nil {
				return nil, fmt.Errorf("psi: %s client: %w", thresholdName, err)
			}
			copy(p.Q[:], qb)
			aead, err := thresholdOuterKey(S, p.Q[:])
			if err != nil {
				return nil, fmt.Errorf("psi: %s client: %w", thresholdName, err)
			}
			p.Outer = aead.Seal(nil, zeroNonce[:], plain, outerAD(v, p.Q[:]))
		}
	}
	c.mu.Lock()
	if synthetic {
		c.synth++
	} else {
		c.genuine++
	}
	c.mu.Unlock()
	return v, nil
}

// ThresholdServer is the server role of threshold-psi. It keeps, per
// account, the shares whose outer layer opened, and reconstructs the
// account's secret once it can. Safe for concurrent use.
type ThresholdServer struct {
	k      int
	rate32 uint32
	kind   phash.Kind
	bits   int
	a      group.Scalar
	setup  *ThresholdSetup

	mu       sync.Mutex
	accounts map[AccountID]*thresholdAccount
}

type thresholdShare struct {
	x, y  group.Scalar
	xb    []byte
	inner []byte
	// After reconstruction: genuine (inner opened) and the payload.
	genuine bool
	payload phash.Hash
}

type thresholdAccount struct {
	mu       sync.Mutex
	commit   [32]byte
	vouchers int
	shares   []*thresholdShare
	xs       map[[32]byte]bool
	open     bool
	s0       group.Scalar
	attempts int
	decode   time.Duration
}

// AccountReport is what the server knows about one account.
type AccountReport struct {
	// Vouchers is the number of vouchers received; Opened the number
	// whose outer layer opened (genuine matches plus synthetic): all the
	// server learns below the threshold.
	Vouchers, Opened int
	// Reconstructed is true once the account's secret was recovered.
	Reconstructed bool
	// Genuine and Synthetic split Opened, known only after
	// reconstruction; Matches are the genuine shares' payloads.
	Genuine, Synthetic int
	Matches            []phash.Hash
	// Attempts and DecodeTime are the reconstruction attempts so far and
	// the time they took.
	Attempts   int
	DecodeTime time.Duration
}

// Account reports what the server knows about an account.
func (s *ThresholdServer) Account(id AccountID) AccountReport {
	s.mu.Lock()
	a := s.accounts[id]
	s.mu.Unlock()
	if a == nil {
		return AccountReport{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	r := AccountReport{Vouchers: a.vouchers, Opened: len(a.shares), Reconstructed: a.open, Attempts: a.attempts, DecodeTime: a.decode}
	if a.open {
		for _, sh := range a.shares {
			if sh.genuine {
				r.Genuine++
				r.Matches = append(r.Matches, sh.payload)
			} else {
				r.Synthetic++
			}
		}
	}
	return r
}

// Protocol names the protocol.
func (s *ThresholdServer) Protocol() string { return thresholdName }

// NewSession starts a device's session: the policy and the blinded table
// down, then one voucher per query. Accounts are shared by all sessions.
func (s *ThresholdServer) NewSession() (ServerSession, error) {
	return sharedSession{proto: thresholdName, setup: s.setup, query: func() (Steps, error) { return &thresholdServerQuery{s: s}, nil }}, nil
}

type thresholdServerQuery struct {
	serverQueryStart
	s    *ThresholdServer
	work partWork
	done bool
	out  Outcome
}

func (q *thresholdServerQuery) Expect() Message {
	if q.done {
		return nil
	}
	return &ThresholdVoucher{bits: q.s.bits}
}

// Outcome is unknown until the voucher's account has been reconstructed;
// then it is whether this voucher was a genuine match.
func (q *thresholdServerQuery) Outcome() Outcome { return q.out }

// Step opens what it can of the voucher, files the share under its
// account and tries reconstruction when the account has k shares or more.
func (q *thresholdServerQuery) Step(in Message) (Message, error) {
	v, ok := in.(*ThresholdVoucher)
	if !ok || q.done {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T", thresholdName, in)
	}
	q.done = true
	s := q.s
	// Every part is tried, whatever the earlier ones gave, so the work
	// of opening a voucher does not depend on whether it opens.
	var share *thresholdShare
	Q, S := oprfGroup.NewElement(), oprfGroup.NewElement()
	for i := range v.Parts {
		p := &v.Parts[i]
		q.work.decoded++
		if err := Q.UnmarshalBinary(p.Q[:]); err != nil {
			return nil, fmt.Errorf("psi: %s server: voucher part %d: bad element", thresholdName, i)
		}
		q.work.multiplied++
		aead, err := thresholdOuterKey(S.Mul(Q, s.a), p.Q[:])
		if err != nil {
			return nil, fmt.Errorf("psi: %s server: %w", thresholdName, err)
		}
		q.work.opened++
		pt, err := aead.Open(nil, zeroNonce[:], p.Outer, outerAD(v, p.Q[:]))
		if err != nil {
			continue
		}
		x, y := oprfGroup.NewScalar(), oprfGroup.NewScalar()
		if x.UnmarshalBinary(pt[:32]) != nil || y.UnmarshalBinary(pt[32:64]) != nil || x.IsZero() || share != nil {
			// A device sealed a malformed share under the right key, or
			// a second part opened too.
			continue
		}
		share = &thresholdShare{x: x, y: y, xb: pt[:32], inner: pt[64:]}
	}
	s.mu.Lock()
	a := s.accounts[v.Account]
	if a == nil {
		a = &thresholdAccount{commit: v.Commit, xs: map[[32]byte]bool{}}
		s.accounts[v.Account] = a
	}
	s.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if v.Commit != a.commit {
		return nil, fmt.Errorf("psi: %s server: voucher's key commitment differs from its account's", thresholdName)
	}
	a.vouchers++
	if share == nil {
		if a.open {
			q.out = Outcome{Known: true}
		}
		return nil, nil
	}
	var xk [32]byte
	copy(xk[:], share.xb)
	if a.xs[xk] {
		return nil, fmt.Errorf("psi: %s server: repeated share x-coordinate", thresholdName)
	}
	a.xs[xk] = true
	a.shares = append(a.shares, share)
	switch {
	case a.open:
		s.classify(v.Account, a, share)
	case len(a.shares) >= s.k:
		s.reconstruct(v.Account, a)
	}
	if a.open {
		q.out = Outcome{Known: true, Match: share.genuine}
	}
	return nil, nil
}

// reconstruct decodes the account's shares; on success it classifies every
// share. The caller holds a.mu.
func (s *ThresholdServer) reconstruct(id AccountID, a *thresholdAccount) {
	t0 := time.Now()
	defer func() { a.decode += time.Since(t0); a.attempts++ }()
	xs := make([]group.Scalar, len(a.shares))
	ys := make([]group.Scalar, len(a.shares))
	for i, sh := range a.shares {
		xs[i], ys[i] = sh.x, sh.y
	}
	f, err := decodeShares(xs, ys, s.k)
	if err != nil {
		return
	}
	if thresholdCommit(id, f[0]) != a.commit {
		return
	}
	a.open, a.s0 = true, f[0]
	for _, sh := range a.shares {
		s.classify(id, a, sh)
	}
}

// classify opens a share's inner layer under the recovered secret.
func (s *ThresholdServer) classify(id AccountID, a *thresholdAccount, sh *thresholdShare) {
	aead, err := thresholdInnerKey(id, a.s0, sh.xb)
	if err != nil {
		return
	}
	pt, err := aead.Open(nil, zeroNonce[:], sh.inner, append(id[:], sh.xb...))
	if err != nil {
		return
	}
	h, err := decodeHash(s.kind, s.bits, pt)
	if err != nil {
		return
	}
	sh.genuine, sh.payload = true, h
}
