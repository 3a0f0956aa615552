package hamming

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/ring/ringqp"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
	"github.com/tuneinsight/lattigo/v5/utils/sampling"
)

// Client holds a client's secret key. It is not safe for concurrent use.
//
// Randomness: seeds of uniform polynomials, the blinding vector R and the
// hash encoding use the injected reader (crypto/rand by default); Lattigo's
// secret-key and error samplers draw from crypto/rand through its own PRNG.
type Client struct {
	p   Parameters
	rng io.Reader
	sk  *rlwe.SecretKey
	ecd *bgv.Encoder
	dec *rlwe.Decryptor
}

// QueryState is what a client keeps between Query and Finish. It has no wire
// form.
type QueryState struct {
	done bool
}

// NewClient makes a client with a fresh secret key. rng nil means crypto/rand.
func NewClient(p Parameters, rng io.Reader) (*Client, error) {
	if rng == nil {
		rng = rand.Reader
	}
	kgen := rlwe.NewKeyGenerator(p.bgv)
	sk := kgen.GenSecretKeyNew()
	return &Client{p: p, rng: rng, sk: sk, ecd: bgv.NewEncoder(p.bgv), dec: rlwe.NewDecryptor(p.bgv, sk)}, nil
}

// Setup returns the one-time key material for the server ([Parameters.KeysSize]
// bytes).
func (c *Client) Setup() ([]byte, error) {
	km, err := c.genKeys()
	if err != nil {
		return nil, err
	}
	return km.marshal(c.p), nil
}

// genKeys makes the key material: each gadget ciphertext from a fresh
// seed read from the client's reader, then the level-0 public key.
func (c *Client) genKeys() (*keyMaterial, error) {
	km := newKeyTemplates(c.p)
	for k := range km.seeds {
		kgen, seed, err := core.SeededKeyGenerator(c.p.Parameters, c.rng)
		if err != nil {
			return nil, fmt.Errorf("hamming: setup: %w", err)
		}
		km.seeds[k] = seed
		if k == 0 {
			kgen.GenRelinearizationKey(c.sk, km.rlk)
		} else {
			kgen.GenGaloisKey(km.gks[k-1].GaloisElement, c.sk, km.gks[k-1])
		}
	}
	pk := rlwe.NewKeyGenerator(c.p.bgv).GenPublicKeyNew(c.sk)
	km.pk[0].CopyLvl(0, pk.Value[0].Q)
	km.pk[1].CopyLvl(0, pk.Value[1].Q)
	return km, nil
}

// QuerySize returns the exact size of a query message.
func (p Parameters) QuerySize() int {
	return core.HeaderLen + 2*core.SeedLen + polyBytes(p.N(), p.limbsQ(p.bgv.MaxLevel())) + p.blindBytes()
}

// rLevel is the level of the client's blinding ciphertext Enc(R).
const rLevel = 1

// Query encodes hash x: one ciphertext of sum_j x_j X^j + pi X^n + a X^(n+1)
// (a = floor((|x|+e)/2), pi = (|x|+e) mod 2) at the top level, and Enc(R)
// with R uniform in [1, t-1] per slot at level 1. Both ciphertexts send
// only c0; c1 is expanded from a 32-byte seed.
func (c *Client) Query(x [32]byte) ([]byte, *QueryState, error) {
	p := c.p
	n := p.lit.HashBits
	N := p.N()
	vals := make([]uint64, N)
	w := 0
	for j := 0; j < n; j++ {
		vals[j] = bit(&x, j)
		w += int(vals[j])
	}
	_, e := p.half()
	vals[n] = uint64((w + e) % 2)
	vals[n+1] = uint64((w + e) / 2)
	out := p.header(core.KindHammingQuery)
	top := p.bgv.MaxLevel()
	pt := bgv.NewPlaintext(p.bgv, top)
	pt.IsBatched = false
	if err := c.ecd.Encode(vals, pt); err != nil {
		return nil, nil, fmt.Errorf("hamming: query: %w", err)
	}
	seed, ct, err := c.encryptSeeded(pt)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, seed[:]...)
	out = packPoly(out, ringCoeffs(ct.Value[0], ct.Level()), p.limbsQ(ct.Level()))
	for i := range vals {
		v, err := uniformNonZero(c.rng)
		if err != nil {
			return nil, nil, fmt.Errorf("hamming: query: %w", err)
		}
		vals[i] = v
	}
	pr := bgv.NewPlaintext(p.bgv, rLevel)
	if err := c.ecd.Encode(vals, pr); err != nil {
		return nil, nil, fmt.Errorf("hamming: query: %w", err)
	}
	if seed, ct, err = c.encryptSeeded(pr); err != nil {
		return nil, nil, err
	}
	out = append(out, seed[:]...)
	out = p.appendBlind(out, ct.Value[0])
	return out, &QueryState{}, nil
}

// encryptSeeded returns a secret-key encryption of pt whose c1 is drawn
// from a PRNG keyed by a fresh seed; only the seed and c0 travel.
func (c *Client) encryptSeeded(pt *rlwe.Plaintext) (seed [core.SeedLen]byte, ct *rlwe.Ciphertext, err error) {
	if _, err := io.ReadFull(c.rng, seed[:]); err != nil {
		return seed, nil, fmt.Errorf("hamming: query: %w", err)
	}
	prng, err := sampling.NewKeyedPRNG(seed[:])
	if err != nil {
		return seed, nil, fmt.Errorf("hamming: query: %w", err)
	}
	enc := rlwe.NewEncryptor(c.p.bgv, c.sk).WithPRNG(prng)
	ct = bgv.NewCiphertext(c.p.bgv, 1, pt.Level())
	if err := enc.Encrypt(pt, ct); err != nil {
		return seed, nil, fmt.Errorf("hamming: query: %w", err)
	}
	return seed, ct, nil
}

// expandSeeded rebuilds the c1 that encryptSeeded drew from seed.
func expandSeeded(p Parameters, seed []byte, c1 ring.Poly, level int) error {
	prng, err := sampling.NewKeyedPRNG(seed)
	if err != nil {
		return err
	}
	ringqp.NewUniformSampler(prng, *p.bgv.RingQP()).AtLevel(level, -1).Read(ringqp.Poly{Q: c1})
	return nil
}

func uniformNonZero(r io.Reader) (uint64, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		v := uint64(binary.LittleEndian.Uint32(b[:]) & (1<<17 - 1))
		if v != 0 && v < PlaintextModulus {
			return v, nil
		}
	}
}

func uniformModT(r io.Reader) (uint64, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		v := uint64(binary.LittleEndian.Uint32(b[:]) & (1<<17 - 1))
		if v < PlaintextModulus {
			return v, nil
		}
	}
}

// ReplySize returns the size of a reply to an answer with k ciphertexts.
func (p Parameters) ReplySize(k int) int { return core.HeaderLen + 2 + k*((p.N()*replyWidth+7)/8) }

// Finish decrypts the answer and returns the reply: every slot value
// R*g + m mod t, which is uniform to the client whatever the database.
func (c *Client) Finish(st *QueryState, answer []byte) (reply []byte, err error) {
	defer core.Recover(&err, "hamming: finish")
	if st == nil || st.done {
		return nil, fmt.Errorf("hamming: finish: query state missing or used")
	}
	cts, err := c.p.parseAnswer(answer)
	if err != nil {
		return nil, fmt.Errorf("hamming: finish: %w", err)
	}
	st.done = true
	out := c.p.header(core.KindHammingReply)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(cts)))
	vals := make([]uint64, c.p.N())
	for _, ct := range cts {
		pt := c.dec.DecryptNew(ct)
		if err := c.ecd.Decode(pt, vals); err != nil {
			return nil, fmt.Errorf("hamming: finish: %w", err)
		}
		out = packValues(out, vals)
	}
	return out, nil
}
