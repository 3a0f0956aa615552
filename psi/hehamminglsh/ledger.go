package hehamminglsh

import (
	"fmt"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"slices"
	"sync"

	"github.com/privmatch/privmatch/he/hamminglsh"
	"github.com/privmatch/privmatch/psi"
)

// The ledger's notes, one per party.
const (
	serverNotes = "semi-honest: above 2^14 entries the bucket keys give the query hash's bits at the union of the tables' positions, " +
		"all 64 bits of a public pool of 64 of the 256 (P64, k >= 8; none up to 2^14 entries, where no key is sent), on a match and a non-match alike; " +
		"with them the server can test any hash of its choosing, listed or not, for agreement on those 64 bits, and it knows the candidates; " +
		"on a match the zero slot of the single group names the matched entry; the other 192 bits stay under RLWE"
	clientNotes = "the key bits k give the database size within a factor of 2 above 2^14 entries for a uniform list (for a clustered one, " +
		"which gets more bits, an upper bound and how clustered it is); decrypted values are uniform under the " +
		"server's mask; circuit privacy is he-hamming's known gap (33-bit flooding)"
	networkNotes = "the bucket keys travel in the clear inside the query (as the framing carries it; a TLS channel hides them from the network " +
		"but not from the server); message sizes are fixed by k, the same for a match and a non-match"
)

// claim is one ledger claim: against whom, whether it holds, the test
// that attacks it (empty: none) and the statement.
func claim(a psi.Adversary, holds bool, test, statement string) psi.Claim {
	return psi.Claim{Adversary: a, Holds: holds, Test: test, Statement: statement}
}

func (lshProtocol) Ledger() psi.Ledger {
	seen := []psi.Fact{psi.FactQueryHappened, psi.FactQueryBits, psi.FactMatchBit, psi.FactTiming}
	size := []psi.Fact{psi.FactDatabaseSize}
	wire := []psi.Fact{psi.FactDatabaseSize, psi.FactQueryHappened, psi.FactQueryBits, psi.FactMessageSizes, psi.FactTiming}
	led := psi.Ledger{
		Protocol: lshName, ResultTo: "server",
		Setup: fmt.Sprintf("down: the layout, preset, threshold and key bits k (about 12 B); up, once per session: he/hamming's "+
			"keys (%d B under H14), kept by the server for that client only", keysSize()),
		Server:  psi.View{OnMatch: append(slices.Clone(seen), psi.FactMatchedEntry), OnNonMatch: seen, Notes: serverNotes},
		Client:  psi.View{OnMatch: size, OnNonMatch: size, Notes: clientNotes},
		Network: psi.View{OnMatch: wire, OnNonMatch: wire, Notes: networkNotes},
		Model: "semi-honest server (it reads 64 pool bits of every query hash; a malicious server reads all of it), semi-honest or malicious client; " +
			"RLWE (BGV, hamming.H14: N = 2^14, log2(QP) = 437, 128-bit by the HE standard) for the rest",
		MaliciousServer: "reads the whole query hash by he-hamming's echo attack (the client's reply carries the decrypted answer); " +
			"whatever k it names, the keys reveal pool bits only; can load any hashes, choose any threshold the client accepts, lie about the verdict",
		MaliciousClient: "can force either verdict undetected (a far hash, false keys, a garbage reply, zeros in R); chooses which buckets are " +
			"searched through its keys, so it can probe buckets of its choice for entries within T of a hash it picks (one group per query); no trap cells",
		Claims: []psi.Claim{
			claim(psi.SemiHonest, false, "he/hamminglsh.TestLeakedBits",
				"the server reads the query hash's bits at the 64 public pool positions from the bucket keys alone, on a match and a non-match alike "+
					"(above 2^14 entries; 64 of 256 bits with P64)"),
			claim(psi.SemiHonest, true, "psi/hehamminglsh.TestLSHVerdictIsBucketRule",
				"the verdict is the bucket rule's: a match iff an entry within the threshold shares a bucket with the query, so an entry "+
					"within the threshold that shares none is missed (recall against exact matching measured by bench.LSHRecall)"),
			claim(psi.SemiHonest, true, "",
				"the 192 bits outside the pool and R are not seen by the server (IND-CPA under RLWE)"),
			claim(psi.SemiHonest, true, "",
				"on a match the server learns the matched entry (one group: the zero slot names it)"),
			claim(psi.MaliciousServer, false, "he/hamming.TestEchoServerReadsQuery",
				"a malicious server reads the whole query hash by echoing the client's query ciphertext (he-hamming's engine, same attack)"),
			claim(psi.MaliciousClient, false, "psi/hehamminglsh.TestLSHAlteredReply",
				"a client can alter its reply undetected and so force either verdict; its keys choose the buckets searched"),
			claim(psi.MaliciousClient, true, "",
				"the client learns nothing about the list beyond k (the size within a factor of 2, and its clustering) and the answer scale"),
			claim(psi.Network, true, "",
				"message sizes are fixed by k: the same for a match and a non-match (the keys themselves are visible without TLS)"),
		},
	}
	led.Claims = append(led.Claims, psi.TransportClaims("psi/hehamminglsh")...)
	led.Claims = append(led.Claims, headapter.Claims("psi/hehamminglsh")...)
	return led
}

// keysSize is the size of a client's keys under P64, or -1 if it does
// not build.
var keysSize = sync.OnceValue(func() int {
	p, err := hamminglsh.NewParameters(hamminglsh.P64)
	if err != nil {
		return -1
	}
	return p.KeysSize()
})
