package report

import (
	"fmt"
	"strings"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

func (r *Report) feasibilitySection(d *document, figs map[string]figure) {
	o := r.Options
	d.hID(1, idFeasibility, "Technical feasibility: at scale and on low-end devices")
	fr := r.Feasibility
	if fr == nil || len(fr.Protocols) == 0 {
		d.p("No protocol was measured in this run.")
		return
	}
	d.p("Each protocol checked one image's hash at a time against a synthetic list. The plots show the median compute per query on one core of this machine, with bars from the fastest to the slowest query; lines beyond the largest list measured are extrapolated from the growth between the two largest sizes, drawn dotted, and are not measurements.")
	if busy, load := r.loaded(); busy {
		d.p("**The machine was loaded** when this run started (%s): other jobs competed for the cores, so times are likely slower, and more spread, than on a quiet machine.", load)
	}
	if f, ok := figs["cost-time"]; ok {
		d.fig(f)
	}
	if f, ok := figs["cost-bytes"]; ok {
		d.fig(f)
	}
	d.p("**Recall each design gives up.** Cost is bought with matching: a protocol that tests only exact equality misses every edited copy whose hash moved by a bit, and a sublinear one may miss a copy within the threshold. Against the plaintext rule \"within %d bits\" (PDQ's threshold):", phash.PDQ.Threshold().Distance)
	given, note := r.recallGivenUp()
	d.table([]string{"protocol", "matches when", "recall given up"}, given)
	if note != "" {
		d.p("%s", note)
	}
	head := []string{"protocol", "database", "client / query", "server / query", "server prep (once)", "setup download (once)", "client heap", "up / query", "down / query", "rounds", "result to"}
	var rows [][]string
	var notes []string
	for _, p := range fr.Protocols {
		for _, pt := range p.Points {
			rows = append(rows, []string{p.Protocol, sizeLabel(pt.DBSize), spread(pt.ClientMS, pt.ClientMinMS, pt.ClientMaxMS, pt.Queries),
				spread(pt.ServerMS, pt.ServerMinMS, pt.ServerMaxMS, pt.Queries), fmtMS(pt.ServerPrepMS),
				fmtBytes(float64(pt.SetupBytes)), fmtBytes(float64(pt.ClientHeapBytes)), fmtBytes(float64(pt.UpBytes)),
				fmtBytes(float64(pt.DownBytes)), fmt.Sprint(pt.Rounds), pt.LearnedBy})
		}
		notes = append(notes, p.Skipped...)
		if p.Error != "" {
			notes = append(notes, fmt.Sprintf("%s failed: %s", p.Protocol, p.Error))
		}
	}
	if len(notes) > 0 {
		d.list(notes...)
	}
	d.fold("Table: every protocol at every size (median, fastest-slowest)")
	d.p("Client and server times are each side's compute per query, encoding and decoding included, read from the protocol transcripts; bytes are the messages' own encodings. \"Setup\" is what a device downloads and keeps once; \"client heap\" the memory the client holds between queries. Every answer was checked against a plaintext look-up of the same hash (up to %d queries per row; all correct, or the row would not be here).", o.Feasibility.Queries)
	d.table(head, rows)
	d.unfold()

	d.h(2, "Hashing the image on the device")
	var hr [][]string
	for _, h := range r.HashTiming {
		hr = append(hr, []string{h.Algorithm, fmtMS(h.MedianMS), fmtMS(h.PhoneMS), fmt.Sprint(h.Images)})
	}
	d.table([]string{"algorithm", "this machine (median, one core)", "slow phone (assumed)", "images timed"}, hr)
	d.p("Decoding the file is not included. Every protocol needs this hash first.")
	r.encryptedHashSubsection(d)
	r.fheSubsection(d)

	d.hID(2, idDevices, "On a slow phone and a slow link")
	dm := o.Device
	d.p("A low-end phone's core is taken to be %.3g times slower than one core of this machine (%s). Only the phone's share of the work is scaled: the server's time is added as measured, so where the server dominates (the homomorphic protocols) a slower phone changes little.", dm.PhoneSlowdown.Value, assumed(dm.PhoneSlowdown.Source))
	head = []string{"protocol", "database", "phone compute / query"}
	for _, l := range dm.Links {
		head = append(head, l.Name+" setup (once)", l.Name+" per query")
	}
	rows = nil
	for _, e := range r.Estimates {
		row := []string{e.Protocol, sizeLabel(e.DBSize), fmtMS(e.PhoneClientMS)}
		for _, le := range e.Links {
			row = append(row, fmtSeconds(le.SetupSeconds), fmtSeconds(le.QuerySeconds))
		}
		rows = append(rows, row)
	}
	d.table(head, rows)
	d.fold("Link assumptions and the setup extrapolated to the deployed list size")
	var lr []string
	for _, l := range dm.Links {
		lr = append(lr, fmt.Sprintf("**%s** (assumed): %.4g kbit/s down, %.4g kbit/s up, %.0f ms round trip. Source: %s.", l.Name, l.DownKbps, l.UpKbps, l.RTTMS, l.Source))
	}
	d.list(lr...)
	rows = nil
	for _, e := range r.Estimates {
		if e.ListSize == 0 {
			continue
		}
		row := []string{e.Protocol, fmtBytes(e.ListSetupBytes)}
		for _, le := range e.Links {
			row = append(row, fmtSeconds(le.ListSetupSeconds))
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		head = []string{"protocol", fmt.Sprintf("setup at %.0f entries (extrapolated)", o.ListSize.Value)}
		for _, l := range dm.Links {
			head = append(head, l.Name+" download")
		}
		d.p("Extrapolated to the assumed deployed list size on the line through the two largest sizes measured (a projection, not a measurement):")
		d.table(head, rows)
	}
	d.p("Per query: the phone's compute, the server's compute as measured, the query's bytes at the link's rates and half a round trip per message flight. Setup: the download at the peak rate plus one round trip. Peak rates make these lower bounds.")
	d.unfold()
	d.h(2, "Nondiscrimination")
	d.p("Who bears the cost: the setup download and the per-image compute fall on the device. A person on a slow link or an old phone pays the times above for every image sent, or for the one-time list; protocols whose setup grows with the list exclude such users first.")
	lo, hi, n := 0.0, 0.0, 0
	for i, b := range r.largest() {
		t := b.pt.ClientMS + b.pt.ServerMS
		if i == 0 || t < lo {
			lo = t
		}
		hi, n = max(hi, t), max(n, b.pt.DBSize)
	}
	d.means("Matching one image privately against a list of %s entries took from %s to %s of computer time per image here. The homomorphic protocols put most of that work on the server; the others ask the phone to download and store data that grows with the list (bytes plot). Whether this is affordable at the scale of a messaging service is a question of server cost and of who pays the download.", sizeLabel(n), fmtMS(lo), fmtMS(hi))
}

func (r *Report) claimSection(d *document) {
	c := r.Claim
	d.hID(1, idClaim, "The claim: \"around 20 million seconds\" per message")
	d.p("The assessment: %s.", c.Claim.Source)
	var rows [][]string
	for _, x := range c.Rows {
		rat := "n/a (0 measured)"
		if x.Ratio > 0 {
			rat = fmt.Sprintf("%.3g (10^%.1f)", x.Ratio, x.Log10Ratio)
		}
		he := "no"
		if x.Homomorphic {
			he = "yes"
		}
		rows = append(rows, []string{x.Protocol, he, sizeLabel(x.DBSize), fmtSeconds(x.MeasuredSeconds), fmtSeconds(x.PhoneSeconds), rat})
	}
	d.table([]string{"protocol", "homomorphic", "database (largest measured)", "measured per query", "with the slow phone", "claim / measured"}, rows)
	d.p("**Includes**: %s. **Excludes**: %s.", c.Includes, c.Excludes)
	r.encryptedHashClaim(d)
	r.fheClaim(d)
	anyHE := false
	for _, x := range c.Rows {
		anyHE = anyHE || x.Homomorphic
	}
	if !anyHE {
		d.p("No homomorphic protocol was in the protocol registry for this run, so no row above measures the kind of scheme the claim is about.")
	}
	least := 0.0
	for i, x := range c.Rows {
		if x.Ratio > 0 && (i == 0 || least == 0 || x.Log10Ratio < least) {
			least = x.Log10Ratio
		}
	}
	if least > 0 {
		d.means("Each row compares the claim with a measurement at the largest list this run measured; even the slowest protocol measured is about 10^%.0f times faster than the claim. A deployed list may be larger: the cost plots extend each line (dotted) to show how the gap would change.", least)
	} else {
		d.means("No protocol measurement here can be compared with the claim.")
	}
}

// factWords says each ledger fact in plain language.
var factWords = map[psi.Fact]string{
	psi.FactNothing: "nothing", psi.FactMatchBit: "whether the image matched", psi.FactQueryHash: "the image's hash",
	psi.FactQueryBits:    "part of the image's hash",
	psi.FactMatchedEntry: "which list entry matched", psi.FactDatabase: "the whole list", psi.FactDatabaseSize: "the list's size",
	psi.FactMessageSizes: "message sizes", psi.FactTiming: "timing", psi.FactQueryHappened: "that a check happened",
}

func words(fs []psi.Fact) string {
	var w []string
	for _, f := range fs {
		if s, ok := factWords[f]; ok {
			w = append(w, s)
		} else {
			w = append(w, string(f))
		}
	}
	if len(w) == 0 {
		return "nothing"
	}
	return strings.Join(w, ", ")
}

// plainView is one party's line: what it learns, what it does not (of
// what it does not already hold), and what it can do if it cheats.
func plainView(who string, v psi.View, malicious string, ask []psi.Fact) string {
	seen := map[psi.Fact]bool{}
	for _, f := range append(append([]psi.Fact(nil), v.OnMatch...), v.OnNonMatch...) {
		seen[f] = true
	}
	var not []psi.Fact
	for _, f := range ask {
		if !seen[f] {
			not = append(not, f)
		}
	}
	var s string
	if words(v.OnMatch) == words(v.OnNonMatch) {
		s = fmt.Sprintf("**%s** learns %s, whether or not the image is listed.", who, words(v.OnMatch))
	} else {
		s = fmt.Sprintf("**%s** learns %s when the image is listed; when it is not, %s.", who, words(v.OnMatch), words(v.OnNonMatch))
	}
	if len(not) > 0 {
		s += fmt.Sprintf(" It does not learn %s.", strings.ReplaceAll(words(not), ", ", " or "))
	}
	if malicious != "" {
		s += " If it cheats, it " + strings.TrimSuffix(malicious, ".") + "."
	}
	return s
}

func (r *Report) integritySection(d *document) {
	d.hID(1, idIntegrity, "Integrity: what each party learns")
	d.p("For each protocol, in plain words, then its claims one by one: whom each is made against (a party that follows the protocol but looks at what it sees, a cheating phone, a cheating server, someone watching the network), and whether an attack test in this project tries to break it. A claim without such a test is marked \"claimed, not tested\"; a known weakness is an attack that works. Then the technical ledger as the protocol states it.")
	if r.Feasibility != nil {
		var rows []claimRow
		for _, p := range r.Feasibility.Protocols {
			l := p.Ledger
			d.h(2, "%s", p.Protocol)
			d.list(plainView("The phone", l.Client, l.MaliciousClient, []psi.Fact{psi.FactMatchBit, psi.FactMatchedEntry, psi.FactDatabase}),
				plainView("The server", l.Server, l.MaliciousServer, []psi.Fact{psi.FactQueryHash, psi.FactMatchBit, psi.FactMatchedEntry}),
				plainView("Someone watching the network", l.Network, "", []psi.Fact{psi.FactQueryHash, psi.FactMatchBit, psi.FactMatchedEntry, psi.FactDatabase}))
			d.p("%s", claimSummary(l))
			if items := claimItems(l); len(items) > 0 {
				d.list(items...)
			}
			d.fold(p.Protocol + ": technical ledger")
			d.code(l.String())
			d.unfold()
			rows = append(rows, claimRow{p.Protocol, l})
		}
		if len(rows) > 0 {
			d.p("How many of each protocol's claims an attack test checks:")
			d.table(claimTable(rows))
		}
	}
	d.p("None of these protocols, as run here, lets a device check that its list is the published one; a server can put any hash in the list it serves. Package `audit` covers published roots and inclusion proofs; its costs are measured below, but the protocol runs above do not use it.")
	r.deviceCheckSubsection(d)
	r.integrityMeasured(d)
	d.means("The protocols hide a person's images from the server (or the list from the phone), but none of them, as run here, stops the list's owner from adding images of any kind. Scope creep is prevented only if the list is published in a form the phone checks, which the audit measurements show is cheap; and threshold reporting hides single matches at the cost of extra machinery.")
}
