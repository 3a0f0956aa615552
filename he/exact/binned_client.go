package exact

import (
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// BinnedClient is the querying side of the binned circuit. It holds the
// secret key; none of its methods sends it. It is not safe for concurrent
// use.
type BinnedClient struct {
	params Parameters
	bins   int
	sk     *secretKey
	enc    *encryptor
	dec    *decryptor
	c0     ring.Poly
	ad     *answerDecrypter
}

// NewBinnedClient samples a fresh secret key for a server with the given
// number of bins ([BinnedServer.Bins], public). Seeds come from rng
// (crypto/rand when nil).
func NewBinnedClient(p Parameters, bins int, rng io.Reader) (*BinnedClient, error) {
	if !p.lit.Binned {
		return nil, fmt.Errorf("he: binned client: params %s are not binned", p.Name())
	}
	if bins < 1 || bins > MaxBins(p) {
		return nil, fmt.Errorf("he: binned client: %d bins outside 1..%d", bins, MaxBins(p))
	}
	sk := newSecretKey(p)
	return &BinnedClient{params: p, bins: bins, sk: sk, enc: newEncryptor(sk, rng), dec: newDecryptor(sk), c0: p.bgv.RingQ().NewPoly()}, nil
}

// Setup returns the one-time key material: the relinearisation key, two
// rotation keys and the expansion keys.
func (c *BinnedClient) Setup() ([]byte, error) {
	k, err := genBinnedKeys(c.sk, binnedExpandLog(c.bins), c.enc.rng)
	if err != nil {
		return nil, err
	}
	return k.marshal(), nil
}

// BinnedKeysSize returns the exact byte size of a binned client's Setup
// for a server with the given number of bins.
func BinnedKeysSize(p Parameters, bins int) int { return binnedKeysSize(p, binnedExpandLog(bins)) }

// Query encrypts, coefficient-encoded at the top level, the one-hot
// selector of h's bin and h's four felts, as a seeded ciphertext.
func (c *BinnedClient) Query(h [32]byte) ([]byte, *QueryState, error) {
	return c.queryCoeffs(func(pT []uint64) {
		pT[BinOf(h, c.bins)] = 1
		for k, v := range fingerprintOf(h) {
			pT[c.bins+k] = uint64(v)
		}
	})
}

// queryCoeffs encrypts the coefficients fill writes (into zeros) as a
// seeded query at the top level.
func (c *BinnedClient) queryCoeffs(fill func(pT []uint64)) ([]byte, *QueryState, error) {
	p := c.params
	e := c.enc
	top := p.MaxLevel()
	clear(e.pT.Coeffs[0])
	fill(e.pT.Coeffs[0])
	e.ecd.RingT2Q(top, true, e.pT, c.c0) // t^-1 * m
	seed, err := e.seeded.Encrypt(c.c0)
	if err != nil {
		return nil, nil, fmt.Errorf("he: binned query: %w", err)
	}
	return appendSeeded(make([]byte, 0, QuerySize(p)), p, top, &seed, c.c0), &QueryState{}, nil
}

// Finish decrypts the server's answer and returns the reply: the masked
// values of the BinSize positions, then their masked check values. The
// client learns nothing from them.
func (c *BinnedClient) Finish(st *QueryState, answer []byte) ([]byte, error) {
	p := c.params
	if err := st.open(p, answer, core.KindExactBinAns); err != nil {
		return nil, fmt.Errorf("he: binned finish: %w", err)
	}
	if len(answer) != BinnedAnswerSize(p) {
		return nil, fmt.Errorf("he: binned finish: answer of %d bytes, want %d", len(answer), BinnedAnswerSize(p))
	}
	if c.ad == nil {
		c.ad = newAnswerDecrypter(c.sk, c.dec)
	}
	slots, err := c.ad.decrypt(answer[core.HeaderLen:])
	if err != nil {
		return nil, fmt.Errorf("he: binned finish: answer: %w", err)
	}
	C := BinSize(p)
	out := make([]uint64, 2*C)
	for e := 0; e < C; e++ {
		out[e] = slots[e*feltsPerItem]
		out[C+e] = slots[checkSlot(p, e)]
	}
	return encodeReply(p, out), nil
}
