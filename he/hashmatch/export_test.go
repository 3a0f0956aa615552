package hashmatch

import (
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"syscall"
	"time"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he"
	"github.com/tuneinsight/lattigo/v5/he/hefloat/bootstrapping"
)

// insecureLiteral is a small, INSECURE parameter set for tests: N = 2^13
// (4096 slots, as Default uses), logQP far above the 128-bit bound.
var insecureLiteral = HM13Insecure

// newInsecureParams builds parameters without the security check.
func newInsecureParams(lit ParamsLiteral) (Params, error) { return newParams(lit, true) }

// newTestServer builds a server that bootstraps by decrypting and
// re-encrypting with the client's secret key (Lattigo's
// SecretKeyBootstrapper): it checks the circuit, not bootstrapping.
func newTestServer(c *Client, db []phash.Hash, threshold int) (*Server, error) {
	keys := c.p.testKeys(c.sk)
	b := bootstrapping.NewSecretKeyBootstrapper(c.p.residual, c.sk)
	b.MinLevel = 1
	return newServer(c.p, keys, db, threshold, b)
}

// hashBits runs the hashing stage on a query and decrypts the 64 bits
// with the client's key.
func hashBits(s *Server, c *Client, query []byte) ([]float64, error) {
	ct, err := s.p.expandQuery(query)
	if err != nil {
		return nil, err
	}
	bits, err := s.hash(ct)
	if err != nil {
		return nil, err
	}
	return c.decryptSlots(bits)[:s.p.shape.coefs], nil
}

func (c *Client) decryptSlots(ct *rlwe.Ciphertext) []float64 {
	v := make([]float64, nSlots)
	if err := c.ecd.Decode(c.dec.DecryptNew(ct), v); err != nil {
		panic(err)
	}
	return v
}

// entryDecisions runs the hashing stage and the per-entry comparisons on
// a query and decrypts the bits and step(t_e) for every entry.
func entryDecisions(s *Server, c *Client, query []byte) (bits, dec []float64, err error) {
	ct, err := s.p.expandQuery(query)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.hash(ct)
	if err != nil {
		return nil, nil, err
	}
	bits = c.decryptSlots(b)[:s.p.shape.coefs]
	if b, err = s.btp.Bootstrap(b); err != nil {
		return nil, nil, err
	}
	sign := signCoarse
	if s.p.shape.alg == imagehash.AlgPDQ {
		sign = signFine[:fineStages] // PDQ's distances come 2^-9 from zero
	}
	e, err := s.entries(b, stepPoly(sign, len(sign), 1, 0))
	if err != nil {
		return nil, nil, err
	}
	return bits, c.decryptSlots(e)[:s.n], nil
}

// cpuClock returns the process's user+system CPU time: with GOMAXPROCS=1
// it is the single-core work time, whatever else the machine runs.
func cpuClock() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// useCPUClock makes s time its stages in process CPU time.
func useCPUClock(s *Server) { s.clock = cpuClock }

// hashTrace runs the hashing stage on a query, decrypting the pairwise
// differences, the pairwise steps (as the fine polynomial leaves them:
// step/64 - 32.5/64^2), the rank sums and the bits on the way.
func hashTrace(s *Server, c *Client, query []byte) (d, steps, rank, bits []float64, err error) {
	x, err := s.p.expandQuery(query)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	dc, err := s.linear(x, s.pair)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	d = c.decryptSlots(dc)
	if err := s.eval.Add(dc, s.pairConst, dc); err != nil {
		return nil, nil, nil, nil, err
	}
	cmp := s.comparator()
	step, err := s.preciseComparator().Evaluate(dc, s.fine)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	steps = c.decryptSlots(step)
	if err := s.eval.InnerSum(step, nCoef, nCoef, step); err != nil {
		return nil, nil, nil, nil, err
	}
	rank = c.decryptSlots(step)[:nCoef]
	b, err := cmp.Evaluate(step, s.rank)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return d, steps, rank, c.decryptSlots(b)[:nCoef], nil
}

func newKeyGen(p Params) *rlwe.KeyGenerator               { return rlwe.NewKeyGenerator(p.residual) }
func newEnc(p Params, sk *rlwe.SecretKey) *rlwe.Encryptor { return rlwe.NewEncryptor(p.residual, sk) }
func newDec(p Params, sk *rlwe.SecretKey) *rlwe.Decryptor { return rlwe.NewDecryptor(p.residual, sk) }

// testKeys generates the circuit's keys for sk unseeded and without
// bootstrapping keys, for tests that bootstrap with the secret key.
func (p Params) testKeys(sk *rlwe.SecretKey) *keySet {
	kgen := rlwe.NewKeyGenerator(p.residual)
	gks := kgen.GenGaloisKeysNew(p.galoisElements(), sk)
	return &keySet{evk: rlwe.NewMemEvaluationKeySet(kgen.GenRelinearizationKeyNew(sk), gks...)}
}

// insecureClient skips under -short (with why) and returns the insecure
// test parameters and a client for them.
func insecureClient(t *testing.T, why string) (Params, *Client) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
	p, err := newInsecureParams(insecureLiteral)
	require.NoError(t, err)
	c, err := NewClient(p, rand.Reader)
	require.NoError(t, err)
	return p, c
}

// shallowCopy returns a server sharing s's keys and encoded matrices with
// its own evaluators, buffers and polynomials, for running images on
// several cores in one test process. sk-bootstrapping servers need c, the
// client whose key they bootstrap with.
func (s *Server) shallowCopy(c *Client) *Server {
	cp := *s
	cp.eval = s.eval.ShallowCopy()
	cp.ltEval = hefloat.NewLinearTransformationEvaluator(cp.eval)
	var b he.Bootstrapper[rlwe.Ciphertext]
	switch v := s.btp.Bootstrapper.(type) {
	case evalBootstrapper:
		// Lattigo v5.0.7's bootstrapping ShallowCopy drops the parameters
		// and keys; copy the struct and renew only what holds buffers.
		be := *v.Evaluator
		params := be.BootstrappingParameters
		be.Evaluator = v.Evaluator.Evaluator.ShallowCopy()
		be.DFTEvaluator = hefloat.NewDFTEvaluator(params, be.Evaluator)
		be.Mod1Evaluator = hefloat.NewMod1Evaluator(be.Evaluator, hefloat.NewPolynomialEvaluator(params, be.Evaluator), be.Mod1Parameters)
		b = evalBootstrapper{&be}
	case *bootstrapping.SecretKeyBootstrapper:
		nb := bootstrapping.NewSecretKeyBootstrapper(c.p.residual, c.sk)
		nb.MinLevel = v.MinLevel
		b = nb
	default:
		panic("shallowCopy: unknown bootstrapper")
	}
	cp.btp = &timedBootstrapper{Bootstrapper: b, clock: s.clock}
	cp.initPolynomials()
	if s.pdq != nil {
		pdq, err := newPDQStage()
		if err != nil {
			panic(err)
		}
		cp.pdq = pdq
	}
	return &cp
}

// shallowCopy returns a client with the same key and its own encoder,
// encryptor and decryptor.
func (c *Client) shallowCopy() *Client {
	return &Client{
		p: c.p, sk: c.sk, rng: c.rng,
		ecd: hefloat.NewEncoder(c.p.residual),
		enc: rlwe.NewEncryptor(c.p.residual, c.sk),
		dec: rlwe.NewDecryptor(c.p.residual, c.sk),
	}
}

// pdqPairDiffs runs PDQ's coefficient stage on a query and decrypts the 16
// ciphertexts of pairwise differences the first sign stage reads (slot
// a*256 + i of ciphertext k holds c_i - c_((i + 16k + a) mod 256)) and
// the first stage's 16 outputs.
func pdqPairDiffs(s *Server, c *Client, query []byte) (diffs, first [][]float64, err error) {
	x, err := s.p.expandQuery(query)
	if err != nil {
		return nil, nil, err
	}
	cc, err := s.pdqCoefficients(x)
	if err != nil {
		return nil, nil, err
	}
	diffs = make([][]float64, pdqBlocks)
	first = make([][]float64, pdqBlocks)
	for k := range diffs {
		diffs[k] = make([]float64, nSlots)
		rots, err := s.pdqRotations(cc, k)
		if err != nil {
			return nil, nil, err
		}
		for a := 0; a < pdqBlocks; a++ {
			y, err := s.pdqDifference(cc, rots[a])
			if err != nil {
				return nil, nil, err
			}
			copy(diffs[k][a*pdqCoefs:(a+1)*pdqCoefs], c.decryptSlots(y)[a*pdqCoefs:(a+1)*pdqCoefs])
		}
		f, err := s.pdqFirstStage(cc, k)
		if err != nil {
			return nil, nil, err
		}
		first[k] = c.decryptSlots(f)
	}
	return diffs, first, nil
}
