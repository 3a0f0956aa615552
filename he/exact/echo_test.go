package exact

import (
	"testing"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// TestEchoServerReadsQuery is the malicious server of issue 13 item 3,
// kept as a demonstration of a known weakness (psi/heexact's ledger names
// it): the server answers with the client's own query ciphertext, dropped
// to level 0, under a partition count of its choosing (4: every slot
// returned). Finish decrypts it like any answer, and the reply hands the
// server the query's fingerprint: all four 16-bit values, 64 bits of
// SHA-256 of the client's hash, in one query. The test passes while the
// attack works; a protocol change that stops it must turn this test into
// one that shows the attack failing.
func TestEchoServerReadsQuery(t *testing.T) {
	f := newExactFixture(t, 100)
	p := f.p
	h := f.db[7]
	q, st, err := f.cli.Query(h)
	require.NoError(t, err)
	sq, err := unmarshalSeededCiphertext(p, q, f.srv.plan.top)
	require.NoError(t, err)
	x, err := sq.expand()
	require.NoError(t, err)
	ev := bgv.NewEvaluator(p.bgv, nil)
	ev.DropLevel(x.ct, x.ct.Level())
	const parts = feltsPerItem // one answer group, every slot returned
	echo := putHeader(nil, core.KindExactAnswer, p)
	echo = append(echo, byte(parts))
	for k := 0; k < 2*exactGroups(parts); k++ {
		echo = compressLevel0(p, x.ct, echo)
	}
	require.Equal(t, AnswerSize(p, parts), len(echo))
	reply, err := f.cli.Finish(st, echo)
	require.NoError(t, err, "the client accepts an echoed query as an answer")
	vals, err := decodeReply(p, reply, 2*p.Slots())
	require.NoError(t, err)
	want := fingerprintOf(h)
	read := 0
	for i, v := range vals {
		if v == uint64(want[i%feltsPerItem]) {
			read++
		}
	}
	t.Logf("echo server: %d of %d reply values equal the query's fingerprint values", read, len(vals))
	require.Equal(t, len(vals), read, "the echo attack no longer reads the query: update psi/heexact's ledger")
}
