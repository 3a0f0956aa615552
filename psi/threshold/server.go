package threshold

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
)

// Server is the server role of threshold-psi. It keeps, per
// account, the shares whose outer layer opened, and reconstructs the
// account's secret once it can. Safe for concurrent use.
type Server struct {
	k         int
	rate32    uint32
	maxOpened int
	s         int
	kind      phash.Kind
	bits      int
	a         group.Scalar
	keyed     *ec.Keyed
	setup     *SetupMessage
	down      psi.Message // setup, or an AuditedSetup

	mu sync.Mutex
	// accounts files shares by account and key commitment: a voucher
	// under another commitment starts its own bucket instead of claiming
	// the account, so a stranger who sends first cannot lock the owner
	// out. At most maxCommits buckets per account.
	accounts map[AccountID][]*thresholdAccount
}

// maxCommits bounds the key commitments the server files per account;
// vouchers under further commitments are dropped (the device is not
// told). A deployment would register each account's commitment when the
// account is created, which removes the need for buckets.
const maxCommits = 8

type thresholdShare struct {
	x, y  group.Scalar
	w     []group.Scalar // detectable-hash values
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
	dropped  int
	shares   []*thresholdShare
	xs       map[[32]byte]bool
	open     bool
	s0       group.Scalar
	det      detector
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
	// Dropped counts opened shares beyond the account's cap
	// (Params.MaxOpened), kept out of reconstruction.
	Dropped int
	// Attempts is the interpolations tried so far (one per dependency
	// the detection found); DecodeTime the time detection and
	// interpolation took in all.
	Attempts   int
	DecodeTime time.Duration
}

// Account reports what the server knows about an account, summed over
// the key commitments its vouchers carried.
func (s *Server) Account(id AccountID) AccountReport {
	s.mu.Lock()
	as := append([]*thresholdAccount(nil), s.accounts[id]...)
	s.mu.Unlock()
	var r AccountReport
	for _, a := range as {
		a.mu.Lock()
		r.Vouchers += a.vouchers
		r.Opened += len(a.shares)
		r.Dropped += a.dropped
		r.Attempts += a.attempts
		r.DecodeTime += a.decode
		if a.open {
			r.Reconstructed = true
			for _, sh := range a.shares {
				if sh.genuine {
					r.Genuine++
					r.Matches = append(r.Matches, sh.payload)
				} else {
					r.Synthetic++
				}
			}
		}
		a.mu.Unlock()
	}
	return r
}

// Accounts returns the identifiers of every account that has sent a
// voucher, sorted.
func (s *Server) Accounts() []AccountID {
	s.mu.Lock()
	ids := make([]AccountID, 0, len(s.accounts))
	for id := range s.accounts {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.SortFunc(ids, func(a, b AccountID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

// K is the server's threshold.
func (s *Server) K() int { return s.k }

// bucket returns the account's bucket for commit, creating it if the
// account has fewer than maxCommits, or nil.
func (s *Server) bucket(id AccountID, commit [32]byte) *thresholdAccount {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts[id] {
		if a.commit == commit {
			return a
		}
	}
	if len(s.accounts[id]) >= maxCommits {
		return nil
	}
	a := &thresholdAccount{commit: commit, xs: map[[32]byte]bool{}}
	s.accounts[id] = append(s.accounts[id], a)
	return a
}

// Protocol names the protocol.
func (s *Server) Protocol() string { return thresholdName }

// NewSession starts a device's session: the policy and the blinded table
// down, then one voucher per query. Accounts are shared by all sessions.
func (s *Server) NewSession() (psi.ServerSession, error) {
	return kit.Shared{Proto: thresholdName, Down: s.down, Query: func() (psi.Steps, error) { return &thresholdServerQuery{s: s}, nil }}, nil
}

type thresholdServerQuery struct {
	kit.ServerStart
	s    *Server
	work partWork
	done bool
	out  psi.Outcome
}

func (q *thresholdServerQuery) Expect() psi.Message {
	if q.done {
		return nil
	}
	return &Voucher{bits: q.s.bits, s: q.s.s}
}

// Outcome is unknown until the voucher's account has been reconstructed;
// then it is whether this voucher was a genuine match.
func (q *thresholdServerQuery) Outcome() psi.Outcome { return q.out }

// Step opens what it can of the voucher, files the share under its
// account and runs detection on it, which reconstructs the account at its
// k-th genuine share.
func (q *thresholdServerQuery) Step(in psi.Message) (psi.Message, error) {
	v, ok := in.(*Voucher)
	if !ok || q.done {
		return nil, fmt.Errorf("psi: %s server: unexpected message %T", thresholdName, in)
	}
	q.done = true
	s := q.s
	share, err := q.open(v)
	if err != nil {
		return nil, err
	}
	a := s.bucket(v.Account, v.Commit)
	if a == nil {
		// Too many commitments under this account: dropped unseen.
		return nil, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.vouchers++
	if share == nil {
		if a.open {
			q.out = psi.Outcome{Known: true}
		}
		return nil, nil
	}
	if !a.open && len(a.shares) >= s.maxOpened {
		// The cap bounds reconstruction work. The device is not told:
		// an error here would tell it that its voucher opened.
		a.dropped++
		return nil, nil
	}
	var xk [32]byte
	copy(xk[:], share.xb)
	if a.xs[xk] {
		// A replayed share. Dropped unseen: an error would tell the
		// sender that the voucher opened.
		a.dropped++
		return nil, nil
	}
	a.xs[xk] = true
	a.shares = append(a.shares, share)
	if a.open {
		s.classify(v.Account, a, share)
	} else {
		s.detect(v.Account, a, len(a.shares)-1)
	}
	if a.open {
		q.out = psi.Outcome{Known: true, Match: share.genuine}
	}
	return nil, nil
}

// open tries every part of v for the body key and opens the body with it.
// Every part is tried and the body opened (under a zero key when no part
// gave one), so the work does not depend on whether the voucher opens. It
// returns the share, or nil when the voucher did not open or its body is
// malformed.
func (q *thresholdServerQuery) open(v *Voucher) (*thresholdShare, error) {
	s := q.s
	var key []byte
	Q, S := ec.Group.NewElement(), ec.Group.NewElement()
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
		pt, err := aead.Open(nil, ec.ZeroNonce[:], p.Outer[:], outerAD(v, p.Q[:]))
		if err == nil && key == nil {
			key = pt
		}
	}
	opened := key != nil
	if !opened {
		key = make([]byte, bodyKeySize)
	}
	aead, err := gcmFromKey(key)
	if err != nil {
		return nil, fmt.Errorf("psi: %s server: %w", thresholdName, err)
	}
	q.work.opened++
	pt, err := aead.Open(nil, ec.ZeroNonce[:], v.Body, bodyAD(v))
	if err != nil || !opened {
		return nil, nil
	}
	// The body's length is fixed by the voucher's; its scalars may still
	// be malformed (a device sealed junk under the right key).
	x, y := ec.Group.NewScalar(), ec.Group.NewScalar()
	if x.UnmarshalBinary(pt[:32]) != nil || y.UnmarshalBinary(pt[32:64]) != nil || x.IsZero() {
		return nil, nil
	}
	w := make([]group.Scalar, s.s)
	for j := range w {
		w[j] = ec.Group.NewScalar()
		if w[j].UnmarshalBinary(pt[64+32*j:96+32*j]) != nil {
			return nil, nil
		}
	}
	return &thresholdShare{x: x, y: y, w: w, xb: pt[:32], inner: pt[64+32*s.s:]}, nil
}

// detect adds share i's detectable-hash row to the account's basis; when
// it closes a linear dependency, whose support is the genuine shares (the
// first time: exactly k of them), it interpolates f(0) from k of them and
// accepts it if it matches the commitment, then classifies every share.
// The caller holds a.mu.
func (s *Server) detect(id AccountID, a *thresholdAccount, i int) {
	t0 := time.Now()
	defer func() { a.decode += time.Since(t0) }()
	sh := a.shares[i]
	support := a.det.add(i, dhfRow(sh.x, sh.w, s.k))
	if len(support) < s.k {
		// Independent (nil), or a dependency too small to hold k genuine
		// shares: any k-1 genuine rows are independent.
		return
	}
	a.attempts++
	slices.Sort(support)
	xs := make([]group.Scalar, s.k)
	ys := make([]group.Scalar, s.k)
	for j, r := range support[:s.k] {
		xs[j], ys[j] = a.shares[r].x, a.shares[r].y
	}
	s0 := lagrangeAtZero(xs, ys)
	if thresholdCommit(id, s0) != a.commit {
		return
	}
	a.open, a.s0 = true, s0
	for _, sh := range a.shares {
		s.classify(id, a, sh)
	}
}

// classify opens a share's inner layer under the recovered secret.
func (s *Server) classify(id AccountID, a *thresholdAccount, sh *thresholdShare) {
	aead, err := thresholdInnerKey(id, a.s0, sh.xb)
	if err != nil {
		return
	}
	pt, err := aead.Open(nil, ec.ZeroNonce[:], sh.inner, append(id[:], sh.xb...))
	if err != nil {
		return
	}
	h, err := kit.DecodeHash(s.kind, s.bits, pt)
	if err != nil {
		return
	}
	// The device holds s0, so it can seal any payload in a share whose
	// outer layer it forged from L; only a listed hash counts. The slot
	// order hides the way, so every way is checked.
	item := ec.Item(h)
	listed := false
	for w := 0; w < ec.Ways; w++ {
		listed = s.keyed.Placed(item, w) || listed
	}
	if !listed {
		return
	}
	sh.genuine, sh.payload = true, h
}

// partWork counts the server's work on a voucher's parts, so tests can
// check that it does not depend on the outcome.
type partWork struct {
	decoded, multiplied, opened int
}
