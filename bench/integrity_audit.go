package bench

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// AuditPoint is the cost of an auditable database of one size: two lists
// carrying the same Size synthetic hashes and their 2-of-2 intersection.
type AuditPoint struct {
	Size int `json:"size"`
	// BuildMS is building the database (audit.Intersection: sort,
	// provenance and Merkle tree) from the two lists; SignMS signing its
	// head; SignedHeadBytes the signed head's encoding.
	BuildMS         float64 `json:"build_ms"`
	SignMS          float64 `json:"sign_ms"`
	SignedHeadBytes int     `json:"signed_head_bytes"`
	// InclusionHashes and InclusionBytes are the database inclusion
	// proof of one entry (the largest over the entries proved);
	// EntryProofBytes the whole per-entry proof the device checks (the
	// database proof plus one inclusion proof per list).
	InclusionHashes int `json:"inclusion_hashes"`
	InclusionBytes  int `json:"inclusion_bytes"`
	EntryProofBytes int `json:"entry_proof_bytes"`
	// VerifyEntryUS is the median time of Policy.VerifyEntry (signatures,
	// inclusion in the database and in both lists) over ProvedEntries
	// entries; VerifyInclusionUS the median of the bare database
	// inclusion check.
	ProvedEntries     int     `json:"proved_entries"`
	VerifyEntryUS     float64 `json:"verify_entry_us"`
	VerifyInclusionUS float64 `json:"verify_inclusion_us"`
	// ConsistencyHashes and ConsistencyBytes are list A's consistency
	// proof from ConsistencyFrom = Size - Size/10 entries (an update that
	// added a tenth) to Size; VerifyConsistencyUS the time to check it.
	ConsistencyFrom     int     `json:"consistency_from"`
	ConsistencyHashes   int     `json:"consistency_hashes"`
	ConsistencyBytes    int     `json:"consistency_bytes"`
	VerifyConsistencyUS float64 `json:"verify_consistency_us"`
	// FullVerifyMS is Policy.VerifyAll: the device recomputes the root
	// over every entry and checks every entry's provenance (proof
	// generation not included); PhoneFullVerifyMS scales it by the device
	// model's slowdown.
	FullVerifyMS      float64 `json:"full_verify_ms"`
	PhoneFullVerifyMS float64 `json:"phone_full_verify_ms"`
}

// auditProved is the number of entries whose proofs are timed per size.
const auditProved = 64

// MeasureAudit builds the auditable database at each size and measures
// its proofs. Hashes are psi.Synth's (seeded); keys are fresh.
func MeasureAudit(sizes []int, seed uint64, slowdown float64) ([]AuditPoint, error) {
	_, dbKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: audit: %w", err)
	}
	la, laKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: audit: %w", err)
	}
	lb, lbKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: audit: %w", err)
	}
	pol := audit.Policy{DatabaseKey: dbKey.Public().(ed25519.PublicKey),
		ListKeys: map[string]ed25519.PublicKey{"list/a": la, "list/b": lb}, MinLists: 2}
	var out []AuditPoint
	for _, n := range sizes {
		if n < 2 {
			return nil, fmt.Errorf("bench: audit: size %d too small", n)
		}
		syn, err := psi.Synth(phash.PDQKind, 256, n, seed)
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		a, b := audit.NewList("list/a"), audit.NewList("list/b")
		a.Add(syn.Hashes...)
		b.Add(syn.Hashes...)
		pt := AuditPoint{Size: n}
		t0 := time.Now()
		db, err := audit.Intersection("db", []*audit.List{a, b}, 2)
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		pt.BuildMS = msOf(time.Since(t0))
		t0 = time.Now()
		head, err := audit.Sign(db.Head(), dbKey)
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		pt.SignMS = msOf(time.Since(t0))
		pt.SignedHeadBytes = head.BinarySize()
		ha, err := audit.Sign(a.Head(), laKey)
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		hb, err := audit.Sign(b.Head(), lbKey)
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		heads := map[string]audit.SignedHead{"list/a": ha, "list/b": hb}
		lists := map[string]*audit.List{"list/a": a, "list/b": b}

		// Proofs for every entry (the full check needs them); a sample
		// is timed one by one.
		proofs := make([]audit.EntryProof, n)
		for i := range proofs {
			if proofs[i], err = db.Prove(uint64(i), lists); err != nil {
				return nil, fmt.Errorf("bench: audit: prove %d: %w", i, err)
			}
		}
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		var ve, vi []float64
		for range min(auditProved, n) {
			i := rng.IntN(n)
			p := proofs[i]
			pt.InclusionHashes = max(pt.InclusionHashes, len(p.Database))
			enc, err := audit.MarshalEntryProof(p)
			if err != nil {
				return nil, fmt.Errorf("bench: audit: %w", err)
			}
			pt.EntryProofBytes = max(pt.EntryProofBytes, len(enc))
			t0 = time.Now()
			if err := pol.VerifyEntry(db.Entries[i], p, head, heads); err != nil {
				return nil, fmt.Errorf("bench: audit: verify entry %d: %w", i, err)
			}
			ve = append(ve, usOf(time.Since(t0)))
			leaf := db.Tree().Leaf(uint64(i))
			t0 = time.Now()
			if err := audit.VerifyInclusion(uint64(i), uint64(n), leaf, p.Database, head.Root); err != nil {
				return nil, fmt.Errorf("bench: audit: inclusion %d: %w", i, err)
			}
			vi = append(vi, usOf(time.Since(t0)))
			pt.ProvedEntries++
		}
		pt.InclusionBytes = audit.ProofSize(pt.InclusionHashes)
		pt.VerifyEntryUS, pt.VerifyInclusionUS = median(ve), median(vi)

		m := max(1, n-n/10)
		pt.ConsistencyFrom = m
		cp, err := a.Tree().ConsistencyProof(uint64(m), uint64(n))
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		root1, err := a.Tree().RootAt(uint64(m))
		if err != nil {
			return nil, fmt.Errorf("bench: audit: %w", err)
		}
		pt.ConsistencyHashes, pt.ConsistencyBytes = len(cp), audit.ProofSize(len(cp))
		t0 = time.Now()
		if err := audit.VerifyConsistency(uint64(m), uint64(n), root1, a.Tree().Root(), cp); err != nil {
			return nil, fmt.Errorf("bench: audit: consistency: %w", err)
		}
		pt.VerifyConsistencyUS = usOf(time.Since(t0))

		t0 = time.Now()
		if err := pol.VerifyAll(db.Entries, proofs, head, heads); err != nil {
			return nil, fmt.Errorf("bench: audit: full check: %w", err)
		}
		pt.FullVerifyMS = msOf(time.Since(t0))
		pt.PhoneFullVerifyMS = pt.FullVerifyMS * slowdown
		out = append(out, pt)
	}
	return out, nil
}

func usOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// RepurposeRun is the repurposed-list simulation as the report runs it:
// on synthetic clustered hashes, since the report's corpus has no
// category labels.
type RepurposeRun struct {
	// Data describes the hashes: Categories clusters of PerCategory
	// hashes, each its centre with FlippedBits random bits flipped.
	Data        string           `json:"data"`
	Categories  int              `json:"categories"`
	PerCategory int              `json:"per_category"`
	FlippedBits int              `json:"flipped_bits"`
	Result      *RepurposeResult `json:"result"`
}

// clusteredHashes returns cats categories of per PDQ-kind hashes each:
// a random centre with flips random bits flipped per hash, so hashes of
// one category lie within 2*flips of each other.
func clusteredHashes(cats, per, flips int, seed uint64) ([]phash.Hash, []int, error) {
	rng := rand.New(rand.NewPCG(seed, 3))
	var hs []phash.Hash
	var labels []int
	for c := range cats {
		centre := make([]byte, 32)
		for i := range centre {
			centre[i] = byte(rng.Uint32())
		}
		for range per {
			b := append([]byte(nil), centre...)
			for range flips {
				k := rng.IntN(256)
				b[k/8] ^= 1 << (k % 8)
			}
			h, err := phash.NewHash("pdq", 256, b)
			if err != nil {
				return nil, nil, err
			}
			hs, labels = append(hs, h), append(labels, c)
		}
	}
	return hs, labels, nil
}

// RunRepurpose runs bench.Repurpose on clustered synthetic hashes.
func RunRepurpose(quick bool, seed uint64) (*RepurposeRun, error) {
	rr := &RepurposeRun{Categories: 10, PerCategory: 300, FlippedBits: 10}
	cfg := RepurposeConfig{Target: 0, Other: 1, Listed: 100, Added: 50, Population: 2000, Background: 5, Threshold: 31, Seed: seed}
	if quick {
		rr.PerCategory = 100
		cfg.Listed, cfg.Added, cfg.Population = 40, 20, 600
	}
	rr.Data = fmt.Sprintf("synthetic: %d categories of %d PDQ-kind hashes, each its category's random centre with %d random bits flipped (seed %d); the report's corpus has no category labels",
		rr.Categories, rr.PerCategory, rr.FlippedBits, seed)
	hs, labels, err := clusteredHashes(rr.Categories, rr.PerCategory, rr.FlippedBits, seed)
	if err != nil {
		return nil, fmt.Errorf("bench: repurpose: %w", err)
	}
	if rr.Result, err = Repurpose(hs, labels, cfg); err != nil {
		return nil, err
	}
	return rr, nil
}
