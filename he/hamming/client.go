package hamming

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// Client holds a client's secret key. It is not safe for concurrent use.
//
// Randomness: seeds of uniform polynomials, the blinding vector R and the
// hash encoding use the injected reader (crypto/rand by default); the
// secret key and the error come from crypto/rand.
type Client struct {
	p      Parameters
	rng    io.Reader
	sk     *rlwe.SecretKey
	seeded *core.SeededEncryptor
	ecd    *bgv.Encoder
	dec    *rlwe.Decryptor
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
	seeded, err := core.NewSeededEncryptor(p.Parameters, sk, rng)
	if err != nil {
		return nil, fmt.Errorf("hamming: new client: %w", err)
	}
	return &Client{p: p, rng: rng, sk: sk, seeded: seeded, ecd: bgv.NewEncoder(p.bgv), dec: rlwe.NewDecryptor(p.bgv, sk)}, nil
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

// QuerySize returns the exact size of a query to a server with k answer
// ciphertexts ([Server.Outputs]): the hash ciphertext and one blinding
// ciphertext per answer ciphertext.
func (p Parameters) QuerySize(k int) int {
	return core.HeaderLen + 2 + (1+k)*core.SeedLen + polyBytes(p.N(), p.limbsQ(p.bgv.MaxLevel())) + k*p.blindBytes()
}

// MaxOutputs bounds the answer ciphertexts a query may blind.
const MaxOutputs = 1024

// rLevel is the level of the client's blinding ciphertexts Enc(R_o).
const rLevel = 1

// Query encodes hash x for a server with k answer ciphertexts
// ([Server.Outputs], announced at setup): under the diagonal circuit one
// ciphertext of x's bits replicated over the slots (slot i holds bit
// i mod n), otherwise one ciphertext of
// sum_j x_j X^j + pi X^n + a X^(n+1) (a = floor((|x|+e)/2),
// pi = (|x|+e) mod 2) at the top level, and k blinding ciphertexts
// Enc(R_o), each R_o drawn independently and uniformly from [1, t-1] per
// slot, at level 1. Independent randomisers keep the server from reading
// ratios of the outputs (with one R for all outputs, R*F_0 and R*F_1 give
// F_0/F_1, a known function of the query). Every ciphertext sends only c0;
// c1 is expanded from a 32-byte seed.
func (c *Client) Query(x [32]byte, k int) ([]byte, *QueryState, error) {
	p := c.p
	if k < 1 || k > MaxOutputs {
		return nil, nil, fmt.Errorf("hamming: query: %d answer ciphertexts outside 1..%d", k, MaxOutputs)
	}
	vals := make([]uint64, p.N())
	top := p.bgv.MaxLevel()
	pt := bgv.NewPlaintext(p.bgv, top)
	pt.IsNTT = false // the seeded encryptor adds m before its NTT
	if p.lit.Diagonal {
		p.replicate(&x, vals) // batched: slot i holds bit i mod n
	} else {
		p.coefficients(&x, vals)
		pt.IsBatched = false
	}
	out := make([]byte, 0, p.QuerySize(k))
	out = core.PutHeader(out, core.KindHammingQuery, p.id)
	out = binary.LittleEndian.AppendUint16(out, uint16(k))
	if err := c.ecd.Encode(vals, pt); err != nil {
		return nil, nil, fmt.Errorf("hamming: query: %w", err)
	}
	seed, err := c.encryptSeeded(pt)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, seed[:]...)
	out = packPoly(out, ringCoeffs(pt.Value, top), p.limbsQ(top))
	pr := bgv.NewPlaintext(p.bgv, rLevel)
	pr.IsNTT = false
	for o := 0; o < k; o++ {
		for i := range vals {
			v, err := uniformModT(c.rng, true)
			if err != nil {
				return nil, nil, fmt.Errorf("hamming: query: %w", err)
			}
			vals[i] = v
		}
		if err := c.ecd.Encode(vals, pr); err != nil {
			return nil, nil, fmt.Errorf("hamming: query: %w", err)
		}
		if seed, err = c.encryptSeeded(pr); err != nil {
			return nil, nil, err
		}
		out = append(out, seed[:]...)
		out = p.appendBlind(out, pr.Value)
	}
	return out, &QueryState{}, nil
}

// coefficients writes the expansion circuit's query vector:
// sum_j x_j X^j + pi X^n + a X^(n+1).
func (p Parameters) coefficients(x *[32]byte, vals []uint64) {
	n := p.lit.HashBits
	w := 0
	for j := 0; j < n; j++ {
		vals[j] = bit(x, j)
		w += int(vals[j])
	}
	_, e := p.half()
	vals[n] = uint64((w + e) % 2)
	vals[n+1] = uint64((w + e) / 2)
}

// encryptSeeded turns pt (coefficient form) into the c0 of its seeded
// encryption in place and returns the seed of c1; only the two travel.
func (c *Client) encryptSeeded(pt *rlwe.Plaintext) (seed [core.SeedLen]byte, err error) {
	if seed, err = c.seeded.Encrypt(pt.Value); err != nil {
		return seed, fmt.Errorf("hamming: query: %w", err)
	}
	return seed, nil
}

// expandSeeded rebuilds the c1 that encryptSeeded drew from seed.
func expandSeeded(p Parameters, seed []byte, c1 ring.Poly, level int) error {
	return core.ExpandC1(seed, p.bgv.Q()[:level+1], c1.Coeffs)
}

// uniformModT draws a uniform residue mod t from r by rejection on 17-bit
// words; with nonzero it draws from [1, t) instead.
func uniformModT(r io.Reader, nonzero bool) (uint64, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		v := uint64(binary.LittleEndian.Uint32(b[:]) & (1<<17 - 1))
		if v < PlaintextModulus && (v != 0 || !nonzero) {
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
