package main

import (
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/bench/benchtest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// integrityJSON is the part of results.json the integrity checks read.
type integrityJSON struct {
	Integrity *struct {
		Threshold *struct {
			Options struct {
				DBSize int `json:"db_size"`
				K      int `json:"k"`
			} `json:"options"`
			VoucherBytes  int  `json:"voucher_bytes"`
			Reconstructed bool `json:"reconstructed"`
			Genuine       int  `json:"genuine"`
			Synthetic     int  `json:"synthetic"`
		} `json:"threshold"`
		ThresholdAnalysis struct {
			Leak []struct {
				TV float64 `json:"tv_0_vs_k_minus_1"`
			} `json:"leak"`
		} `json:"threshold_analysis"`
		Audit []struct {
			Size            int `json:"size"`
			InclusionHashes int `json:"inclusion_hashes"`
			InclusionBytes  int `json:"inclusion_bytes"`
		} `json:"audit"`
		Repurpose *struct {
			Result struct {
				EntriesFailingTwoListPolicy int `json:"entries_failing_two_list_policy"`
			} `json:"result"`
		} `json:"repurpose"`
	} `json:"integrity"`
	EncryptedHash []struct {
		Algorithm string `json:"algorithm"`
		Bits      int    `json:"bits"`
		Distance  int    `json:"distance"`
	} `json:"encrypted_hash"`
	EncryptedHashError string `json:"encrypted_hash_error"`
}

// checkIntegrity checks a quick report's integrity and encrypted-hash
// subsections against numbers recomputed here.
func checkIntegrity(t *testing.T, dir string) {
	t.Helper()
	var r integrityJSON
	readResults(t, dir, &r)
	in := r.Integrity
	if in == nil {
		t.Fatal("results.json has no integrity section")
	}
	want := []string{"### Threshold reporting (threshold-psi)", "### Auditable database (package audit)", "Repurposed list"}
	if th := in.Threshold; th == nil {
		t.Error("no threshold-psi run")
	} else {
		if th.Options.K != 5 || th.Options.DBSize != 1<<10 {
			t.Errorf("quick threshold run at k=%d n=%d, want k=5 n=2^10", th.Options.K, th.Options.DBSize)
		}
		if th.Reconstructed && th.Genuine < th.Options.K {
			t.Errorf("account opened with %d genuine, %d synthetic at k=%d", th.Genuine, th.Synthetic, th.Options.K)
		}
		// The voucher size is the encoded length of a voucher built here.
		if n := benchtest.VoucherLen(t, threshold.Params{K: 5, SyntheticRate: 0.01}, 8, 1); th.VoucherBytes != n {
			t.Errorf("voucher_bytes %d, encoded voucher %d", th.VoucherBytes, n)
		}
		want = append(want, "**Known shortfall**")
	}
	if len(in.ThresholdAnalysis.Leak) == 0 {
		t.Error("no leak figures")
	}
	// Inclusion proofs at power-of-two sizes: ceil(log2 n) hashes of 32
	// bytes and a count byte.
	if len(in.Audit) != 2 {
		t.Errorf("%d audit sizes, want the quick report's 2", len(in.Audit))
	}
	for _, a := range in.Audit {
		if a.Size&(a.Size-1) != 0 {
			continue
		}
		lg := bits.Len(uint(a.Size)) - 1
		if a.InclusionHashes != lg || a.InclusionBytes != 1+32*lg {
			t.Errorf("n=%d: inclusion %d hashes, %d B; want %d, %d", a.Size, a.InclusionHashes, a.InclusionBytes, lg, 1+32*lg)
		}
	}
	if in.Repurpose == nil || in.Repurpose.Result.EntriesFailingTwoListPolicy == 0 {
		t.Error("repurpose run missing or undetected by the two-list policy")
	}
	if len(r.EncryptedHash) > 0 {
		want = append(want, "## Computing the hash under encryption", "hash under encryption (pdq)")
		for _, x := range r.EncryptedHash {
			if x.Bits != map[string]int{"pdq": 256, "phash8": 64}[x.Algorithm] || x.Distance < 0 || x.Distance > x.Bits {
				t.Errorf("encrypted %s hash: distance %d of %d bits", x.Algorithm, x.Distance, x.Bits)
			}
		}
	} else if r.EncryptedHashError == "" {
		t.Error("no encrypted hash and no reason")
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	ht, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md lacks %q", w)
		}
		title := strings.TrimLeft(w, "# ")
		title = strings.Trim(title, "*")
		if !strings.Contains(string(ht), title) {
			t.Errorf("report.html lacks %q", title)
		}
	}
}
