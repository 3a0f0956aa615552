package report

import (
	"fmt"
	"strconv"

	"github.com/privmatch/privmatch/psi"
)

// adversaryWords names a claim's adversary for a policy reader.
var adversaryWords = map[psi.Adversary]string{
	psi.SemiHonest:      "Against a party that follows the protocol but looks at what it sees",
	psi.MaliciousClient: "Against a cheating phone",
	psi.MaliciousServer: "Against a cheating server",
	psi.Network:         "Against someone watching the network",
}

// claimCount is how a ledger's claims split: checked by an attack test or
// not, and how many state a known weakness.
type claimCount struct{ All, Tested, Weak int }

func countClaims(l psi.Ledger) claimCount {
	var c claimCount
	for _, cl := range l.Claims {
		c.All++
		if cl.Tested() {
			c.Tested++
		}
		if !cl.Holds {
			c.Weak++
		}
	}
	return c
}

// claimSummary is the plain-language line on a ledger's claims.
func claimSummary(l psi.Ledger) string {
	c := countClaims(l)
	if c.All == 0 {
		return "Its ledger does not list its claims one by one, so none of them is marked as tested."
	}
	s := fmt.Sprintf("Its ledger makes %d claims: %d checked by an attack test in this project, %d claimed, not tested.", c.All, c.Tested, c.All-c.Tested)
	switch c.Weak {
	case 0:
	case 1:
		s += " One of them states a known weakness: an attack that works."
	default:
		s += fmt.Sprintf(" %d of them state known weaknesses: attacks that work.", c.Weak)
	}
	return s
}

// claimItems renders each claim: who it is made against, what it says,
// and its status.
func claimItems(l psi.Ledger) []string {
	items := make([]string, 0, len(l.Claims))
	for _, c := range l.Claims {
		who, ok := adversaryWords[c.Adversary]
		if !ok {
			who = "Against " + string(c.Adversary)
		}
		var status string
		switch {
		case c.Holds && c.Tested():
			status = "Checked by the attack test `" + c.Test + "`."
		case c.Holds:
			status = "Claimed, not tested."
		case c.Tested():
			status = "Known weakness, shown by the test `" + c.Test + "`."
		default:
			status = "Known weakness; claimed, not tested."
		}
		items = append(items, fmt.Sprintf("**%s:** %s. %s", who, trimDot(c.Statement), status))
	}
	return items
}

func trimDot(s string) string {
	for len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// claimTable counts each protocol's claims: tested, not tested, known
// weaknesses.
func claimTable(ps []claimRow) ([]string, [][]string) {
	head := []string{"Protocol", "Claims", "Checked by an attack test", "Claimed, not tested", "Known weaknesses"}
	rows := make([][]string, 0, len(ps))
	for _, p := range ps {
		c := countClaims(p.ledger)
		rows = append(rows, []string{p.name, strconv.Itoa(c.All), strconv.Itoa(c.Tested), strconv.Itoa(c.All - c.Tested), strconv.Itoa(c.Weak)})
	}
	return head, rows
}

type claimRow struct {
	name   string
	ledger psi.Ledger
}
