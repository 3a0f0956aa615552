package psitest

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TimingZ is the rank test's bound: the server's computing times on
// matches and on non-matches differ when the Mann-Whitney statistic's
// normal score exceeds it in absolute value (two-sided p about 6e-5, so
// noise alone fails a run about once in 16,000).
const TimingZ = 4.0

// minPairs is the fewest pairs of queries the timing attack runs: with
// 16 each way, fully separated times score 4.8, so the test can fail.
const minPairs = 16

// timingBudget is about how long the timing attack spends querying.
const timingBudget = 4 * time.Second

// timing: over one in-process session, pairs of queries (a listed hash
// and the same hash with one bit flipped, in random order within the
// pair) are run, and the server's computing time per query, from the
// transcript, is compared between matches and non-matches with a
// Mann-Whitney rank test. Skipped where the client learns the match bit
// by design; a difference passes only where the ledger states a timing
// weakness against the network (Holds false, "timing" in its statement).
func (a *adversary) timing(t *testing.T) {
	if a.led.Learns("client", true, psi.FactMatchBit) && a.led.Learns("client", false, psi.FactMatchBit) {
		a.skip(t, "the client learns the match bit by design")
	}
	z, m, u := TimingScore(t, a.srv, a.cli, a.db, a.rng)
	t.Logf("%d matches, median %v; %d non-matches, median %v; rank score z = %.2f (bound %.1f)",
		len(m), median(m), len(u), median(u), z, TimingZ)
	if math.Abs(z) > TimingZ {
		if a.weakness(psi.Network, "timing") {
			t.Logf("server time per query depends on the outcome (z = %.2f); the ledger states the timing weakness", z)
			return
		}
		t.Errorf("server time per query depends on the outcome: z = %.2f, medians %v (match) and %v (non-match)", z, median(m), median(u))
	}
}

// TimingScore runs pairs of queries, a listed hash and a near miss in
// random order, on one in-process session of srv and cli, as many pairs
// as fit the suite's time budget (between 16 and 150), and returns the
// Mann-Whitney normal score of the server's computing times (positive:
// matches take longer) with the times themselves.
func TimingScore(t testing.TB, srv psi.Server, cli psi.Client, db *psi.Database, rng *rand.Rand) (z float64, match, nonMatch []time.Duration) {
	t.Helper()
	conn, _, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		t.Fatalf("timing session: %v", err)
	}
	defer conn.Close()
	query := func(h phash.Hash) time.Duration {
		tr, err := conn.Query(h)
		if err != nil {
			t.Fatalf("timing query: %v", err)
		}
		return tr.Server.Query
	}
	t0 := time.Now()
	query(db.Hashes[0]) // warm up, and measure one query
	per := time.Since(t0)
	pairs := min(max(int(timingBudget/(2*per+1)), minPairs), 150)
	for i := range pairs {
		listed := db.Hashes[(i+1)%len(db.Hashes)]
		near := FlipBit(t, listed, i%db.Bits)
		if db.Contains(near) {
			continue
		}
		first := rng.IntN(2) == 0
		for _, isMatch := range []bool{first, !first} {
			if isMatch {
				match = append(match, query(listed))
			} else {
				nonMatch = append(nonMatch, query(near))
			}
		}
	}
	return MannWhitneyZ(match, nonMatch), match, nonMatch
}

// MannWhitneyZ is the normal score of the Mann-Whitney U statistic of a
// against b (ties take their mean rank; no tie correction of the
// variance, which only makes the score smaller): about N(0, 1) when both
// come from one distribution, positive when a tends to be larger.
func MannWhitneyZ(a, b []time.Duration) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	if n1 == 0 || n2 == 0 {
		return 0
	}
	type obs struct {
		v   time.Duration
		inA bool
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, v := range a {
		all = append(all, obs{v, true})
	}
	for _, v := range b {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(x, y obs) int { return cmp.Compare(x.v, y.v) })
	var rankA float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		mean := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].inA {
				rankA += mean
			}
		}
		i = j
	}
	u := rankA - n1*(n1+1)/2
	return (u - n1*n2/2) / math.Sqrt(n1*n2*(n1+n2+1)/12)
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
