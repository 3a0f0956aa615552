package bench

import (
	"fmt"
	"time"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
)

// EncryptedHashRun is the cost of computing one image's perceptual hash
// under encryption (package he/imagehash: CKKS, the hash's DCT block
// evaluated by the server on the client's encrypted luma), and its
// agreement with the plaintext hash.
type EncryptedHashRun struct {
	Algorithm string `json:"algorithm"`
	Params    string `json:"params"`
	Image     string `json:"image"`
	// KeygenMS and KeysBytes are the client's one-time Galois keys;
	// ServerSetupMS the server's one-time NewServer (encoding the DCT
	// diagonals and loading the keys).
	KeygenMS      float64 `json:"keygen_ms"`
	KeysBytes     int     `json:"keys_bytes"`
	ServerSetupMS float64 `json:"server_setup_ms"`
	// LumaMS is the client's plaintext front end (downsampled luma);
	// QueryMS encrypting it; FinishMS decrypting and thresholding.
	LumaMS   float64 `json:"luma_ms"`
	QueryMS  float64 `json:"query_ms"`
	FinishMS float64 `json:"finish_ms"`
	// ServerMS is the server's Answer (decode, DCT block, encode).
	ServerMS float64 `json:"server_ms"`
	// QueryBytes up and AnswerBytes down, per image.
	QueryBytes  int `json:"query_bytes"`
	AnswerBytes int `json:"answer_bytes"`
	// Bits and Distance compare the decrypted hash with the plaintext
	// hasher's (phash.PDQ or phash.PHash8) on the same image: the Hamming
	// distance between them (0: bit-exact).
	Bits     int `json:"bits"`
	Distance int `json:"distance"`
}

// encryptedHashAlgs are the algorithms he/imagehash computes, with the
// plaintext hashers they reproduce.
var encryptedHashAlgs = []struct {
	alg   imagehash.Alg
	plain phash.Hasher
}{{imagehash.AlgPDQ, phash.PDQ}, {imagehash.AlgPHash8, phash.PHash8}}

// MeasureEncryptedHash hashes one corpus image under encryption with
// each algorithm at he/imagehash's default parameters. Times are one
// goroutine of this machine, one run each.
func MeasureEncryptedHash(c *Corpus, item int) ([]EncryptedHashRun, error) {
	if item < 0 || item >= len(c.Items) {
		return nil, fmt.Errorf("bench: encrypted hash: no item %d", item)
	}
	it := c.Items[item]
	img, err := it.load()
	if err != nil {
		return nil, fmt.Errorf("bench: encrypted hash: %s: %w", it.ID, err)
	}
	var out []EncryptedHashRun
	for _, a := range encryptedHashAlgs {
		fail := func(err error) ([]EncryptedHashRun, error) {
			return nil, fmt.Errorf("bench: encrypted hash: %s: %w", a.alg, err)
		}
		p, err := imagehash.NewParameters(imagehash.Literal{Literal: imagehash.Default, Alg: a.alg})
		if err != nil {
			return fail(err)
		}
		run := EncryptedHashRun{Algorithm: string(a.alg), Params: p.String(), Image: it.ID}
		cl, err := imagehash.NewClient(p, nil)
		if err != nil {
			return fail(err)
		}
		t0 := time.Now()
		keys, err := cl.Keys()
		if err != nil {
			return fail(err)
		}
		run.KeygenMS, run.KeysBytes = msOf(time.Since(t0)), len(keys)
		t0 = time.Now()
		srv, err := imagehash.NewServer(p, keys)
		if err != nil {
			return fail(err)
		}
		run.ServerSetupMS = msOf(time.Since(t0))
		t0 = time.Now()
		luma, err := imagehash.Luma(a.alg, img)
		if err != nil {
			return fail(err)
		}
		run.LumaMS = msOf(time.Since(t0))
		t0 = time.Now()
		q, err := cl.QueryLuma(luma)
		if err != nil {
			return fail(err)
		}
		run.QueryMS, run.QueryBytes = msOf(time.Since(t0)), len(q)
		t0 = time.Now()
		ans, err := srv.Answer(q)
		if err != nil {
			return fail(err)
		}
		run.ServerMS, run.AnswerBytes = msOf(time.Since(t0)), len(ans)
		t0 = time.Now()
		res, err := cl.Finish(ans)
		if err != nil {
			return fail(err)
		}
		run.FinishMS = msOf(time.Since(t0))
		want, err := a.plain.Hash(img)
		if err != nil {
			return fail(err)
		}
		if run.Distance, err = phash.Distance(res.Hash, want); err != nil {
			return fail(err)
		}
		run.Bits = want.Bits()
		out = append(out, run)
	}
	return out, nil
}
