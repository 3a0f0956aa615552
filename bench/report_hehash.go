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
	data, err := it.Data()
	if err != nil {
		return nil, fmt.Errorf("bench: encrypted hash: %s: %w", it.ID, err)
	}
	img, err := it.Decode(data)
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

// encryptedHashSubsection renders the runs in the feasibility section.
func (r *Report) encryptedHashSubsection(d *document) {
	if r.EncryptedHashError != "" {
		d.h(2, "Computing the hash under encryption")
		d.p("Not measured: %s.", r.EncryptedHashError)
		return
	}
	if len(r.EncryptedHash) == 0 {
		return
	}
	d.h(2, "Computing the hash under encryption")
	d.p("A \"homomorphic scanning\" design that hides the image from the server must also compute the perceptual hash under encryption. Package `he/imagehash` measures the hash's linear (dominant) stage: the client encrypts its downsampled luma (CKKS), the server evaluates the hash's DCT block on the ciphertext, and the client decrypts the coefficients and thresholds them at their median in the clear. No matching happens here; a membership protocol would follow. One image (`%s`), one run each, one goroutine of this machine; the phone column applies the device model's slowdown to the client's steps.", r.EncryptedHash[0].Image)
	var rows [][]string
	slow := r.Options.Device.PhoneSlowdown.Value
	for _, x := range r.EncryptedHash {
		client := x.LumaMS + x.QueryMS + x.FinishMS
		rows = append(rows, []string{x.Algorithm, fmtMS(client), fmtMS(client * slow), fmtMS(x.ServerMS),
			fmtBytes(float64(x.QueryBytes)), fmtBytes(float64(x.AnswerBytes)),
			fmtBytes(float64(x.KeysBytes)) + ", " + fmtMS(x.KeygenMS), fmtMS(x.ServerSetupMS),
			fmt.Sprintf("%d of %d bits", x.Distance, x.Bits)})
	}
	d.table([]string{"hash", "client / image (luma, encrypt, decrypt)", "same, slow phone", "server / image", "up / image", "down / image",
		"client keys (once): size, keygen", "server setup (once)", "differs from plaintext hash"}, rows)
	d.p("Parameters: %s. Bits may differ from the plaintext hash only where a coefficient lies at the median (CKKS is approximate); a distance near half the bits means the encrypted pipeline failed for this client's key, not rounding.", r.EncryptedHash[0].Params)
}

// encryptedHashClaim adds the encrypted hashing to the claim section.
func (r *Report) encryptedHashClaim(d *document) {
	if len(r.EncryptedHash) == 0 {
		return
	}
	claim := r.Claim.Claim.Value
	var rows [][]string
	for _, x := range r.EncryptedHash {
		total := (x.LumaMS + x.QueryMS + x.FinishMS + x.ServerMS) / 1000
		rows = append(rows, []string{"hash under encryption (" + x.Algorithm + ")", fmtSeconds(total),
			fmt.Sprintf("%.3g", claim/total)})
	}
	d.p("Hashing the image itself under encryption (client and server per image together, one-time keys excluded; the hash's DCT stage only: its median threshold runs on the client in the clear, and a membership test, as in the rows above, comes on top; see \"Computing the hash under encryption\"):")
	d.table([]string{"step", "measured per image", "claim / measured"}, rows)
}
