package psitest_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/plaintext"
	"github.com/privmatch/privmatch/psi/psitest"
)

// leaky is a server whose queries spin for extra after a match: the
// timing attack must catch it, so the check can fail. One value plays
// the server, its sessions and their queries (the three interfaces share
// no method).
type leaky struct {
	psi.Server
	psi.ServerSession
	psi.Steps
	extra time.Duration
}

func (l leaky) NewSession() (psi.ServerSession, error) {
	var err error
	l.ServerSession, err = l.Server.NewSession()
	return l, err
}

func (l leaky) NewQuery() (psi.Steps, error) {
	var err error
	l.Steps, err = l.ServerSession.NewQuery()
	return l, err
}

func (l leaky) Step(in psi.Message) (psi.Message, error) {
	out, err := l.Steps.Step(in)
	if l.Outcome().Match {
		for t0 := time.Now(); time.Since(t0) < l.extra; {
		}
	}
	return out, err
}

// TestTimingScoreCatchesLeak: a server that spends 200 us more on a match
// scores beyond TimingZ; the honest server it wraps is logged beside it.
func TestTimingScoreCatchesLeak(t *testing.T) {
	db := psitest.Database(t, 64, 3)
	srv, cli := psitest.Pair(t, plaintext.Protocol, db)
	rng := rand.New(rand.NewPCG(3, 4))
	z, m, u := psitest.TimingScore(t, leaky{Server: srv, extra: 200 * time.Microsecond}, cli, db, rng)
	t.Logf("leaky: z = %.2f over %d+%d queries", z, len(m), len(u))
	if z < psitest.TimingZ {
		t.Errorf("a 200 us leak on matches scored z = %.2f, below the bound %.1f", z, psitest.TimingZ)
	}
	z, _, _ = psitest.TimingScore(t, srv, cli, db, rng)
	t.Logf("honest: z = %.2f", z)
}

// TestMannWhitneyZ: identical samples score 0; fully separated ones score
// the largest value for their sizes, with the sign of the larger side.
func TestMannWhitneyZ(t *testing.T) {
	a := []time.Duration{1, 2, 3, 4, 5}
	if z := psitest.MannWhitneyZ(a, a); z != 0 {
		t.Errorf("same samples: z = %v", z)
	}
	b := []time.Duration{6, 7, 8, 9, 10}
	want := 12.5 / math.Sqrt(25*11/12.0)
	if z := psitest.MannWhitneyZ(b, a); math.Abs(z-want) > 1e-9 {
		t.Errorf("separated: z = %v, want %v", z, want)
	}
	if z := psitest.MannWhitneyZ(a, b); math.Abs(z+want) > 1e-9 {
		t.Errorf("separated, swapped: z = %v, want %v", z, -want)
	}
}
