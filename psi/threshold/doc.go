// Package threshold is the "threshold-psi" protocol: account-level
// reporting in the shape of Apple's PSI (Bhowmick, Boneh, Myers, Talwar,
// Tarbe 2021, "The Apple PSI System": tPSI-AD), built on oprf-psi's
// blinded cuckoo table and match test. The server learns nothing about an
// account's images until k of them match its list; then it learns the
// matching ones.
//
// # Construction
//
// Each account (one Client) holds a secret s0, a random polynomial f of
// degree k-1 with f(0) = s0 over the ristretto255 scalar field, and a
// detectable-hash key: S = MaxOpened - k secret polynomials p_1..p_S of
// degree k-2 (dhf.go). Every voucher carries the account and
// C = SHA-256(label || account || s0). Per image with hash y the device
// draws a fresh non-zero x and a fresh body key, and seals in the body
// the share (x, f(x)), the values w = (p_1(x), ..., p_S(x)) and the inner
// ciphertext: y's bytes under a key derived from s0 and x. Each of the
// three parts seals the body key under oprf-psi's per-row key, which the
// server derives only when y is in its table. Parts are shuffled so their
// order tells nothing.
//
// With probability s a voucher is synthetic instead: one part's key is
// built from Q = c*G, S = c*L, so it opens for the server whatever the
// table holds, and the body holds a uniform x, y, w and inner ciphertext;
// the other parts are random and never open. The device knows which
// vouchers are synthetic; a listed image whose voucher came out synthetic
// does not count.
//
//	device (account: s0, f, p_1..p_S, C)           server (secret a)
//	  |  SetupMessage: k, s, S, blinded table        |
//	  |<---------------------------------------------|  (once)
//	  |  Voucher: account, C,                        |
//	  |    3 x (Q_i, Enc_{K(a*Q_i)}(body key)),      |
//	  |    Enc_{body key}(x, f(x), w, inner)         |
//	  |--------------------------------------------->|  open with a*Q_i;
//	  |          (nothing comes back)                |  detect; interpolate
//
// Detection and reconstruction: the server adds each opened share's row
// (1, x, ..., x^(k-2), w) to an incremental Gaussian elimination. Genuine
// rows lie in one (k-1)-dimensional space and any k-1 of them are
// independent; synthetic rows are independent of everything, up to S of
// them. So no dependency appears until the k-th genuine share opens, and
// the dependency it closes names exactly the k genuine shares, whatever
// the synthetic ones. The server interpolates f(0) from them, accepts it
// if it matches C, derives the inner keys and classifies every share:
// genuine (inner layer opens to a listed hash) or not. Cost per opened
// share: O(r * (k + S + m)) scalar operations (r the basis size, m the
// shares kept); voucher 416 + 32*S bytes for 256-bit hashes.
//
// # Threat model
//
// Semi-honest device; semi-honest (curious) server; DDH in ristretto255,
// hash-to-curve and SHA-256 as random oracles, AES-GCM. Below k the
// server learns, per account, how many vouchers opened (m = g + z, g
// genuine, z synthetic) and about the match count what m's distribution
// says, which is much (bench.ThresholdLeak); it does not learn which
// opened vouchers are genuine: with g < k the rows are independent and
// the k-1 genuine points leave f(0) uniform, so neither detection nor a
// search over k-subsets against C finds anything. The threshold is k
// genuine matches for an honest and a curious server alike. At k it learns
// every genuine match's payload and which vouchers were synthetic.
//
// A malicious server can lower k or s in its setup (the device refuses a
// policy other than its own) or fill the table with anything. With
// Options.Audit the device checks at setup that the table, its seed and
// L and the policy are those of the publisher's signed head (NewSetup,
// TableHead, NewAuditedServer, AuditedSetup; package audit): a server that
// ships another table to some devices is refused, and caught when devices
// compare heads; the check shows that everyone got the same table, not
// that its list is right. A malicious device can evade: withhold vouchers, or send shares
// off f (its rows then close a dependency whose secret fails C). Anyone
// who has seen an account's header can send vouchers that open from the
// public L: their rows are uniform, so detection sets them aside like
// synthetic ones, but they fill the per-account cap, and an account whose
// cap fills before its k-th genuine share never opens. A replayed voucher
// is dropped unseen.
//
// # Outcomes and the conformance suite
//
// A query's server outcome is the per-account verdict: unknown below k
// (the device learns nothing, ever); once the account is open, each of
// its vouchers, earlier and later, is a match (a genuine share with a
// listed payload) or not (synthetic, junk, or a voucher that did not
// open), and Server.Account reports them. psitest's suite needs some side
// to learn every query's result, which this protocol withholds by design
// below k and for a synthetic voucher above it; the suite therefore runs
// it at k = 1 and s = 0 (TestConformance), where the first listed voucher
// opens the account and every later verdict reaches the server at once,
// and psi.ProtocolsForTest leaves the registry's policy out, as it does
// he-hamming's slow preset. This package's own tests check the
// account-level behaviour at k > 1 and s > 0.
package threshold
