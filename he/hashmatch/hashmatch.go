// Package hashmatch computes a whole perceptual hash and its match against
// a database under homomorphic encryption: the device uploads its
// downsampled image encrypted (CKKS), the server computes imagehash's
// phash (64 bits: DCT block, median threshold) and the Hamming match
// against a plaintext list of phash8 hashes without decrypting, and the
// only value that is ever decrypted is the verdict (or the count of
// matching entries), masked so that the server learns it and the device
// does not. It measures the design the 2022 BSR assessment's "20 million
// seconds per message" most likely describes.
//
// Start here: NewParams(Default), NewClient (Keys, Query), NewServer
// (Answer), Client.Reveal, Pending.Result.
//
// PDQ: parameters built from DefaultPDQ (or any preset through ForHash)
// compute PDQ's 256 bits from its 64x64 luma instead, against a list of
// PDQ hashes, with the same parameters, bootstrapping, reveal and threat
// model; pdq.go describes its layout (one level for the coefficients, all
// 65,536 ordered pairs in 16 ciphertexts, rank against the lower median).
// The description below is phash8's.
//
//	client (device)                              server
//	sk; keys = Keys()  (rlk, rotations,
//	  bootstrapping keys; once)   ------------>  NewServer(params, keys, db, T)
//	luma = imagehash.Luma(phash8, img): 32x32
//	x = (luma - mean) / sigma  (standardised)
//	query = Enc_sk(x, period 1024,
//	  4096 slots, top level, seeded)  -------->  Answer:
//	                                               D = Enc(c_i - c_j), all 64x64 pairs
//	                                               R_i = 1 + sum_j step(c_i - c_j)
//	                                               b_i = step(R_i - 32.5)  (hash bits)
//	                                               t_e = (T + 0.5 - dist(b, h_e)) / 64
//	                                               v = 1 - prod_e (1 - step(t_e))  (or the count)
//	                                               answer = Enc(v*K_i + R_i), i < 32
//	                     <--------------------   (K_i odd, R_i uniform: server secrets)
//	reply = round(Dec(answer)[0:32])  ------->   Result: v = (w_i - R_i)/K_i, all i agree
//
// # Circuit
//
// Every ciphertext has 4096 slots. Hashing: the client standardises its
// luma (minus the mean, over the standard deviation sigma), which scales
// every AC coefficient by 1/sigma and so leaves phash8's bits alone. One
// linear transformation (1024 diagonals, baby-step giant-step) takes it
// straight to the pairwise differences D[s] = (c_i - c_j)/(sigma*bound),
// i = s mod 64, j = s/64, for AC coefficients i and j, where c is
// imagehash's 8x8 DCT block (he/imagehash's reference, read off by
// columns) and bound = sqrt(1024) times the largest norm of a difference
// of two AC rows, so |D| <= 1 by Cauchy-Schwarz. Pairs with the DC
// coefficient are constants (+-1/2: it exceeds every AC coefficient of a
// non-black image), and the 64 self-pairs are set to 1/2. Scaling by the
// image's own sigma, not by the worst case over all luma (255 times the
// DC row's L1 norm), keeps near ties apart: 2*255*norm/(sigma*bound)
// is 510/sigma, large for the flat images whose coefficients crowd. A
// composite minimax sign polynomial (signFine: 7 stages, degrees 7, 7, 7,
// then 15, inputs 2^-17 from zero; its first stage runs before any
// bootstrapping, on the fresh differences, and the two bootstraps after
// the first two stages are refined, precise.go) gives step(D); an inner sum over j gives each
// coefficient's rank, and a second comparison (signCoarse, 2^-8) against
// 32.5 gives bit i = [#{j : c_j < c_i} >= 32], which is imagehash's
// c_i > median (mean of the two middle values) whenever the two middle
// values differ. The bits come out replicated with period 64.
//
// Matching: up to 4096 entries per group; one linear transformation with
// 64 plaintext diagonals computes, in slot e, t_e = (T + 0.5 - d_e)/64
// with d_e = |h_e| + sum_k b_k (1 - 2 h_e[k]); signCoarse gives
// [d_e <= T]. Verdict: 1 - [d_e <= T] is multiplied over the groups and
// over the 4096 slots (a product tree of rotations), which is 0 iff some
// entry matches, and a degree-7 polynomial cleans the result back to 0 or
// 1; a product keeps each factor's error, where a sum of 4096 slots would
// add their noise to a count compared with 1/2. Count: the matches are
// summed over the slots instead. The last stage of each sign polynomial
// carries the affine map the next step needs, so no level is spent on
// scaling. Bootstrapping (Lattigo's
// he/hefloat/bootstrapping, sparse 4096-slot packing) runs whenever a
// stage lacks levels.
//
// # Parameters
//
// Default: N = 2^15, residual Q = 40 + 5 x 31 bits (five levels between
// bootstraps: a degree-15 stage needs four and Lattigo's bootstrapper
// needs its input at level 1 or more), P = 2 x 56 bits, scale 2^31,
// dense ternary secret (Hamming weight N/2) with Lattigo's H = 32
// ephemeral secret for bootstrapping; bootstrapping moduli after Lattigo's
// N15QP880H16384H32 with CoeffsToSlots 2 x 51 bits, SlotsToCoeffs as two
// separate 39-bit levels and the EvalMod scale at 2^49. log2(QP) = 879 <=
// 881 (HomomorphicEncryption.org standard, 128 bits, ternary secret);
// NewParams rejects sets above the bound. N = 2^16 would give more levels
// per bootstrap but needs about four times the memory and time per
// bootstrap; 4096 slots (64 x 64 comparisons) fit N = 2^15. Sparse
// ciphertexts are bootstrapped with Lattigo's Evaluate, not Bootstrap
// (whose packing path returned wrong values for them in v5.0.7).
//
// # Threat model and leakage ledger
//
// Semi-honest server; semi-honest or malicious client; network observer.
//
//   - Server: learns the verdict (Verdict) or the number of matching
//     entries (Count), nothing else: the luma, the DCT coefficients and
//     the hash bits exist only under the client's key (RLWE at the
//     128-bit parameters above). A malicious server is not covered and
//     is the weak point of any design where the device decrypts: the
//     client decrypts whatever ciphertext it is sent and returns 32 rounded
//     slots, so a server that runs another circuit can learn 32 values of
//     up to 45 bits per query (for example the 64 hash bits, or luma
//     values), and the client cannot tell, because the values are masked.
//   - Client: decrypts v*K_i + R_i with R_i uniform in [0, 2^44): the
//     verdict is hidden up to a statistical distance of 32*127/2^44
//     (about 2^-32) per answer, the count up to |DB| times that. The CKKS
//     decryption error is NOT flooded: every slot's error depends on the
//     circuit and hence on the database, and a client that studies it may
//     learn something about the list (no circuit privacy; flooding it with
//     a 2^-40 statistical argument needs about 40 more bits of modulus at
//     the answer than these parameters leave). Stated as a known gap.
//   - Malicious client: can hash another image or send values that are
//     not a standardised luma (the sign polynomials may then diverge and
//     the result is arbitrary), so it can always evade; it cannot change the returned
//     result undetected without guessing every K_i (odds 2^-192), and a
//     missing or malformed reply is an error the server sees.
//   - Network observer: message sizes, fixed by the parameters (one query,
//     one answer, 256-byte reply), and timing, which grows with the number
//     of 4096-entry groups.
package hashmatch
