package psi

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/privmatch/privmatch/phash"
)

// Database is the server's list of hashes, all of one kind and length.
type Database struct {
	Kind   phash.Kind
	Bits   int
	Hashes []phash.Hash
}

// NewDatabase checks that every hash has the given kind and length.
func NewDatabase(kind phash.Kind, bits int, hs []phash.Hash) (*Database, error) {
	if kind == "" || bits <= 0 || bits > phash.MaxBits {
		return nil, fmt.Errorf("psi: database: bad hash kind %q or length %d", kind, bits)
	}
	for i, h := range hs {
		if h.Kind() != kind || h.Bits() != bits {
			return nil, fmt.Errorf("psi: database: entry %d is %s/%d, want %s/%d", i, h.Kind(), h.Bits(), kind, bits)
		}
	}
	return &Database{Kind: kind, Bits: bits, Hashes: hs}, nil
}

// maxLine bounds a database line; a hash line is at most 64 hex digits.
const maxLine = 4096

// ReadDatabase reads the text format: one hash per line in the hex form
// phash.Hash.String prints, blank lines and lines starting with '#'
// ignored, surrounding spaces trimmed. A malformed line gives an error
// naming its line number.
func ReadDatabase(r io.Reader, kind phash.Kind, bits int) (*Database, error) {
	if kind == "" || bits <= 0 || bits > phash.MaxBits {
		return nil, fmt.Errorf("psi: database: bad hash kind %q or length %d", kind, bits)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	db := &Database{Kind: kind, Bits: bits}
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		h, err := phash.ParseHash(kind, bits, s)
		if err != nil {
			return nil, fmt.Errorf("psi: database line %d: %w", line, err)
		}
		db.Hashes = append(db.Hashes, h)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("psi: database line %d: longer than %d bytes", line+1, maxLine)
		}
		return nil, fmt.Errorf("psi: database: %w", err)
	}
	return db, nil
}

// WriteTo writes the database in the text format ReadDatabase reads, with
// a comment header naming the kind and length.
func (db *Database) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	k, err := fmt.Fprintf(bw, "# privmatch hash database: %s, %d bits, %d entries\n", db.Kind, db.Bits, len(db.Hashes))
	n += int64(k)
	if err != nil {
		return n, err
	}
	for _, h := range db.Hashes {
		k, err := fmt.Fprintln(bw, h.String())
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// Contains reports whether h is in the database (exact equality), by a
// linear scan. It is the plaintext reference the protocols are tested
// against.
func (db *Database) Contains(h phash.Hash) bool {
	for _, g := range db.Hashes {
		if g == h {
			return true
		}
	}
	return false
}

// Synth returns n uniformly random hashes of the given kind and length,
// deterministic from seed. It is for benchmarks and tests, not for
// cryptography: the generator is math/rand's ChaCha8 keyed by the seed.
func Synth(kind phash.Kind, bits, n int, seed uint64) (*Database, error) {
	if n < 0 {
		return nil, fmt.Errorf("psi: synth: negative size %d", n)
	}
	if kind == "" || bits <= 0 || bits > phash.MaxBits {
		return nil, fmt.Errorf("psi: synth: bad hash kind %q or length %d", kind, bits)
	}
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	nb := (bits + 7) / 8
	db := &Database{Kind: kind, Bits: bits, Hashes: make([]phash.Hash, n)}
	buf := make([]byte, nb)
	for i := range db.Hashes {
		_, _ = rng.Read(buf)
		if pad := nb*8 - bits; pad > 0 {
			buf[0] &= 0xff >> pad
		}
		h, err := phash.NewHash(kind, bits, buf)
		if err != nil {
			return nil, fmt.Errorf("psi: synth: %w", err)
		}
		db.Hashes[i] = h
	}
	return db, nil
}
