// Package threshold is the "threshold-psi" protocol: account-level
// reporting built on oprf-psi's match test; see New.
package threshold

import (
	"fmt"
	"io"
	"math"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/ec"
	"github.com/privmatch/privmatch/psi/internal/kit"
	"github.com/privmatch/privmatch/psi/oprf"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
)

// New returns the "threshold-psi" protocol with threshold k and
// synthetic rate s: account-level reporting in the shape of Apple's PSI
// (Bhowmick et al. 2021), built on oprf-psi's blinded cuckoo table and
// match test. Protocol, in psi's registry, is New(Defaults); the command
// builds others with --k and --synthetic.
//
// Outcome: what the server learns of a query is its per-account verdict.
// Below k it has none (Outcome unknown: the device learns nothing, ever);
// once the account has been reconstructed, each of the account's vouchers,
// earlier and later, is a match (a genuine share with a listed payload) or
// not (synthetic, junk, or a voucher that did not open), and Server.Account
// reports them. psitest's conformance suite needs some side to learn every
// query's result, which this protocol withholds by design below k and for
// a synthetic voucher above it; the suite therefore runs it at k = 1 and
// s = 0 (TestConformance), where the first listed voucher reconstructs the
// account and every later verdict reaches the server at once, and
// psi.ProtocolsForTest leaves the registry's policy out, as it does
// he-hamming's slow preset. The account-level behaviour at k > 1 and s > 0
// is checked by this package's own tests.
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
//	  |  SetupMessage: k, s, blinded table         |
//	  |<---------------------------------------------|  (once)
//	  |  Voucher: account, C,               |
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
// Threat model: semi-honest device, curious server. Below the threshold
// the server learns, per account, the number m = g + z of vouchers whose
// outer layer opened, and about the match count what m's distribution
// says, which is much (bench.ThresholdLeak). For a curious server the
// threshold is k genuine matches, not g - z >= k: it can interpolate
// k-subsets of the opened shares and test f(0) against C, so synthetic
// vouchers do not raise it. Above it the server learns every genuine
// match's payload and which vouchers were synthetic. The server keeps at
// most Params.MaxOpened opened shares per account, so reconstruction work
// is bounded. A malicious server can lower k or s in its
// setup (the device refuses a policy other than its own), or fill the
// table with anything (see package audit). A malicious device can send
// shares off the polynomial; since a share forged from the public L always
// opens, anyone who has seen an account's header can do so too, delaying
// or (with the cap) blocking that account's reconstruction.
func New(p Params) (psi.Protocol, error) {
	return newProtocol(p)
}

// Protocol is "threshold-psi" under Defaults, as psi's registry holds it.
var Protocol psi.Protocol = mustNew(Defaults)

func init() { psi.Register(Protocol) }

func mustNew(p Params) thresholdProtocol {
	q, err := newProtocol(p)
	if err != nil {
		panic(err)
	}
	return q
}

func newProtocol(p Params) (thresholdProtocol, error) {
	if p.K < 1 || p.K > MaxThreshold {
		return thresholdProtocol{}, fmt.Errorf("psi: %s: threshold %d outside 1..%d", thresholdName, p.K, MaxThreshold)
	}
	if !(p.SyntheticRate >= 0 && p.SyntheticRate < 1) {
		return thresholdProtocol{}, fmt.Errorf("psi: %s: synthetic rate %v outside [0, 1)", thresholdName, p.SyntheticRate)
	}
	maxOpened := p.MaxOpened
	if maxOpened == 0 {
		maxOpened = 2*p.K + 16
	}
	if maxOpened < p.K || maxOpened > MaxOpenedLimit {
		return thresholdProtocol{}, fmt.Errorf("psi: %s: at most %d opened shares per account outside k..%d", thresholdName, maxOpened, MaxOpenedLimit)
	}
	return thresholdProtocol{k: p.K, rate32: uint32(math.Round(p.SyntheticRate * (1 << 32))), maxOpened: maxOpened}, nil
}

// MaxOpenedLimit bounds Params.MaxOpened: each reconstruction attempt
// solves a linear system in that many unknowns.
const MaxOpenedLimit = 2*MaxThreshold + 16

// Params is the server's reporting policy.
type Params struct {
	// K is the number of genuine matches that opens an account.
	K int
	// SyntheticRate is the probability that a voucher is synthetic.
	SyntheticRate float64
	// MaxOpened caps the opened shares the server keeps per account (0:
	// 2k+16). Shares beyond it are dropped silently (the device is not
	// told), so reconstruction work per account is bounded: at most
	// MaxOpened-k+1 attempts, each one linear solve of at most MaxOpened
	// equations. An account whose first MaxOpened opened shares hold
	// fewer than k + z genuine ones (z synthetic or junk) never opens.
	MaxOpened int
}

// Defaults is Apple's published threshold (30) with a synthetic
// rate of 1% (Apple did not publish its rate; vary it).
var Defaults = Params{K: 30, SyntheticRate: 0.01}

const thresholdName = "threshold-psi"

var (
	thresholdCommitLabel = []byte("privmatch threshold-psi v1 commit")
	thresholdOuterLabel  = "privmatch threshold-psi v1 outer key"
	thresholdInnerLabel  = "privmatch threshold-psi v1 inner key"
)

type thresholdProtocol struct {
	k         int
	rate32    uint32
	maxOpened int
}

func (thresholdProtocol) Name() string { return thresholdName }

func (p thresholdProtocol) Ledger() psi.Ledger {
	return psi.Ledger{
		Protocol: thresholdName,
		ResultTo: "server",
		Setup:    "k, s and the blinded cuckoo table: 58 + 32*m bytes, m = 1.3n+1 padded up to 3 significant bits, once per server key",
		Server: psi.View{
			OnMatch:    []psi.Fact{psi.FactQueryHappened, psi.FactMatchBit, psi.FactQueryHash, psi.FactTiming},
			OnNonMatch: []psi.Fact{psi.FactQueryHappened, psi.FactMatchBit, psi.FactTiming},
			Notes: fmt.Sprintf("the match bit and a match's hash only at the account level: none below k, every voucher's once the account has k = %d genuine matches; "+
				"per voucher, whether its outer layer opened (a genuine match or a synthetic voucher), so per account the count m = matches + synthetic; "+
				"synthetic vouchers hide little: total variation between the opened-count distributions of 0 and t matches is 0.37 (t = 1) and 1.00 (t = 5) at 100 uploads and s = 1%%, "+
				"0.01 / 0.06 / 0.34 (t = 1 / 5 / 29) at 10,000 uploads and s = 10%% (bench.ThresholdLeak); "+
				"a curious server recovers the account secret, every match bit and matched hash at k = %d genuine matches by subset search against the commitment; "+
				"the honest decoder opens only when genuine - synthetic >= k", p.k, p.k),
		},
		Client: psi.View{
			OnMatch:    []psi.Fact{psi.FactDatabaseSize},
			OnNonMatch: []psi.Fact{psi.FactDatabaseSize},
			Notes:      "the table size names n to within about 9/8; no answer comes back, and shares beyond the per-account cap are dropped without telling the device",
		},
		Network: psi.View{
			OnMatch:    []psi.Fact{psi.FactDatabaseSize, psi.FactQueryHappened, psi.FactMessageSizes, psi.FactTiming},
			OnNonMatch: []psi.Fact{psi.FactDatabaseSize, psi.FactQueryHappened, psi.FactMessageSizes, psi.FactTiming},
			Notes:      "one fixed-size voucher per image, tagged with the account",
		},
		Model:           "semi-honest device; curious server (threshold k genuine matches, not genuine - synthetic); DDH in ristretto255, hash-to-curve and SHA-256 as random oracles, AES-GCM",
		MaliciousServer: "as oprf-psi (any table, per-device tables); cannot lower k or s unseen since the device checks the policy",
		MaliciousClient: "can withhold, corrupt or fake vouchers (evasion); anyone who has seen an account's header can add always-opening junk shares that delay or block that account's reconstruction, or fill the 8 commitment buckets of an account it knows before the owner's first voucher",
		Claims: []psi.Claim{
			{Adversary: psi.SemiHonest, Holds: true, Test: "psi/threshold.TestThresholdOpensAtK",
				Statement: "without synthetic vouchers, k-1 matches open nothing and the k-th opens every match and only matches"},
			{Adversary: psi.SemiHonest, Holds: true, Test: "psi/threshold.TestCuriousServerThresholdIsK",
				Statement: "k-1 genuine shares do not give the account secret: no subset of the opened shares passes the commitment"},
			{Adversary: psi.SemiHonest, Holds: false, Test: "psi/threshold.TestCuriousServerThresholdIsK",
				Statement: "synthetic vouchers do not raise the threshold for a curious server: with k genuine shares it recovers the secret by subset search (the honest decoder needs genuine - synthetic >= k)"},
			{Adversary: psi.SemiHonest, Holds: false, Test: "bench.TestDetectionAndLeakMonteCarlo",
				Statement: "below k the server learns the per-account opened count; synthetic vouchers hide little of the match count (total variation 0.37 for 1 match and 1.00 for 5 at 100 uploads and s = 1%; 0.01 / 0.06 / 0.34 for 1 / 5 / 29 at 10,000 uploads and s = 10%)"},
			{Adversary: psi.SemiHonest, Holds: true,
				Statement: "synthetic and genuine opened shares are indistinguishable before reconstruction: uniform (x, y), uniform Q (argued)"},
			{Adversary: psi.Network, Holds: true, Test: "psi/threshold.TestVoucherWorkIndependentOfOutcome",
				Statement: "the server's work per voucher does not depend on whether it opens, and the device is not sent the server's compute time"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestReconstructionWorkBounded",
				Statement: "opened shares cannot make reconstruction work unbounded: at most MaxOpened shares per account, at most MaxOpened-k+1 attempts"},
			{Adversary: psi.MaliciousClient, Holds: false,
				Statement: "anyone who has seen an account's (account, commitment) can add always-opening junk shares, which delay or, with the cap, block that account's reconstruction"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestForeignCommitmentDoesNotLockOut",
				Statement: "a voucher under another key commitment does not claim the account: each commitment is filed apart (up to 8 per account; beyond, a stranger can still fill them first)"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestForgedShareNotCountedAsMatch",
				Statement: "a device cannot make the server record an unlisted hash as a match, though it can seal any payload in a share whose outer layer it forged from L: only listed payloads count"},
			{Adversary: psi.MaliciousServer, Holds: true, Test: "psi/threshold.TestThresholdPolicyChecked",
				Statement: "a server cannot lower k or s for a device unseen: the device refuses a policy other than its own"},
			{Adversary: psi.MaliciousServer, Holds: false,
				Statement: "as oprf-psi, a server can list any hashes or ship different tables to different devices; the device does not verify the table"},
		},
	}
}

func (p thresholdProtocol) NewServer(db *psi.Database, opts psi.Options) (psi.Server, error) {
	if err := kit.RequireExact(thresholdName, opts); err != nil {
		return nil, err
	}
	if db != nil {
		if err := kit.CheckKind(db.Kind, db.Bits); err != nil {
			return nil, err
		}
	}
	// The table and key are oprf-psi's: this protocol builds on its match
	// test.
	o, err := oprf.BuildTable(db, ec.Rand(opts))
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", thresholdName, err)
	}
	return &Server{
		k: p.k, rate32: p.rate32, maxOpened: p.maxOpened, kind: o.Kind, bits: o.Bits, a: o.Key, keyed: o,
		setup:    &SetupMessage{K: p.k, Rate32: p.rate32, Table: *o.Table},
		accounts: map[AccountID][]*thresholdAccount{},
	}, nil
}

func (p thresholdProtocol) NewClient(kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	return p.newClient(kind, bits, opts, nil)
}

// NewAccountClient returns the device of account id under policy p (New's
// checks apply): a device that reports under the server's identifier for
// its account rather than a random one. The account's secret polynomial is
// drawn afresh; a device that restarts starts a new key commitment.
func NewAccountClient(p Params, id AccountID, kind phash.Kind, bits int, opts psi.Options) (*Client, error) {
	q, err := newProtocol(p)
	if err != nil {
		return nil, err
	}
	return q.newClient(kind, bits, opts, &id)
}

func (p thresholdProtocol) newClient(kind phash.Kind, bits int, opts psi.Options, id *AccountID) (*Client, error) {
	if err := kit.RefuseAudit(p.Name(), opts); err != nil {
		return nil, err
	}
	if err := kit.RequireExact(thresholdName, opts); err != nil {
		return nil, err
	}
	if err := kit.CheckKind(kind, bits); err != nil {
		return nil, err
	}
	c := &Client{k: p.k, rate32: p.rate32, kind: kind, bits: bits, rnd: ec.Rand(opts)}
	if id != nil {
		c.account = *id
	} else if _, err := io.ReadFull(c.rnd, c.account[:]); err != nil {
		return nil, fmt.Errorf("psi: %s: randomness: %w", thresholdName, err)
	}
	c.coef = make([]group.Scalar, p.k)
	for i := range c.coef {
		s, err := ec.Scalar(c.rnd)
		if err != nil {
			return nil, err
		}
		c.coef[i] = s
	}
	c.commit = thresholdCommit(c.account, c.coef[0])
	return c, nil
}
