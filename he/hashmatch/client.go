package hashmatch

import (
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"math"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/utils/sampling"
)

// This file holds the client (the device): its secret key, the encrypted
// luma it uploads, and the decryption of the server's masked answer.

const seedLen = 32

// Client is the device: it owns the secret key. A Client is not safe for
// concurrent use.
type Client struct {
	p   Params
	sk  *rlwe.SecretKey
	ecd *hefloat.Encoder
	enc *rlwe.Encryptor
	dec *rlwe.Decryptor
	rng io.Reader
}

// NewClient draws a secret key. rng supplies the seeds of the queries'
// uniform components (crypto/rand.Reader outside tests); the secret and
// the errors come from Lattigo's own cryptographic sampler.
func NewClient(p Params, rng io.Reader) (*Client, error) {
	if p.lit.LogN == 0 {
		return nil, fmt.Errorf("hashmatch: new client: zero Params")
	}
	if rng == nil {
		return nil, fmt.Errorf("hashmatch: new client: nil rng")
	}
	// The secret lives on the bootstrapping modulus (a superset of the
	// residual chain): bootstrapping keys need every limb of it.
	sk := rlwe.NewKeyGenerator(p.btp.BootstrappingParameters).GenSecretKeyNew()
	return &Client{
		p: p, sk: sk, rng: rng,
		ecd: hefloat.NewEncoder(p.residual),
		enc: rlwe.NewEncryptor(p.residual, sk),
		dec: rlwe.NewDecryptor(p.residual, sk),
	}, nil
}

// Keys generates the evaluation keys the server needs, bootstrapping
// included, in their seeded encoding (slow at Default: tens of seconds,
// gigabytes). The seeds come from the Client's rng.
func (c *Client) Keys() (*Keys, error) { return c.p.seededKeys(c.sk, c.rng) }

// QuerySize returns the byte size of a query: the seed of the uniform
// component and the other component at the top residual level.
func QuerySize(p Params) int { return seedLen + p.polyLen(p.residual.MaxLevel()) }

// Query computes img's downsampled luma as the parameters' hash reads it
// (imagehash.Luma: 32x32 for phash8, 64x64 for PDQ) and encrypts it
// (QueryLuma).
func (c *Client) Query(img image.Image) ([]byte, error) {
	luma, err := imagehash.Luma(c.p.shape.alg, img)
	if err != nil {
		return nil, fmt.Errorf("hashmatch: query: %w", err)
	}
	return c.QueryLuma(luma)
}

// lumaSlack is how far past 0..255 QueryLuma accepts a luma value.
const lumaSlack = 0.01

// QueryLuma encrypts the luma (1024 values for phash8, 4096 for PDQ) on
// the 0..255 scale (PDQ's may stray past it by float32 rounding: up to
// lumaSlack): standardised (minus their mean, over their standard
// deviation: see pairDiagonals for why; for PDQ then spread, see
// pdqSpread, and divided by pdqGain), repeated to fill 4096 slots, at
// the default scale and the top residual level, as a seeded ciphertext.
func (c *Client) QueryLuma(luma []float64) ([]byte, error) {
	p := c.p
	nLuma := p.shape.luma
	if len(luma) != nLuma {
		return nil, fmt.Errorf("hashmatch: query: %d luma values, want %d", len(luma), nLuma)
	}
	for i, v := range luma {
		// PDQ's float32 box filter strays past 0 and 255 by rounding.
		if math.IsNaN(v) || v < -lumaSlack || v > 255+lumaSlack {
			return nil, fmt.Errorf("hashmatch: query: luma %d is %v, want 0..255", i, v)
		}
	}
	x, _ := standardize(luma)
	if p.shape.alg == imagehash.AlgPDQ {
		k, err := pdqSpread(x)
		if err != nil {
			return nil, fmt.Errorf("hashmatch: query: %w", err)
		}
		for i := range x {
			x[i] *= k / pdqGain
		}
	}
	vals := make([]float64, nSlots)
	for j := range vals {
		vals[j] = x[j%nLuma]
	}
	lvl := p.residual.MaxLevel()
	pt := hefloat.NewPlaintext(p.residual, lvl)
	pt.LogDimensions = dims
	if err := c.ecd.Encode(vals, pt); err != nil {
		return nil, fmt.Errorf("hashmatch: query: %w", err)
	}
	var seed [seedLen]byte
	if _, err := io.ReadFull(c.rng, seed[:]); err != nil {
		return nil, fmt.Errorf("hashmatch: query: read seed: %w", err)
	}
	prng, err := sampling.NewKeyedPRNG(seed[:])
	if err != nil {
		return nil, fmt.Errorf("hashmatch: query: %w", err)
	}
	ct := hefloat.NewCiphertext(p.residual, 1, lvl)
	if err := c.enc.WithPRNG(prng).Encrypt(pt, ct); err != nil {
		return nil, fmt.Errorf("hashmatch: query: %w", err)
	}
	return appendPoly(append(make([]byte, 0, QuerySize(p)), seed[:]...), ct.Value[0], lvl), nil
}

// expandQuery decodes a query and regenerates its uniform component.
func (p Params) expandQuery(data []byte) (*rlwe.Ciphertext, error) {
	if len(data) != QuerySize(p) {
		return nil, fmt.Errorf("query of %d bytes, want %d", len(data), QuerySize(p))
	}
	lvl := p.residual.MaxLevel()
	ct := hefloat.NewCiphertext(p.residual, 1, lvl)
	if err := p.readPoly(data[seedLen:], ct.Value[0], lvl); err != nil {
		return nil, err
	}
	prng, err := sampling.NewKeyedPRNG(data[:seedLen])
	if err != nil {
		return nil, err
	}
	ringqp.NewUniformSampler(prng, *p.residual.RingQP()).AtLevel(lvl, -1).Read(ringqp.Poly{Q: ct.Value[1]})
	ct.Scale = p.residual.DefaultScale()
	ct.LogDimensions = dims
	ct.IsNTT = true
	return ct, nil
}

// Reveal decrypts an answer and rounds its first revealSlots slots to
// integers: the reply the server turns into its result. The values are
// masked by the server, so the client learns nothing of the result from
// them (see the package documentation for what the noise may carry).
func (c *Client) Reveal(answer []byte) ([]byte, error) {
	p := c.p
	ct, err := p.decodeAnswer(answer)
	if err != nil {
		return nil, fmt.Errorf("hashmatch: reveal: decode answer: %w", err)
	}
	vals := make([]float64, nSlots)
	if err := c.ecd.Decode(c.dec.DecryptNew(ct), vals); err != nil {
		return nil, fmt.Errorf("hashmatch: reveal: %w", err)
	}
	out := make([]byte, 0, 8*revealSlots)
	for _, v := range vals[:revealSlots] {
		if math.IsNaN(v) || v < -0.5 || v > maskMax*2 {
			return nil, fmt.Errorf("hashmatch: reveal: slot value %v out of range", v)
		}
		out = binary.BigEndian.AppendUint64(out, uint64(math.Round(v)))
	}
	return out, nil
}
