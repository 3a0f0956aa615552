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

// New returns the "threshold-psi" protocol under policy p (threshold k,
// synthetic rate s, per-account cap MaxOpened); the package doc describes
// it. Protocol, in psi's registry, is New(Defaults).
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
	return thresholdProtocol{k: p.K, rate32: uint32(math.Round(p.SyntheticRate * (1 << 32))), maxOpened: maxOpened, s: maxOpened - p.K}, nil
}

// MaxOpenedLimit bounds Params.MaxOpened: the detectable-hash rows have
// up to that many entries, and the voucher 32 bytes per entry.
const MaxOpenedLimit = 2*MaxThreshold + 16

// Params is the server's reporting policy.
type Params struct {
	// K is the number of genuine matches that opens an account.
	K int
	// SyntheticRate is the probability that a voucher is synthetic.
	SyntheticRate float64
	// MaxOpened caps the opened shares the server keeps per account (0:
	// 2k+16). Shares beyond it are dropped silently (the device is not
	// told), so detection work per account is bounded: one elimination
	// step over at most MaxOpened rows per share, at most MaxOpened-k+1
	// interpolations. Each voucher carries S = MaxOpened - k
	// detectable-hash values, the most synthetic or junk shares the
	// server tells from genuine ones; an account whose first MaxOpened
	// opened shares hold fewer than k genuine ones never opens.
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
	s         int // detectable-hash values per voucher: maxOpened - k
}

func (thresholdProtocol) Name() string { return thresholdName }

func (p thresholdProtocol) Ledger() psi.Ledger {
	// The device's and the network's views are oprf-psi's: same table,
	// one fixed-size voucher per image, nothing back.
	base := oprf.Protocol.Ledger()
	client, network := base.Client, base.Network
	client.Notes = "the table size names n to within about 9/8; no answer comes back, and shares beyond the per-account cap or replayed are dropped without telling the device"
	network.Notes = "one fixed-size voucher per image, tagged with the account"
	led := psi.Ledger{
		Protocol: thresholdName,
		ResultTo: "server",
		Setup:    "k, s, S and the blinded cuckoo table: 60 + 32*m bytes, m = 1.3n+1 padded up to 3 significant bits, once per server key",
		Server: psi.View{
			OnMatch:    []psi.Fact{psi.FactQueryHappened, psi.FactMatchBit, psi.FactQueryHash, psi.FactTiming},
			OnNonMatch: []psi.Fact{psi.FactQueryHappened, psi.FactMatchBit, psi.FactTiming},
			Notes: fmt.Sprintf("the match bit and a match's hash only at the account level: none below k, every voucher's once the account has k = %d genuine matches; "+
				"below k, per voucher, whether it opened (a genuine match or a synthetic voucher), so per account the count m = matches + synthetic, but not which opened vouchers are genuine; "+
				"synthetic vouchers hide little of the count: total variation between the opened-count distributions of 0 and t matches is 0.37 (t = 1) and 1.00 (t = 5) at 100 uploads and s = 1%%, "+
				"0.01 / 0.06 / 0.34 (t = 1 / 5 / 29) at 10,000 uploads and s = 10%% (bench.ThresholdLeak); "+
				"the server opens the account at exactly k genuine matches with up to S = %d synthetic or junk shares present (detectable hash function)", p.k, p.s),
		},
		Client:          client,
		Network:         network,
		Model:           "semi-honest device; curious server (threshold k genuine matches, synthetic vouchers present or not); DDH in ristretto255, hash-to-curve and SHA-256 as random oracles, AES-GCM",
		MaliciousServer: "can fill the table with any hashes; with Options.Audit a device refuses a table or policy other than the published one; without it, can ship different tables to different devices; cannot lower k or s unseen since the device checks the policy",
		MaliciousClient: "can withhold, corrupt or fake vouchers (evasion); anyone who has seen an account's header can add always-opening junk shares, which the server sets aside but which fill the per-account cap and can block that account, or fill the 8 commitment buckets of an account it knows before the owner's first voucher",
		Claims: []psi.Claim{
			{Adversary: psi.SemiHonest, Holds: true, Test: "psi/threshold.TestThresholdOpensAtK",
				Statement: "without synthetic vouchers, k-1 matches open nothing and the k-th opens every match and only matches"},
			{Adversary: psi.SemiHonest, Holds: true, Test: "psi/threshold.TestExactlyKWithSynthetic",
				Statement: "with synthetic (or junk) opened shares present, up to S = MaxOpened - k of them, the server opens the account at exactly the k-th genuine match, not before, and tells every genuine share from the others"},
			{Adversary: psi.SemiHonest, Holds: true, Test: "psi/threshold.TestCuriousServerThresholdIsK",
				Statement: "k-1 genuine shares do not give a curious server the account secret: no k-subset of the opened shares passes the commitment; the threshold is k for honest and curious servers alike"},
			{Adversary: psi.SemiHonest, Holds: true, Test: "psi/threshold.TestDetectorExactlyK",
				Statement: "below k the detectable-hash rows are linearly independent, so they do not tell genuine opened shares from synthetic ones"},
			{Adversary: psi.SemiHonest, Holds: false, Test: "bench.TestDetectionAndLeakMonteCarlo",
				Statement: "below k the server learns the per-account opened count; synthetic vouchers hide little of the match count (total variation 0.37 for 1 match and 1.00 for 5 at 100 uploads and s = 1%; 0.01 / 0.06 / 0.34 for 1 / 5 / 29 at 10,000 uploads and s = 10%)"},
			{Adversary: psi.Network, Holds: true, Test: "psi/threshold.TestVoucherWorkIndependentOfOutcome",
				Statement: "the server's decoding, multiplications and decryptions per voucher do not depend on whether it opens (detection work on opened shares does), and the device is not sent the server's compute time"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestReconstructionWorkBounded",
				Statement: "opened shares cannot make detection work unbounded: at most MaxOpened shares per account, at most MaxOpened-k+1 interpolations"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestReplayedVoucherSilent",
				Statement: "replaying a voucher tells the sender nothing: a replayed share is dropped without an error, opened or not"},
			{Adversary: psi.MaliciousClient, Holds: false, Test: "psi/threshold.TestStrangerJunkFillsCap",
				Statement: "anyone who has seen an account's (account, commitment) can send always-opening junk shares; the server sets them aside, but enough of them fill the per-account cap and keep the account closed"},
			{Adversary: psi.MaliciousClient, Holds: false, Test: "psi/threshold.TestDeviceOffPolynomialShare",
				Statement: "a device can delay or keep closed its own account with shares off its polynomial (evasion, as by withholding vouchers); such a share fails the commitment, so the server never accepts a wrong secret"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestForeignCommitmentDoesNotLockOut",
				Statement: "a voucher under another key commitment does not claim the account: each commitment is filed apart (up to 8 per account; beyond, a stranger can still fill them first)"},
			{Adversary: psi.MaliciousClient, Holds: true, Test: "psi/threshold.TestForgedShareNotCountedAsMatch",
				Statement: "a device cannot make the server record an unlisted hash as a match, though it can seal any payload in a share whose outer layer it forged from L: only listed payloads count"},
			{Adversary: psi.MaliciousServer, Holds: true, Test: "psi/threshold.TestThresholdPolicyChecked",
				Statement: "a server cannot lower k or s for a device unseen: the device refuses a policy other than its own"},
			{Adversary: psi.MaliciousServer, Holds: true, Test: "psi/threshold.TestAuditedSetupRefusesTampering",
				Statement: "with Options.Audit, a device refuses at setup a table or policy that is not the one the publisher signed: an altered row, another seed, key L or k, or an older head than it has seen"},
			{Adversary: psi.MaliciousServer, Holds: false,
				Statement: "a server can list any hashes (the signed head shows every device got the same table, not that its list is right) or ship different tables to devices that never compare heads; without Options.Audit the device does not verify the table"},
		},
	}
	led.Claims = append(led.Claims, psi.AttackClaims("psi/threshold", []psi.AttackRow{
		{Attack: "replayed", Adversary: psi.Network, Holds: true,
			Statement: "a voucher replayed from another session or an earlier query is not counted again: the account files each share once (checked at k = 1, where every opened share is a verdict)"},
		{Attack: "adaptive-client", Adversary: psi.MaliciousClient, Holds: true,
			Statement: "a device that alters its voucher sees the same reaction for a listed and an unlisted hash, wherever the server does not refuse the bytes as malformed: it is sent nothing per voucher"},
		{Attack: "timing", Adversary: psi.Network, Holds: false,
			Statement: "timing: a voucher that opens costs the server a few microseconds more than one that does not (parsing the share, detection: measured at k = 1 by a rank test); nothing is sent back per voucher, so a device or network observer sees it only in when the session ends or on a shared machine"},
	})...)
	led.Claims = append(led.Claims, psi.TransportClaims("psi/threshold")...)
	return led
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
	return p.server(o)
}

// server serves the keyed table o under policy p.
func (p thresholdProtocol) server(o *oprf.Keyed) (*Server, error) {
	if o == nil || o.Table == nil {
		return nil, fmt.Errorf("psi: %s: nil keyed table", thresholdName)
	}
	if err := kit.CheckKind(o.Kind, o.Bits); err != nil {
		return nil, err
	}
	setup := &SetupMessage{K: p.k, Rate32: p.rate32, S: p.s, Table: *o.Table}
	return &Server{
		k: p.k, rate32: p.rate32, maxOpened: p.maxOpened, s: p.s, kind: o.Kind, bits: o.Bits, a: o.Key, keyed: o,
		setup: setup, down: setup,
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
	if err := kit.ExactClient(thresholdName, true, kind, bits, opts); err != nil {
		return nil, err
	}
	c := &Client{k: p.k, rate32: p.rate32, s: p.s, kind: kind, bits: bits, rnd: ec.Rand(opts), audit: opts.Audit}
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
	c.dhf.coef = make([][]group.Scalar, p.k-1)
	for l := range c.dhf.coef {
		c.dhf.coef[l] = make([]group.Scalar, p.s)
		for j := range c.dhf.coef[l] {
			s, err := ec.Scalar(c.rnd)
			if err != nil {
				return nil, err
			}
			c.dhf.coef[l][j] = s
		}
	}
	c.commit = thresholdCommit(c.account, c.coef[0])
	return c, nil
}
