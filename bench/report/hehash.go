package report

import "fmt"

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
