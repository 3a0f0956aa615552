// Package exact is the engine of privmatch's private exact-membership
// protocol "he-exact": BGV on the he toolkit (Lattigo v5).
//
// # Start here
//
// Pick a preset with [PresetFor] (the cheapest of [PN14S], [PN14M] and
// [PN14] whose capacity holds the database in one answer ciphertext, and
// beyond that PN14 with more partitions, up to [MaxPartitions]; [PN12Test]
// is insecure and for tests only) and check it with [NewParameters]. The
// server loads its database once with [NewServer]; each client makes a
// [Client], sends [Client.Setup]'s key material once, then per query runs
// Query -> server Answer -> client Finish -> server Verdict. Every message
// is a []byte of a size fixed by the parameters and the server's partition
// count ([QuerySize], [AnswerSize], [ReplySize], [KeysSize]); no Lattigo
// type appears in the API. Sizes and timings, with the commands that
// measure them, are in the repository README.
//
// The binned circuit ([PN13B], [PN12BTest] for tests) answers the same
// question from one query ciphertext at N=2^13 and one answer ciphertext:
// [NewBinnedServer] lays the list out in public bins ([BinOf], [BinsFor]),
// [NewBinnedClient] selects its item's bin, and the server expands the
// selector obliviously, selects the bin with one plaintext product per
// bin and folds each position with the same quartic. Verdict, the check
// copies and [ForgeryBound] are shared; binned.go describes the circuit.
//
//	client                                   server (db in B bins)
//	  | Setup: relin, 2 rotation and l = log2(B+4) expansion keys (once) --> |
//	  | Query: Enc(sum_i [i == bin] X^i + sum_k f_k X^(B+k)) seeded ------> |  expand, D = sum_i s_i P_i - y,
//	  | <--- Answer: Enc(r*E + m, a*r*E + m'), level 0, one ciphertext ---- |  quartic fold, keyed product
//	  | Reply: the bin's masked values and check values ------------------> |  Verdict as below
//
//	client                                   server (db of n 256-bit hashes)
//	  | Setup: relin + 3 rotation keys (once) --> |
//	  | Query: Enc(f(h)) seeded, top level -----> |  powers, per-slot polynomials,
//	  |                                           |  anisotropic quartic per bin,
//	  | <--- Answer: Enc(r*E + m), level 0, ---- |  times r, plus mask m;
//	  |      and Enc(a*r*E + m') (check copies),  |  a fresh per query
//	  |      one of each per 4 partitions         |
//	  | Reply: decrypted masked values ---------> |  Verdict: some real position == m?
//	  |                                           |  any check != a*(value - m) + m'
//	  |                                           |  or trap != its m => tampered
//
// # The circuit
//
// f(h) is four 16-bit felts x0..x3 of SHA-256(domain || h), placed in the
// four slots of every bin (Slots/4 bins). Database entries are placed in
// cells (bin, partition), at most L*H-1 per cell, with the felts of each
// column distinct inside a cell. For slot j of a cell the server holds the
// polynomial Q_j = rho_j * prod_i(X - y_i[j]) - L_j(X), where L_j
// interpolates y_i[j] -> y_i[j+1 mod 4] and rho_j is a secret random
// nonzero field element fixed at load. It evaluates v_j = x_{j+1} + Q_j(x_j)
// by Paterson-Stockmeyer from the single query ciphertext, with all
// coefficients pre-encoded in NTT form at load. All four v_j vanish iff the
// query equals an entry of the cell on all four felts (distinct columns
// chain the slots to one entry), or, for a non-member, with probability
// t^-4 over rho. The server folds the four values into one with the
// anisotropic quartic E = (v0^2 - 3v1^2)^2 - 3(v2^2 - 3v3^2)^2 (3 is a
// non-residue mod 65537, so E = 0 iff all v_j = 0), multiplies E by a fresh
// uniform nonzero r, packs four partitions into one ciphertext with
// rotations, rescales to level 0, adds a uniform mask m and sends the
// level-0 ciphertext with the low 16 bits of c0 and 7 bits of c1 dropped,
// and beside it the check copy: the same E times a*r (a fresh per query)
// plus a second mask m'. A database needing P partitions (at most
// [MaxPartitions]; the fewest that hold it, [PartitionsFor]) gets ceil(P/4)
// such pairs of answer ciphertexts, each with its own masks; partitions
// run in parallel on GOMAXPROCS workers, all from the same powers of the
// one query. The client decrypts and returns the values and check values;
// the server checks the copies and compares the values with m.
//
// Correctness: a member always matches unless decryption fails; the tests
// measure the noise margin over the largest coefficient of real answers
// (TestExactPN14), the rest being a sub-Gaussian rounding term. A
// non-member matches with probability at most [FalseMatch] (cells * t^-4
// + n * 2^-64, a union bound over every real cell of every answer and
// every entry). r is nonzero, so r*E = 0 only when E = 0.
//
// # Threat model
//
// The server is semi-honest: it follows the protocol and learns, from the
// reply, only which cell (if any) matched; on a non-match it sees uniform
// values minus its own masks, i.e. nonzero values E*r with r fresh (no
// information about the query beyond "no match"), except with the false
// match probability [FalseMatch]. The
// query is IND-CPA-encrypted under the client's key.
//
// The client may be malicious. It learns nothing about the database from
// the slot values (uniform under m), but no noise flooding is applied, so
// the decryption noise is not proven independent of the database (circuit
// privacy is NOT claimed). It can always query a different hash than the
// one it holds (inherent: no protocol sees the client's true input), send a
// malformed query (decryption then yields garbage, which the checks catch),
// or alter its reply. Every position travels twice: its value r*E + m and
// a check copy a*r*E + m', with a uniform nonzero per position and drawn
// afresh for every query, m' a second mask. A reply whose value at any
// position moved by d != 0 passes only if its check copy moved by a*d:
// probability at most [ForgeryBound] = 1/(t-1), whatever the client
// learned from earlier queries (a and m' are fresh and the check copy is
// uniform to it). Trap cells (empty cells with r = 0, fixed at load) stay
// as a second layer: against a forger who knew a they bound evasion by
// [EvasionBound]. Verdict reports any failed check as [ErrTampered]
// without saying which, so probing a position tells the client nothing
// about where the traps are. The client can always make the protocol fail
// (no verdict), but not turn a match into an undetected non-match except
// with probability 1/(t-1).
//
// Randomness comes from crypto/rand or an injected io.Reader. Seeds of
// the uniform halves (query, evaluation keys) are 32 bytes from it,
// expanded by AES-256-CTR (the toolkit's SeedPRG); the server's masks, randomisers and
// placement come from Lattigo's keyed PRNG seeded from it. Secrets and
// errors come from crypto/rand only: the query's noise from an
// AES-256-CTR stream keyed from crypto/rand, the secret key and the key
// generator's noise from Lattigo's own crypto/rand-seeded PRNG.
//
// Lattigo evaluators are not safe for concurrent use; the server gives
// each worker a ShallowCopy. Every decoder validates header, parameters,
// level, length and residues before Lattigo sees the bytes, and the
// server recovers from any Lattigo panic at the boundary.
package exact
