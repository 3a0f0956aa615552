package hamming

// Design, parameters, failure probabilities, threat model and leakage.
//
// # Message flow
//
//	client                                              server
//	  |  Setup: keys (rlk, 9 expansion Galois keys, seeded;  |
//	  |         level-0 public key), once   --------------> | ParseKeys
//	  |                                                      |
//	  |  Query(x): Enc(sum x_j X^j + pi X^n + a X^(n+1))     |
//	  |            (top level, seeded c1)                    |
//	  |            Enc(R_o) for o < K, R_o,i independent and |
//	  |            uniform in [1,t-1] (level 1, seeded c1,   |
//	  |            c0 rounded to 57 bits)                    |
//	  |                                     --------------> | Answer:
//	  |                                                      |  expand -> Enc(2^l x_j), Enc(2^l pi), Enc(2^l a)
//	  |                                                      |  per group g of N entries:
//	  |                                                      |   h = a + B + pi*C - sum_j x_j y_j  (= floor((d+e)/2))
//	  |                                                      |   f_g = prod_{r<=k} (h - r)  (u = h(h-k) symmetrised)
//	  |                                                      |  per output o: F_o = R_o * prod_{g = o mod K} f_g
//	  |                                                      |   (padded to ceil(groups/K) factors)
//	  |                                                      |  + mask m_o, re-randomise (pk, flooding)
//	  |         <--------------  K answer cts (level 0, c0 |
//	  |                          and c1 rounded: 21+29 bits) |
//	  |  Finish: decrypt, reply R_o*F_o + m_o (17 bits/slot) |
//	  |                                     --------------> | Verdict: any slot with reply == m ?
//
// One and a half round trips per query after the one-time keys.
//
// # Circuit
//
// Database entries are packed one per slot, N per group. The client's hash
// bits arrive in one coefficient-encoded ciphertext and are expanded
// obliviously (SealPIR-style, automorphisms X -> X^(N/2^k+1), no
// normalisation: 2^-l mod t is folded into the server's plaintexts), so the
// client sends one top-level ciphertext instead of 256. 258 values need 9
// tree levels, but a node holding one needed index is finished by doubling
// instead of an automorphism, so only nodes 0 and 1 of the last level key-
// switch: 257 key switches, not 511 (a and pi cannot move out of the
// coefficient vector without a second top-level ciphertext, or a
// ninth Galois key anyway: X^256 is fixed by the eight others). The server computes
// h = floor((d+e)/2), e = 1 - T mod 2, linearly: d <= T iff h <= k = floor(T/2)
// (the parity trick), because floor((|x|+|y|+e)/2) = a + floor(|y|/2) +
// pi*(|y| mod 2) with a, pi from the client. f(h) = prod_{r=0..k}(h-r) is zero
// iff the entry matches; with u = h(h-k) it is prod_{r<(k+1)/2}(u + r(k-r)),
// depth 1 + ceil(log2 8) = 4 for T = 31. Factors are paired into
// quadratics u^2 + (c_a+c_b)u + c_a*c_b, formed from one u^2 before their
// rescale: 5 relinearisations per group instead of 8, same depth. The
// linear stage (257 plaintext products per group at all 10 primes) sums
// 128-bit products and reduces once per coefficient (distance.go).
// Products over groups aggregate with
// depth ceil(log2(groups/K)); K (answer ciphertexts) is the smallest count for
// which the circuit fits the levels ([Server.Outputs]). When K does not
// divide the groups, outputs with fewer groups also multiply the value of
// an all-padding group (never zero), so every output runs the same product
// tree and ends at the same level and scale (TestEveryDatabaseSize). The
// client's R_o, drawn independently for every output, makes every non-zero
// slot uniform in [1, t-1] and independent across outputs: with one R for
// all outputs the server could divide two outputs' slots and read
// F_0/F_1, a known function of the query (TestNoRatioLeak). The server's
// mask m makes what the client decrypts uniform in Z_t.
//
// # Diagonal circuit
//
// For one group of at most N/2 entries ([Literal.Diagonal], preset H14D;
// the engine of he-hamming-lsh) the expansion is replaced by a
// matrix-vector product (diagonal.go): each entry sits in both slot rows,
// half of its bits in each; the client encrypts its hash bits replicated
// over the columns, the server multiplies n/2 rotations of it by the
// entries' bits laid on n/2 generalised diagonals (baby-step giant-step:
// 15 hoisted rotations and 7 by 16 for n = 256), adds the two rows (one
// row swap), then adds |y| and runs the threshold on the distance d
// itself (degree T + 1: there is no weight from the client for the parity
// trick). Keys: the relinearisation key and 17 rotation keys, no
// expansion keys. Answer, randomisers, mask and verdict are unchanged.
//
// # Parameters
//
// H14: N = 2^14, t = 65537, Q = 55 + 8 x 33 + 52 bits, P = 2 x 33 bits,
// log2(QP) = 437 <= 438 (HE standard, 128 bits, ternary secret).
// H14D: N = 2^14, Q = 55 + 6 x 33 + 52 bits (seven rescales: the
// distance, the threshold's five levels at T = 31, the randomiser),
// P = 4 x 33 bits (two gadget digits, so each key switch is cheaper),
// log2(QP) = 437.
// NewParameters applies the toolkit's one security table (he.NewParameters)
// and refuses literals above the bound; H12Insecure (N = 2^12, same
// moduli) is marked insecure and accepted only after he/hetest opens the
// test door.
//
// # Key material
//
// Each key-switching key (relinearisation and the nine Galois keys; Q = 10
// primes, P = 2, so 5 gadget digits; under H14D the relinearisation key
// and 17 rotation keys, Q = 8, P = 4, 2 digits) travels through the toolkit's seeded
// key codec: a 32-byte seed and the c0 halves; the server redraws the
// uniform c1 halves by replaying Lattigo's key generator on the seed's
// AES-CTR stream (checked byte for byte by TestSeededKeysRegenerate),
// about half of Lattigo's own encoding. The seeds come from the client's
// injected reader; the uniform halves are public anyway.
//
// Costs (time, bytes, memory) are measured by BenchmarkHamming and the
// psi benchmarks; the figures, with their commands and dates, are in
// README.md and the repository README.
//
// # Correctness failure
//
//   - Wrap-around: h is in [0, n/2+1] and every factor h - r, u + r(k-r) is
//     a non-zero residue unless h = r, because |h - r| < t and t is prime;
//     products of non-zero residues mod a prime are non-zero. Exact: 0.
//   - Padding slots get B = n+1, so h > k: never a match. Exact: 0.
//   - R: uniform in [1, t-1] (rejection sampling), never 0, so R*g = 0 iff
//     g = 0. Exact: 0. (Uniform R in [0, t-1] would force a false match per
//     slot with probability 1/t, i.e. 1 - (1-1/65537)^(16384 K) ~ 22% per
//     answer ciphertext: this is why R excludes 0.)
//   - Mask: m is subtracted exactly; it cannot create or hide a zero. 0.
//   - Noise: decryption fails if the error exceeds q0/(2t) = 2^38. Not
//     bounded analytically for the circuit; measured on the answer the
//     client receives (TestAnswerNoiseBudget at N = 2^12, BenchmarkHamming's
//     noise-log2 at H14; figures in README.md): the circuit's own noise,
//     the flooding (up to 2^33) and the rounding of the answer (up to 2^35
//     from c0 plus a c1*s term of standard deviation 2^27 * sqrt(2N/9)).
//     A 34-bit top prime fails (h^16 wrong), and so does DropLevel instead
//     of modulus switching.
//
// # Threat model and leakage ledger
//
// Semi-honest server, semi-honest or malicious client; network observer.
//
//   - Server, on a match: the set of zero slots, i.e. for each zero slot i of
//     answer ciphertext o, that some entry among {g*N + i : g = o mod K}
//     (groups/K candidates, 8 at 2^20 with H14) is within T. On a non-match:
//     nothing beyond "no match" (every slot of every output is uniform
//     non-zero and independent of the others, each output having its own
//     R_o). It does not see the client's hash (RLWE, 128-bit parameters) or
//     any R_o.
//   - Client: the number of answer ciphertexts K and the answer scale, hence
//     about ceil(|DB|/N)/8 (the database size to within a factor of N*8).
//     Decrypted values are uniform (mask). The answer's noise is flooded with
//     uniform noise of 2^F, F = log2(q0) - 22 = 33 bits, after re-randomisation
//     with the level-0 public key; this is NOT a 2^-40 statistical argument
//     (that needs about 40 more bits of q0, one more prime): a client that
//     studies the noise may learn something about the database. Stated as a
//     known gap.
//   - Malicious client: can force "no match" (send a hash far from its
//     content, or send R with zeros... zeros in R force a match in those
//     slots, so a lying client can also frame itself), can query any value
//     of the coefficient slots (several hashes at once cannot be packed in
//     one query since the server reads only coefficients 0..n+1, but a
//     client can send non-binary "bits", making h a weighted distance, and
//     thereby test other functions of the database), can send garbage replies
//     (forces either verdict). The server cannot detect any of this; the
//     design gives the server no evidence against a modified client, matching
//     the assessment's resiliency concern.
//   - Network observer: message sizes only (fixed by parameters and K).
