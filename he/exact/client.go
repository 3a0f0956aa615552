package exact

import (
	"fmt"
	"io"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// Client is the querying side of the exact-membership protocol. It
// holds the secret key; none of its methods sends it. It is not safe for
// concurrent use.
type Client struct {
	params Parameters
	plan   *circuitPlan
	sk     *secretKey
	enc    *encryptor
	dec    *decryptor
	vals   []uint64  // the replicated fingerprint, scratch
	c0     ring.Poly // the query's first component, scratch
	ad     *answerDecrypter
}

// QueryState is what the client keeps between Query and Finish.
type QueryState struct {
	used bool
}

// open marks the state used and checks the answer's header.
func (st *QueryState) open(p Parameters, answer []byte, kind byte) error {
	if st == nil || st.used {
		return fmt.Errorf("state missing or already used")
	}
	st.used = true
	if err := checkHeader(answer, kind, p); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// NewClient samples a fresh secret key. Seeds come from rng
// (crypto/rand when nil).
func NewClient(p Parameters, rng io.Reader) (*Client, error) {
	plan, err := newCircuitPlan(p)
	if err != nil {
		return nil, err
	}
	sk := newSecretKey(p)
	return &Client{params: p, plan: plan, sk: sk, enc: newEncryptor(sk, rng), dec: newDecryptor(sk),
		vals: make([]uint64, p.Slots()), c0: p.bgv.RingQ().AtLevel(plan.top).NewPoly()}, nil
}

// Setup returns the one-time key material (relinearisation key and the
// three rotation keys) the server needs, encoded for the wire.
func (c *Client) Setup() ([]byte, error) {
	ek, err := c.sk.genEvaluationKeys(exactRotations, c.plan.evalLevel, c.enc.rng)
	if err != nil {
		return nil, err
	}
	return ek.MarshalBinary()
}

// Query encrypts the fingerprint of h, repeated in every bin, as a seeded
// ciphertext at the top level.
func (c *Client) Query(h [32]byte) ([]byte, *QueryState, error) {
	f := fingerprintOf(h)
	for i := range c.vals {
		c.vals[i] = uint64(f[i%feltsPerItem])
	}
	var seed [32]byte
	if err := c.enc.encryptSeeded(c.vals, c.plan.top, &seed, c.c0); err != nil {
		return nil, nil, fmt.Errorf("he: exact query: %w", err)
	}
	return appendSeeded(make([]byte, 0, QuerySize(c.params)), c.params, c.plan.top, &seed, c.c0), &QueryState{}, nil
}

// Finish decrypts the server's answer and returns the reply: the decrypted
// (uniformly masked) values of the result positions. The client learns
// nothing from them; only the server, who knows the masks, does.
func (c *Client) Finish(st *QueryState, answer []byte) ([]byte, error) {
	p := c.params
	if err := st.open(p, answer, core.KindExactAnswer); err != nil {
		return nil, fmt.Errorf("he: exact finish: %w", err)
	}
	if len(answer) < core.HeaderLen+1 {
		return nil, fmt.Errorf("he: exact finish: truncated answer")
	}
	parts := int(answer[core.HeaderLen])
	if parts < 1 || parts > MaxPartitions {
		return nil, fmt.Errorf("he: exact finish: %d partitions outside 1..%d", parts, MaxPartitions)
	}
	if len(answer) != AnswerSize(p, parts) {
		return nil, fmt.Errorf("he: exact finish: answer of %d bytes, want %d for %d partitions", len(answer), AnswerSize(p, parts), parts)
	}
	body := answer[core.HeaderLen+1:]
	cs := compressedSize(p)
	out := make([]uint64, 0, 2*parts*p.Slots()/feltsPerItem)
	if c.ad == nil {
		c.ad = newAnswerDecrypter(c.sk, c.dec)
	}
	groups := exactGroups(parts)
	for k := 0; k < 2*groups; k++ {
		g := k % groups
		vals, err := c.ad.decrypt(body[k*cs : (k+1)*cs])
		if err != nil {
			return nil, fmt.Errorf("he: exact finish: answer ciphertext %d: %w", k, err)
		}
		gp := groupParts(parts, g)
		for i, v := range vals {
			if i%feltsPerItem < gp {
				out = append(out, v)
			}
		}
	}
	return encodeReply(p, out), nil
}

// QuerySize returns the exact byte size of a query message under p.
func QuerySize(p Parameters) int {
	return core.HeaderLen + 1 + 32 + core.PolyPackedLen(p.N(), p.bgv.Q())
}

// AnswerSize returns the exact byte size of an answer message under p
// from a server with the given number of partitions: a header, the
// partition count and 2*ceil(partitions/4) compressed level-0
// ciphertexts (the masked values, then their keyed check copies).
func AnswerSize(p Parameters, partitions int) int {
	return core.HeaderLen + 1 + 2*exactGroups(partitions)*compressedSize(p)
}

// ReplySize returns the exact byte size of a reply for a server with
// the given number of partitions.
func ReplySize(p Parameters, partitions int) int {
	return replySize(p, 2*partitions*p.Slots()/feltsPerItem)
}

// KeysSize returns the exact byte size of Setup's key material.
func KeysSize(p Parameters) (int, error) {
	plan, err := newCircuitPlan(p)
	if err != nil {
		return 0, err
	}
	return evaluationKeysSize(p, plan.evalLevel, len(exactRotations)), nil
}
