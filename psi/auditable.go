package psi

import "github.com/privmatch/privmatch/audit"

// Auditable is a Server that can commit what it answers from to a signed
// tree head and serve that head at every session's setup, for clients
// built with Options.Audit (the device's check, audit.Device.Setup). The
// command publishes heads through it (privmatch serve --audit).
//
// What the check covers differs by protocol. Where the device downloads a
// table (oprf-psi), it recomputes the table's root: the table is the
// published one. Where the database stays on the server (he-exact,
// he-hamming), the device checks only the signed head and the parameters
// it is served: it refuses another key's head, an older head than it has
// seen, a second head for one epoch (a split view) and other parameters,
// but a server that computes on another list than the one its head
// commits is not detected. Each ledger says which.
type Auditable interface {
	Server
	// AuditHead is the tree head a publisher signs (audit.Publisher
	// sets its epoch and history) for what this server answers from:
	// log as given, the size and root of its table or database, and the
	// digest of the parameters a device checks.
	AuditHead(log string) (audit.TreeHead, error)
	// Audited returns a server like this one whose setup also sends
	// head, the signed AuditHead, and link, the proof from the head
	// devices were given to head (audit.Publisher.Link; empty when they
	// are the same).
	Audited(head audit.SignedHead, link audit.HeadProof) (Server, error)
}
