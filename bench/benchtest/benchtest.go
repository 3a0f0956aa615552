// Package benchtest holds test helpers shared by the tests of bench,
// bench/report and the privmatch command. Production code does not import it.
package benchtest

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/psitest"
	"github.com/privmatch/privmatch/psi/threshold"
)

// VoucherLen builds one threshold-psi voucher through the psi API, against
// a synthetic PDQ database of n hashes drawn from seed, and returns its
// encoded length: the figure the report's threshold section must show.
func VoucherLen(t testing.TB, params threshold.Params, n int, seed uint64) int {
	t.Helper()
	p, err := threshold.New(params)
	if err != nil {
		t.Fatal(err)
	}
	db, err := psi.Synth(phash.PDQKind, 256, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	srv, cli := psitest.Pair(t, p, db)
	_, sess := psitest.SetupExchange(t, srv, cli)
	defer sess.Close()
	msgs, _, _ := psitest.QueryExchange(t, sess, cli, db.Hashes[0])
	if len(msgs) == 0 || msgs[0].Dir != psi.Up {
		t.Fatalf("threshold-psi query of %d messages does not start with the voucher going up", len(msgs))
	}
	return len(msgs[0].Bytes)
}

// SVGText parses an SVG document strictly as XML and returns its root
// element's name and the trimmed, non-empty character data of every
// element, in document order. It fails the test on invalid XML.
func SVGText(t testing.TB, r io.Reader) (root string, texts []string) {
	t.Helper()
	dec := xml.NewDecoder(r)
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root, texts
		}
		if err != nil {
			t.Fatalf("invalid SVG: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(x)); s != "" {
				texts = append(texts, s)
			}
		}
	}
}
