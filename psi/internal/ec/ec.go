// Package ec holds what oprf-psi and the protocols built on its match
// test (threshold-psi) share: the group, hashing to it, scalars, the
// cuckoo table and its blinded form.
package ec

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/cloudflare/circl/group"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// Name is oprf-psi's registry name, which prefixes the table's kind.
const Name = "oprf-psi"

var (
	// Group is ristretto255.
	Group = group.Ristretto255
	// DSTHash is the hash-to-curve domain of H.
	DSTHash   = []byte("privmatch-oprf-psi-v1-H")
	dstDummy  = []byte("privmatch-oprf-psi-v1-dummy-row")
	dstScalar = []byte("privmatch-oprf-psi-v1-scalar")
	// ZeroNonce is the AEAD nonce: every key is used once.
	ZeroNonce [12]byte
)

// ElemSize is the encoded size of a ristretto255 element.
const ElemSize = 32

// Rand is opts.Rand, or crypto/rand.Reader when nil.
func Rand(opts psi.Options) io.Reader {
	if opts.Rand != nil {
		return opts.Rand
	}
	return rand.Reader
}

// Scalar draws a uniform non-zero scalar from rnd.
func Scalar(rnd io.Reader) (group.Scalar, error) {
	var buf [64]byte
	for {
		if _, err := io.ReadFull(rnd, buf[:]); err != nil {
			return nil, fmt.Errorf("psi: %s: randomness: %w", Name, err)
		}
		s := Group.HashToScalar(buf[:], dstScalar)
		if !s.IsZero() {
			return s, nil
		}
	}
}

// TableKey decodes a served table's key L for the client of protocol
// name, rejecting an invalid encoding and the identity.
func TableKey(name string, b []byte) (group.Element, error) {
	L := Group.NewElement()
	if err := L.UnmarshalBinary(b); err != nil || L.IsIdentity() {
		return nil, fmt.Errorf("psi: %s client: table key L is not a valid non-identity element", name)
	}
	return L, nil
}

// CheckQuery rejects a query made before setup (ready false) or for a hash
// of another kind or length than the client's.
func CheckQuery(name string, ready bool, h phash.Hash, kind phash.Kind, bits int) error {
	if !ready {
		return fmt.Errorf("psi: %s client: query before setup", name)
	}
	if h.Kind() != kind || h.Bits() != bits {
		return fmt.Errorf("psi: %s: query hash is %s/%d, want %s/%d", name, h.Kind(), h.Bits(), kind, bits)
	}
	return nil
}

// Item is the byte string hashed to the curve and to cuckoo rows: kind,
// 0, bits (big-endian uint16), hash bytes.
func Item(h phash.Hash) []byte {
	b := append([]byte(h.Kind()), 0)
	b = binary.BigEndian.AppendUint16(b, uint16(h.Bits()))
	return append(b, h.Bytes()...)
}

// Keyed is a database's blinded table with its secret key a: the server
// side of oprf-psi's match test.
type Keyed struct {
	Kind  phash.Kind
	Bits  int
	Key   group.Scalar
	Table *Table
	// rows[r] indexes the item placed in row r, or is -1.
	rows  []int32
	items [][]byte
}

// Placed reports whether the server's table holds item in the row that
// cuckoo way names for it. A voucher part that opens is a match only if
// its payload passes this check: a device that knows only the public L
// can make a part open for any payload (Q = r*G, S = r*L), but not make
// the payload a listed hash it does not hold. The work does not depend
// on the answer.
func (k *Keyed) Placed(item []byte, way int) bool {
	if way < 0 || way >= Ways {
		return false
	}
	pos := Positions(&k.Table.Seed, uint32(k.Table.NumRows()), item)
	r := k.rows[pos[way]]
	want := item
	if r >= 0 {
		want = k.items[r]
	}
	eq := len(want) == len(item) && subtle.ConstantTimeCompare(want, item) == 1
	return r >= 0 && eq
}

// BuildTable places db's distinct hashes in a cuckoo table, draws the key
// a and blinds every row: a*H(x) for the hash x placed there, a random
// element of unknown logarithm in empty rows. Rows are blinded in
// parallel: the one-time server cost.
func BuildTable(db *psi.Database, rnd io.Reader) (*Keyed, error) {
	if db == nil {
		return nil, fmt.Errorf("psi: %s: nil database", Name)
	}
	seen := make(map[phash.Hash]struct{}, len(db.Hashes))
	var items [][]byte
	for _, h := range db.Hashes {
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		items = append(items, Item(h))
	}
	m := Rows(len(items))
	if m > (1<<31)/ElemSize {
		return nil, fmt.Errorf("psi: %s: database of %d entries too large", Name, len(items))
	}
	rows, seed, err := BuildCuckoo(items, m, rnd)
	if err != nil {
		return nil, err
	}
	a, err := Scalar(rnd)
	if err != nil {
		return nil, err
	}
	var dummy [32]byte
	if _, err := io.ReadFull(rnd, dummy[:]); err != nil {
		return nil, fmt.Errorf("psi: %s: randomness: %w", Name, err)
	}
	t := &Table{Seed: seed, Rows: make([]byte, m*ElemSize)}
	L := Group.NewElement().MulGen(a)
	lb, err := L.MarshalBinaryCompress()
	if err != nil {
		return nil, fmt.Errorf("psi: %s: %w", Name, err)
	}
	copy(t.L[:], lb)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for wkr := 0; wkr < workers; wkr++ {
		wg.Add(1)
		go func(wkr int) {
			defer wg.Done()
			e := Group.NewElement()
			var msg [36]byte
			copy(msg[:], dummy[:])
			for r := wkr; r < m; r += workers {
				if it := rows[r]; it >= 0 {
					e.Mul(Group.HashToElement(items[it], DSTHash), a)
				} else {
					// A random row: hash of secret randomness, so its
					// logarithm is unknown to everyone.
					binary.BigEndian.PutUint32(msg[32:], uint32(r))
					e = Group.HashToElement(msg[:], dstDummy)
				}
				b, err := e.MarshalBinaryCompress()
				if err != nil {
					errs[wkr] = err
					return
				}
				copy(t.Rows[r*ElemSize:], b)
			}
		}(wkr)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("psi: %s: blind table: %w", Name, err)
		}
	}
	return &Keyed{Kind: db.Kind, Bits: db.Bits, Key: a, Table: t, rows: rows, items: items}, nil
}
