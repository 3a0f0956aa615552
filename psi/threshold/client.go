package threshold

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"
	"github.com/privmatch/privmatch/psi/oprf"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
)

// Client is one account's device. It holds the account's secret
// polynomial and has no wire methods. Safe for concurrent queries after
// Setup.
type Client struct {
	k      int
	rate32 uint32
	s      int // detectable-hash values per voucher
	kind   phash.Kind
	bits   int
	rnd    io.Reader
	audit  *audit.Device // when set, checks an AuditedSetup at setup
	mu     sync.Mutex    // serialises reads of rnd
	table  *oprf.Table
	L      group.Element

	account AccountID
	commit  [32]byte
	coef    []group.Scalar
	dhf     dhfKey

	synth   int // vouchers sent synthetic, for tests and simulation
	genuine int
}

// Account returns the account's identifier.
func (c *Client) Account() AccountID { return c.account }

// Commit returns the commitment to the account's secret that every
// voucher carries.
func (c *Client) Commit() [32]byte { return c.commit }

// Synthetic returns how many of the vouchers built so far were synthetic,
// and how many were genuine. Only the device knows this.
func (c *Client) Synthetic() (synthetic, genuine int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synth, c.genuine
}

// Protocol names the protocol.
func (c *Client) Protocol() string { return thresholdName }

// Setup downloads the policy and the table; the device checks the
// policy against its own and keeps the table. With Options.Audit it
// expects an AuditedSetup, which must pass the device's audit check.
func (c *Client) Setup() (psi.Steps, error) {
	return kit.RecvTable(thresholdName, c.audit != nil, func() psi.Message { return &SetupMessage{} }, func() psi.Message { return &AuditedSetup{} }, c.accept), nil
}

func (c *Client) accept(m psi.Message) error {
	var t *SetupMessage
	switch m := m.(type) {
	case *SetupMessage:
		if err := kit.AuditMatches(thresholdName, c.audit != nil, false); err != nil {
			return err
		}
		t = m
	case *AuditedSetup:
		if err := kit.AuditMatches(thresholdName, c.audit != nil, true); err != nil {
			return err
		}
		var err error
		if t, err = c.checkServed(m); err != nil {
			return err
		}
	default:
		return fmt.Errorf("psi: %s client: setup got %T", thresholdName, m)
	}
	if t.K != c.k || t.Rate32 != c.rate32 || t.S != c.s {
		return fmt.Errorf("psi: %s client: server policy k=%d s=%d/2^32 S=%d, device expects k=%d s=%d/2^32 S=%d", thresholdName, t.K, t.Rate32, t.S, c.k, c.rate32, c.s)
	}
	L, err := ec.TableKey(thresholdName, t.Table.L[:])
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.table, c.L = &t.Table, L
	c.mu.Unlock()
	return nil
}

// NewQuery starts the voucher for one image's hash.
func (c *Client) NewQuery(h phash.Hash) (psi.Steps, error) {
	c.mu.Lock()
	t, L := c.table, c.L
	c.mu.Unlock()
	if err := ec.CheckQuery(thresholdName, t != nil, h, c.kind, c.bits); err != nil {
		return nil, err
	}
	return &thresholdClientQuery{c: c, table: t, L: L, h: h}, nil
}

// random reads n bytes under the lock.
func (c *Client) random(n int) ([]byte, error) {
	b := make([]byte, n)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.ReadFull(c.rnd, b); err != nil {
		return nil, fmt.Errorf("psi: %s: randomness: %w", thresholdName, err)
	}
	return b, nil
}

func (c *Client) scalar() (group.Scalar, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ec.Scalar(c.rnd)
}

type thresholdClientQuery struct {
	c       *Client
	table   *oprf.Table
	L       group.Element
	h       phash.Hash
	started bool
}

func (q *thresholdClientQuery) Expect() psi.Message { return nil }
func (q *thresholdClientQuery) Step(in psi.Message) (psi.Message, error) {
	return nil, fmt.Errorf("psi: %s client: expects no reply", thresholdName)
}

// Outcome is always unknown: the device learns nothing.
func (q *thresholdClientQuery) Outcome() psi.Outcome { return psi.Outcome{} }

// junkPart is a part that never opens: a uniform element and random bytes.
func (c *Client) junkPart(p *VoucherPart) error {
	r, err := c.scalar()
	if err != nil {
		return err
	}
	qb, err := ec.Group.NewElement().MulGen(r).MarshalBinaryCompress()
	if err != nil {
		return err
	}
	copy(p.Q[:], qb)
	junk, err := c.random(thresholdOuterLen)
	copy(p.Outer[:], junk)
	return err
}

func (q *thresholdClientQuery) Start() (psi.Message, error) {
	if q.started {
		return nil, fmt.Errorf("psi: %s client: query already started", thresholdName)
	}
	q.started = true
	coin, err := q.c.random(5)
	if err != nil {
		return nil, err
	}
	return q.build(binary.BigEndian.Uint32(coin) < q.c.rate32)
}

// build makes the voucher, synthetic or genuine.
func (q *thresholdClientQuery) build(synthetic bool) (*Voucher, error) {
	c := q.c
	v := &Voucher{bits: c.bits, s: c.s, Account: c.account, Commit: c.commit}
	plain, err := c.body(q.h, synthetic)
	if err != nil {
		return nil, err
	}
	key, err := c.random(bodyKeySize)
	if err != nil {
		return nil, err
	}
	aead, err := gcmFromKey(key)
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", thresholdName, err)
	}
	v.Body = aead.Seal(nil, ec.ZeroNonce[:], plain, bodyAD(v))
	// Parts in a random order: perm[i] is the slot of way i.
	perm, err := shuffle(func() (byte, error) {
		b, err := c.random(1)
		if err != nil {
			return 0, err
		}
		return b[0], nil
	})
	if err != nil {
		return nil, err
	}
	if synthetic {
		// Way 0's slot opens unconditionally; the others are junk.
		cs, err := c.scalar()
		if err != nil {
			return nil, err
		}
		if err := sealPart(&v.Parts[perm[0]], v, ec.Group.NewElement().MulGen(cs), ec.Group.NewElement().Mul(q.L, cs), key); err != nil {
			return nil, err
		}
		for i := 1; i < ec.Ways; i++ {
			if err := c.junkPart(&v.Parts[perm[i]]); err != nil {
				return nil, err
			}
		}
	} else if err := q.genuineParts(v, perm, key); err != nil {
		return nil, err
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

// body is the voucher's body plaintext: the share (x, f(x)), its
// detectable-hash values and the inner ciphertext of h, or for a
// synthetic voucher a uniform x and uniform bytes for the rest.
func (c *Client) body(h phash.Hash, synthetic bool) ([]byte, error) {
	var x group.Scalar
	var err error
	for x == nil || x.IsZero() {
		if x, err = c.scalar(); err != nil {
			return nil, err
		}
	}
	xb, _ := x.MarshalBinary()
	plain := make([]byte, 0, thresholdBodyPlainLen(c.bits, c.s))
	plain = append(plain, xb...)
	if synthetic {
		// Uniform y and w: reduce random bytes to scalars.
		for i := 0; i < 1+c.s; i++ {
			r, err := c.scalar()
			if err != nil {
				return nil, err
			}
			rb, _ := r.MarshalBinary()
			plain = append(plain, rb...)
		}
		rest, err := c.random(thresholdInnerLen(c.bits))
		if err != nil {
			return nil, err
		}
		return append(plain, rest...), nil
	}
	yb, _ := polyEval(c.coef, x).MarshalBinary()
	plain = append(plain, yb...)
	for _, w := range c.dhf.eval(x, c.s) {
		wb, _ := w.MarshalBinary()
		plain = append(plain, wb...)
	}
	aead, err := thresholdInnerKey(c.account, c.coef[0], xb)
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: %w", thresholdName, err)
	}
	return aead.Seal(plain, ec.ZeroNonce[:], h.Bytes(), append(c.account[:], xb...)), nil
}

// genuineParts seals the body key in each way's part under the key of
// the table row the hash maps to there.
func (q *thresholdClientQuery) genuineParts(v *Voucher, perm [ec.Ways]int, key []byte) error {
	c := q.c
	item := ec.Item(q.h)
	H := ec.Group.HashToElement(item, ec.DSTHash)
	t := q.table
	pos := ec.Positions(&t.Seed, uint32(t.NumRows()), item)
	for i, w := range pos {
		p := &v.Parts[perm[i]]
		dup := false
		for j := 0; j < i; j++ {
			dup = dup || pos[j] == w
		}
		if dup {
			// A repeated row would open twice; send junk instead.
			if err := c.junkPart(p); err != nil {
				return err
			}
			continue
		}
		T := ec.Group.NewElement()
		if err := T.UnmarshalBinary(t.Rows[int(w)*ec.ElemSize : (int(w)+1)*ec.ElemSize]); err != nil {
			return fmt.Errorf("psi: %s client: table row %d is not a valid element", thresholdName, w)
		}
		b, err := c.scalar()
		if err != nil {
			return err
		}
		g, err := c.scalar()
		if err != nil {
			return err
		}
		Q := ec.Group.NewElement().Mul(H, b)
		Q.Add(Q, ec.Group.NewElement().MulGen(g))
		S := ec.Group.NewElement().Mul(T, b)
		S.Add(S, ec.Group.NewElement().Mul(q.L, g))
		if err := sealPart(p, v, Q, S, key); err != nil {
			return err
		}
	}
	return nil
}

// sealPart writes Q and the body key sealed under the key S gives.
func sealPart(p *VoucherPart, v *Voucher, Q, S group.Element, key []byte) error {
	qb, err := Q.MarshalBinaryCompress()
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", thresholdName, err)
	}
	copy(p.Q[:], qb)
	aead, err := thresholdOuterKey(S, p.Q[:])
	if err != nil {
		return fmt.Errorf("psi: %s client: %w", thresholdName, err)
	}
	aead.Seal(p.Outer[:0], ec.ZeroNonce[:], key, outerAD(v, p.Q[:]))
	return nil
}

// shuffle draws a uniform permutation of the voucher's slots
// (Fisher-Yates), reading random bytes from next.
func shuffle(next func() (byte, error)) ([ec.Ways]int, error) {
	perm := [ec.Ways]int{0, 1, 2}
	for i := ec.Ways - 1; i > 0; i-- {
		j, err := uniformBelow(next, i+1)
		if err != nil {
			return perm, err
		}
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm, nil
}

// uniformBelow returns a uniform integer in [0, n), 0 < n <= 256, by
// rejection sampling: a byte b counts only below the largest multiple of
// n that fits in a byte, so every residue is equally likely (b % n alone
// favours small residues).
func uniformBelow(next func() (byte, error), n int) (int, error) {
	limit := 256 - 256%n
	for {
		b, err := next()
		if err != nil {
			return 0, err
		}
		if int(b) < limit {
			return int(b) % n, nil
		}
	}
}
