package hamming

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/privmatch/privmatch/he/hetest"
	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/stretchr/testify/require"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// TestEchoServerReadsQuery is the malicious server of issue 13 item 3,
// kept as a demonstration of a known weakness (psi/hehamming's and
// psi/hehamminglsh's ledgers name it): the server answers with the
// client's own query ciphertext dropped to level 0. Finish decrypts it
// like any answer, and the reply hands the server the slot values, from
// which the public encoding gives back every hash bit in one query: under
// the expansion circuit the coefficients (the hash bits first), under the
// diagonal circuit the slots themselves (row j/m, column j mod m holds bit
// j, m = n/2). The
// test passes while the attack works; a protocol change that stops it
// must turn this test into one that shows the attack failing.
func TestEchoServerReadsQuery(t *testing.T) {
	hetest.AllowInsecure()
	diag := H12DInsecure
	diag.Name, diag.LogN = "H10DInsecure", 10
	p, err := NewParameters(diag)
	require.NoError(t, err)
	for name, p := range map[string]Parameters{"expand": n10Params(t), "diagonal": p} {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient(p, hetest.Rand(t, 3))
			require.NoError(t, err)
			x := randHash(rand.New(rand.NewPCG(3, 13)), p.lit.HashBits)
			q, st, err := c.Query(x, 1)
			require.NoError(t, err)
			xct, _, err := p.parseQuery(q, 1)
			require.NoError(t, err)
			ev := bgv.NewEvaluator(p.bgv, nil)
			ev.DropLevel(xct, xct.Level())
			echo := p.header(core.KindHammingAnswer)
			echo = binary.LittleEndian.AppendUint16(echo, 1)
			echo = binary.LittleEndian.AppendUint32(echo, uint32(xct.Scale.Uint64()))
			echo = p.appendCompressed(echo, xct)
			require.Equal(t, p.AnswerSize(1), len(echo))
			reply, err := c.Finish(st, echo)
			require.NoError(t, err, "the client accepts an echoed query as an answer")
			vals := make([]uint64, p.N())
			require.NoError(t, unpackValues(reply[core.HeaderLen+2:], vals))
			if !p.lit.Diagonal {
				// Undo the client's slot decoding with the public encoder:
				// the coefficients are the query's plaintext.
				ecd := bgv.NewEncoder(p.bgv)
				pt := bgv.NewPlaintext(p.bgv, 0)
				require.NoError(t, ecd.Encode(vals, pt))
				pt.IsBatched = false
				require.NoError(t, ecd.Decode(pt, vals))
			}
			at := func(j int) int { return j } // the coefficient of bit j
			if p.lit.Diagonal {
				// Row j/m, column j mod m, m = n/2.
				at = func(j int) int { return j/(p.lit.HashBits/2)*(p.N()/2) + j%(p.lit.HashBits/2) }
			}
			read := 0
			for j := 0; j < p.lit.HashBits; j++ {
				if vals[at(j)] == bit(&x, j) {
					read++
				}
			}
			t.Logf("echo server: read %d of %d hash bits", read, p.lit.HashBits)
			require.Equal(t, p.lit.HashBits, read, "the echo attack no longer reads the query: update psi/hehamming's and psi/hehamminglsh's ledgers")
		})
	}
}
