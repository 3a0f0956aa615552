package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/phash"
)

// RepurposeConfig describes the "repurposed list" scenario: list A and an
// independent list B both carry images of the target category; later list
// A alone gains Added images of another category. An innocent population
// drawn from every category is matched before and after.
type RepurposeConfig struct {
	// Target and Other are the category labels of the original and the
	// added entries.
	Target, Other int
	// Listed is how many target images both lists carry; Added how many
	// other-category images A gains; Population how many innocent images
	// are matched; Background how many unrelated entries A adds in a
	// normal update of the same period, for comparison of growth.
	Listed, Added, Population, Background int
	// Threshold is the match distance (PDQ: 31).
	Threshold int
	Seed      uint64
}

// RepurposeResult is the scenario's outcome.
type RepurposeResult struct {
	Config RepurposeConfig `json:"config"`
	// Matched* are the innocent images (out of Population) that match the
	// database: before the update, after it with a single list (A alone)
	// and after it under the 2-of-2 intersection rule; and of those in
	// the Other category, the ones that match after the update with A
	// alone.
	MatchedBefore, MatchedSingle, MatchedIntersection, MatchedOtherCategory int
	PopulationOther                                                         int
	// Audit signals: whether A's root changed, A's growth in the update
	// (vs Background for a normal update), whether A's consistency proof
	// verifies (it does: appending is what an append-only log allows), and
	// the intersection database's growth (0: B does not carry the
	// additions).
	RootChanged                 bool `json:"root_changed"`
	GrowthA, GrowthNormal       int
	ConsistencyOK               bool `json:"consistency_ok"`
	IntersectionGrowth          int  `json:"intersection_growth"`
	IntersectionRootChanged     bool `json:"intersection_root_changed"`
	SingleListDatabaseGrowth    int  `json:"single_list_database_growth"`
	EntriesFailingTwoListPolicy int  `json:"entries_failing_two_list_policy"`
}

// Repurpose runs the scenario on hashes with category labels (one per
// hash; zero hashes are skipped). Images are split at random, without
// overlap, into list entries and the innocent population.
func Repurpose(hs []phash.Hash, labels []int, cfg RepurposeConfig) (*RepurposeResult, error) {
	if len(hs) != len(labels) {
		return nil, fmt.Errorf("bench: repurpose: %d hashes, %d labels", len(hs), len(labels))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	var target, other, rest []int
	for _, i := range rng.Perm(len(hs)) {
		if hs[i].IsZero() {
			continue
		}
		switch labels[i] {
		case cfg.Target:
			target = append(target, i)
		case cfg.Other:
			other = append(other, i)
		default:
			rest = append(rest, i)
		}
	}
	need := func(what string, have, want int) error {
		if have < want {
			return fmt.Errorf("bench: repurpose: %d %s images, need %d", have, what, want)
		}
		return nil
	}
	if err := need("target", len(target), cfg.Listed); err != nil {
		return nil, err
	}
	if err := need("other-category", len(other), cfg.Added); err != nil {
		return nil, err
	}
	listed, added := target[:cfg.Listed], other[:cfg.Added]
	// Population: the remaining images of every category, in proportion.
	pool := append(append(append([]int(nil), target[cfg.Listed:]...), other[cfg.Added:]...), rest...)
	rng.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
	if err := need("population", len(pool), cfg.Population+cfg.Background); err != nil {
		return nil, err
	}
	pop, background := pool[:cfg.Population], pool[cfg.Population:cfg.Population+cfg.Background]

	a, b := audit.NewList("list/a"), audit.NewList("list/b")
	for _, i := range listed {
		a.Add(hs[i])
		b.Add(hs[i])
	}
	r := &RepurposeResult{Config: cfg}
	headA := a.Head()
	db0, err := audit.Intersection("db", []*audit.List{a, b}, 2)
	if err != nil {
		return nil, err
	}
	single0, _ := audit.Intersection("db", []*audit.List{a, b}, 1)
	r.MatchedBefore = countMatches(hs, pop, db0.Hashes(), cfg.Threshold)
	for _, i := range added {
		a.Add(hs[i])
	}
	headA2 := a.Head()
	r.RootChanged = headA.Root != headA2.Root
	r.GrowthA = int(headA2.Size - headA.Size)
	r.GrowthNormal = len(background)
	p, err := a.Tree().ConsistencyProof(headA.Size, headA2.Size)
	r.ConsistencyOK = err == nil && audit.VerifyConsistency(headA.Size, headA2.Size, headA.Root, headA2.Root, p) == nil
	db1, _ := audit.Intersection("db", []*audit.List{a, b}, 2)
	single1, _ := audit.Intersection("db", []*audit.List{a, b}, 1)
	r.IntersectionGrowth = len(db1.Entries) - len(db0.Entries)
	r.IntersectionRootChanged = db1.Head().Root != db0.Head().Root
	r.SingleListDatabaseGrowth = len(single1.Entries) - len(single0.Entries)
	for _, e := range single1.Entries {
		if len(e.Sources) < 2 {
			r.EntriesFailingTwoListPolicy++
		}
	}
	r.MatchedSingle = countMatches(hs, pop, single1.Hashes(), cfg.Threshold)
	r.MatchedIntersection = countMatches(hs, pop, db1.Hashes(), cfg.Threshold)
	var popOther []int
	for _, i := range pop {
		if labels[i] == cfg.Other {
			popOther = append(popOther, i)
		}
	}
	r.PopulationOther = len(popOther)
	r.MatchedOtherCategory = countMatches(hs, popOther, single1.Hashes(), cfg.Threshold)
	return r, nil
}

// countMatches counts the images (indices into hs) within threshold of
// any database hash.
func countMatches(hs []phash.Hash, imgs []int, db []phash.Hash, threshold int) int {
	n := 0
	for _, i := range imgs {
		for _, d := range db {
			if dist, err := phash.Distance(hs[i], d); err == nil && dist <= threshold {
				n++
				break
			}
		}
	}
	return n
}
