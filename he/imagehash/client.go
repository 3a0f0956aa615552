package imagehash

import (
	"crypto/rand"
	"fmt"
	"image"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/privmatch/privmatch/phash"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/schemes/ckks"
)

// Client holds the secret key: it makes the evaluation keys and queries
// and finishes answers. It has no wire methods, so the key cannot be sent
// by accident. It is not safe for concurrent use.
type Client struct {
	p   Parameters
	sk  *rlwe.SecretKey
	enc *core.SeededEncryptor
	dec *rlwe.Decryptor
	ecd *ckks.Encoder
	rng io.Reader
}

// NewClient draws a fresh ternary secret key (Lattigo's key generator,
// seeded from crypto/rand). Seeds of query ciphertexts are read from rng,
// or crypto/rand when rng is nil.
func NewClient(p Parameters, rng io.Reader) (*Client, error) {
	if p.alg == "" {
		return nil, fmt.Errorf("imagehash: new client: zero Parameters")
	}
	if rng == nil {
		rng = rand.Reader
	}
	sk := rlwe.NewKeyGenerator(p.ckks).GenSecretKeyNew()
	enc, err := core.NewSeededEncryptor(p.Parameters, sk, rng)
	if err != nil {
		return nil, fmt.Errorf("imagehash: new client: %w", err)
	}
	return &Client{p: p, sk: sk, enc: enc, dec: rlwe.NewDecryptor(p.ckks, sk), ecd: ckks.NewEncoder(p.ckks), rng: rng}, nil
}

// Keys generates and encodes the Galois keys the server needs (once per
// client; KeysSize bytes). Seeds of their uniform parts come from the
// client's rng.
func (c *Client) Keys() ([]byte, error) {
	_, b, err := c.p.genKeys(c.sk, c.rng)
	if err != nil {
		return nil, fmt.Errorf("imagehash: keys: %w", err)
	}
	return b, nil
}

// QuerySize returns the byte size of a query: header, 32-byte seed and the
// first ciphertext component at level 1.
func QuerySize(p Parameters) int {
	return core.HeaderLen + core.SeedLen + packedLen(p.ckks.N(), p.ckks.Q()[:2])
}

// AnswerSize returns the byte size of an answer: header and both
// components at level 0.
func AnswerSize(p Parameters) int {
	return core.HeaderLen + 2*packedLen(p.ckks.N(), p.ckks.Q()[:1])
}

// Query computes img's luma (Luma) and encrypts it (QueryLuma).
func (c *Client) Query(img image.Image) ([]byte, error) {
	luma, err := Luma(c.p.alg, img)
	if err != nil {
		return nil, err
	}
	return c.QueryLuma(luma)
}

// QueryLuma encrypts the luma (Inputs values on the 0..255 scale) as a
// seeded CKKS ciphertext: values divided by 255, repeated to fill the
// slots, at scale 2^LogScale and level 1.
func (c *Client) QueryLuma(luma []float64) ([]byte, error) {
	p := c.p
	if len(luma) != p.shape.inputs {
		return nil, fmt.Errorf("imagehash: query: %d luma values, want %d", len(luma), p.shape.inputs)
	}
	vals := make([]float64, p.ckks.MaxSlots())
	for j := range vals {
		vals[j] = luma[j%len(luma)] / 255
	}
	pt := ckks.NewPlaintext(p.ckks, 1)
	pt.IsNTT = false // the seeded encryptor adds m before its NTT
	if err := c.ecd.Encode(vals, pt); err != nil {
		return nil, fmt.Errorf("imagehash: query: %w", err)
	}
	seed, err := c.enc.Encrypt(pt.Value)
	if err != nil {
		return nil, fmt.Errorf("imagehash: query: %w", err)
	}
	out := p.putHeader(make([]byte, 0, QuerySize(p)), core.KindImageQuery)
	out = append(out, seed[:]...)
	return packPoly(out, pt.Value, p.ckks.Q()[:2]), nil
}

// expandQuery decodes a query and regenerates its uniform component.
func (p Parameters) expandQuery(data []byte) (*rlwe.Ciphertext, error) {
	if err := p.checkHeader(data, core.KindImageQuery); err != nil {
		return nil, err
	}
	if len(data) != QuerySize(p) {
		return nil, fmt.Errorf("query of %d bytes, want %d", len(data), QuerySize(p))
	}
	ct := ckks.NewCiphertext(p.ckks, 1, 1)
	if err := unpackPoly(data[core.HeaderLen+core.SeedLen:], ct.Value[0], p.ckks.Q()[:2]); err != nil {
		return nil, err
	}
	if err := core.ExpandC1(data[core.HeaderLen:core.HeaderLen+core.SeedLen], p.ckks.Q()[:2], ct.Value[1].Coeffs); err != nil {
		return nil, err
	}
	return ct, nil
}

// Result is what the client obtains from an answer.
type Result struct {
	// Coefficients are the decrypted DCT block, on the scale of
	// PlainCoefficients, row-major (Outputs values).
	Coefficients []float64
	// Hash is Threshold of the coefficients.
	Hash phash.Hash
}

// Finish decrypts an answer and thresholds the coefficients at their
// median.
func (c *Client) Finish(answer []byte) (res Result, err error) {
	defer core.Recover(&err, "imagehash: finish")
	p := c.p
	if err := p.checkHeader(answer, core.KindImageAnswer); err != nil {
		return Result{}, fmt.Errorf("imagehash: finish: %w", err)
	}
	if len(answer) != AnswerSize(p) {
		return Result{}, fmt.Errorf("imagehash: finish: answer of %d bytes, want %d", len(answer), AnswerSize(p))
	}
	ct := ckks.NewCiphertext(p.ckks, 1, 0)
	l := packedLen(p.ckks.N(), p.ckks.Q()[:1])
	for i := 0; i < 2; i++ {
		if err := unpackPoly(answer[core.HeaderLen+i*l:core.HeaderLen+(i+1)*l], ct.Value[i], p.ckks.Q()[:1]); err != nil {
			return Result{}, fmt.Errorf("imagehash: finish: %w", err)
		}
	}
	pt := c.dec.DecryptNew(ct)
	slots := make([]float64, p.ckks.MaxSlots())
	if err := c.ecd.Decode(pt, slots); err != nil {
		return Result{}, fmt.Errorf("imagehash: finish: %w", err)
	}
	k := 255 * p.norm
	coeffs := make([]float64, p.shape.outputs)
	for i := range coeffs {
		coeffs[i] = slots[i] * k
	}
	h, err := Threshold(p.alg, coeffs)
	if err != nil {
		return Result{}, fmt.Errorf("imagehash: finish: %w", err)
	}
	return Result{Coefficients: coeffs, Hash: h}, nil
}
