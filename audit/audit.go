// Package audit makes a scanning server's hash database checkable: the
// server publishes a signed commitment to what it scans for, and devices
// and auditors verify that what they received is what was published, that
// everyone received the same, and that every entry is vouched for by
// enough independent lists.
//
// Start here:
//
//	a, b := audit.NewList("list/a"), audit.NewList("list/b") // append-only logs
//	a.Add(hs...); b.Add(gs...)
//	db, _ := audit.Intersection("db", []*audit.List{a, b}, 2) // entries in both
//	pub, _ := audit.NewPublisher("db", serverKey)
//	head, _ := pub.Publish(db.Head())                          // published
//	p, _ := db.Prove(i, lists)                                 // per entry
//	err := policy.VerifyEntry(db.Entries[i], p, head, listHeads)
//
// and on a device at protocol setup (CheckServed, Device.Setup):
//
//	err := audit.CheckServed(serverPub, publishedHead, audit.Served{
//		Head: servedHead, Link: link, Params: params, Rows: rows})
//
// Commitments are RFC 9162 Merkle trees (SHA-256, leaf prefix 0x00, node
// prefix 0x01, left subtree the largest power of two), with RFC 9162
// inclusion and consistency proofs. Lists are append-only logs: between
// two of a list's signed heads a consistency proof shows nothing was
// removed or changed. The database is a snapshot sorted by hash, its
// leaves the hash and its provenance (which lists carry it and where).
// Tree heads are signed with ed25519 and numbered by epoch; each head
// also commits the parameters a device matches with (Params: protocol,
// hash, threshold, table geometry, seeds and keys) and the root of the
// log's history, an append-only tree of all its earlier heads. So any two
// heads of one log can be linked by a proof (Publisher.Link), snapshots
// of different sizes included.
//
// Two parties that compare the heads they received (CompareHeads) detect
// a split view: two different heads signed for one epoch, an older head
// missing from a newer head's history, or, for an append-only list, a
// newer tree that does not extend the older. A device that remembers the
// newest head it has accepted (Device) also refuses an older head served
// again (ErrStale).
//
// For a blinded table (the oprf-psi and threshold-psi setup, whose rows
// the device cannot relate to hashes) the commitment is the root over the
// table's rows (RootOfRecords): the device recomputes it over the whole
// table it downloaded and checks it, and the parameters it will use,
// against the signed head.
//
// What the device's setup check prevents, in plain terms:
//   - A server quietly giving one device (or a few) a different list, or
//     different matching settings, than the one it published: the device
//     refuses to go on, and the server's signed head is the evidence.
//   - A server showing different groups of devices different lists (a
//     split view), provided devices, or auditors on their behalf, compare
//     the heads they were given: the two signed heads prove it.
//   - A server handing out an old version again after publishing a new
//     one, to a device that has already seen the new one.
//
// What it does not prevent:
//   - A list that was already bad when it was published: the check shows
//     everyone got the same list, not that the list is right. The
//     intersection rule (Policy) limits what a single list operator can
//     add; it cannot stop operators who agree.
//   - A server that publishes two versions and keeps its devices from ever
//     comparing heads: detection needs the heads to meet somewhere.
//   - Scope creep done in the open: new kinds of content added to a
//     published list are committed like any other; the heads show that,
//     and how many, entries were added, not what they depict.
//   - For a database that stays on the server (he-exact, he-hamming), that
//     the server computes with the committed database: the device checks
//     only the head and the parameters.
//
// What a head reveals: the number of entries and, across versions, how
// many were added; never the entries (leaves are SHA-256 of the entry,
// though anyone holding a candidate hash and the full entry list can test
// it, and the device holding a blinded table sees only its size), and the
// matching parameters' digest.
package audit
