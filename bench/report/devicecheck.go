package report

// The device's list check (package audit: CheckServed and Device, run when
// a phone sets up a protocol) in plain language, from audit's package doc.
// A policy reader needs both halves: what the check rules out, and what a
// published, checked list still allows.

// deviceCheckPrevents is what the check rules out.
var deviceCheckPrevents = []string{
	"**A secret list for a few people.** The service cannot quietly give one phone, or a few, a different list or different matching settings from the one it published: the phone refuses to go on, and the service's own signature on what it served is the evidence.",
	"**Different lists for different groups.** The service cannot show one group of phones one list and another group a second list, provided phones (or auditors acting for them) compare the signed summaries they were given: two signed summaries for the same version prove it.",
	"**Rolling back to an old list.** A phone that has seen a newer published version refuses an older one served again.",
}

// deviceCheckDoesNotPrevent is what a published, checked list still
// allows.
var deviceCheckDoesNotPrevent = []string{
	"**A list that was wrong when it was published.** The check shows that everyone got the same list, not that the list holds only what it should. Requiring each entry to appear on lists kept by independent organisations limits what one of them can add; it cannot stop organisations that agree.",
	"**Splits that nobody compares.** If the service publishes two versions and phones and auditors never compare what they were given, the split goes unnoticed: detection needs the signed summaries to meet somewhere.",
	"**Scope creep in the open.** New kinds of content added to a published list are committed like any other entry. The published summaries show that entries were added, and how many, but not what they depict.",
	"**What the server does with a list it keeps.** Where the list stays on the server (the homomorphic protocols), the phone checks the published summary and the matching settings, not that the server actually matches against that list.",
}

// deviceCheckSubsection renders the two lists.
func (r *Report) deviceCheckSubsection(d *document) {
	d.h(2, "What a device's list check prevents, and what it does not")
	d.p("Package `audit` gives phones a check to run when they set up matching (`audit.CheckServed`): the list, or the blinded table a phone downloads, and the matching settings must be exactly the ones the service published and signed, and no older than the newest version the phone has already seen. What that check does, in plain terms:")
	d.p("**It prevents:**")
	d.list(deviceCheckPrevents...)
	d.p("**It does not prevent:**")
	d.list(deviceCheckDoesNotPrevent...)
}
