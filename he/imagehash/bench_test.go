package imagehash

import (
	"path/filepath"
	"testing"

	"github.com/privmatch/privmatch/phash"
	"github.com/stretchr/testify/require"
)

// BenchmarkEncryptedHash measures each role on testdata/photos/chelsea.png
// at the default parameters:
//   - role=luma: the client's decoded-image-to-luma front end (not HE);
//   - role=client: encrypting the luma into a seeded query;
//   - role=server: decoding the query, the DCT block and fold, encoding
//     the answer (run with -cpu 1 for one core);
//   - role=finish: decrypting and thresholding;
//   - role=setup: the server decoding a client's keys (regenerating their
//     seeded parts) and encoding the matrix diagonals (once per client);
//   - role=keygen: generating and encoding the Galois keys (once per client).
//
// Bytes: up-B/op (query), down-B/op (answer), keys-B (one-time keys).
func BenchmarkEncryptedHash(b *testing.B) {
	img, err := phash.Load(filepath.Join(repoRoot(b), "testdata", "photos", "chelsea.png"), phash.LoadOptions{})
	require.NoError(b, err)
	for _, alg := range []Alg{AlgPHash8, AlgPDQ} {
		p, c, s := setup(b, alg, Default)
		luma, err := Luma(alg, img)
		require.NoError(b, err)
		q, a := queryAnswer(b, c, s, luma)
		report := func(b *testing.B) {
			b.ReportMetric(float64(QuerySize(p)), "up-B/op")
			b.ReportMetric(float64(AnswerSize(p)), "down-B/op")
			b.ReportMetric(float64(KeysSize(p)), "keys-B")
		}
		for _, role := range []struct {
			name   string
			run    func() error
			report bool
		}{
			{"luma", func() error { _, err := Luma(alg, img); return err }, false},
			{"client", func() error { _, err := c.QueryLuma(luma); return err }, true},
			{"server", func() error { _, err := s.Answer(q); return err }, true},
			{"finish", func() error { _, err := c.Finish(a); return err }, false},
		} {
			b.Run("alg="+string(alg)+"/role="+role.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := role.run(); err != nil {
						b.Fatal(err)
					}
				}
				if role.report {
					report(b)
				}
			})
		}
		b.Run("alg="+string(alg)+"/role=setup", func(b *testing.B) {
			keys, err := c.Keys()
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewServer(p, keys); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
		b.Run("alg="+string(alg)+"/role=keygen", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Keys(); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
	}
}
