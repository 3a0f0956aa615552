package heexact

import (
	"testing"

	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestHEExactManyPartitions runs he-exact end to end, through every
// message's encoding, on a database larger than four partitions hold (the
// insecure test preset, 64000 entries: 5 partitions, 2 answer
// ciphertexts): the client sizes the answer from the partitions the server
// announced, members match and a non-member does not.
func TestHEExactManyPartitions(t *testing.T) {
	db, err := psi.Synth("test", 256, 64000, 31)
	if err != nil {
		t.Fatal(err)
	}
	items := make([][32]byte, len(db.Hashes))
	for i, h := range db.Hashes {
		items[i] = heExactItem(h)
	}
	lit := exact.PN12Test
	hetest.AllowInsecure()
	srv, err := heExactProtocol{allowInsecure: true}.newServer(lit, items, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if srv.setup.Partitions != 5 || srv.es.Answers() != 2 {
		t.Fatalf("%d partitions, %d answers; want 5 and 2", srv.setup.Partitions, srv.es.Answers())
	}
	cli, err := heExactProtocol{allowInsecure: true}.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	p := srv.params
	miss, err := psi.Synth("test", 256, 1, 99)
	if err != nil {
		t.Fatal(err)
	}
	var hs []phash.Hash
	for i := 10; i < len(db.Hashes); i += 12800 {
		hs = append(hs, db.Hashes[i])
	}
	for i, h := range append(hs, miss.Hashes[0]) {
		tr, err := sess.Query(h)
		if err != nil {
			t.Fatal(err)
		}
		want := i < 5
		if o := tr.ServerOutcome; !o.Known || o.Match != want {
			t.Errorf("query %d: outcome %+v, want match %v", i, o, want)
		}
		down, up := OPRFSize+exact.AnswerSize(p, 5), OPRFSize+exact.QuerySize(p)+exact.ReplySize(p, 5)
		if tr.DownBytes() != down || tr.UpBytes() != up {
			t.Errorf("query %d: down %d up %d, want %d and %d", i, tr.DownBytes(), tr.UpBytes(), down, up)
		}
	}
}
