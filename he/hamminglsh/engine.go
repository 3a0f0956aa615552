package hamminglsh

import (
	"fmt"
	"io"
	"math/bits"
	"slices"

	"github.com/privmatch/privmatch/he/hamming"
)

// Server holds the database and its bucket index. Answer may be called
// concurrently.
type Server struct {
	p     Parameters
	k     int
	items [][32]byte
	ix    *index
	opt   hamming.Options
}

// VerdictState is what the server keeps between Answer and Verdict: the
// query's candidates and he/hamming's masks. It has no wire form.
type VerdictState struct {
	hs *hamming.Server
	st *hamming.VerdictState
	// Candidates are the database indices the distance test covered, in
	// slot order; Cut is how many bucket entries the per-table share left out.
	Candidates []uint32
	Cut        int
}

// MaxCutShare is the largest share of bucket entries (summed over the
// tables) that NewServer lets the per-table cut drop before it adds a key
// bit: a list whose hashes cluster (real images do) fills some buckets
// beyond their share of the capacity.
const MaxCutShare = 0.01

// NewServer indexes the database at the key bits its size needs
// ([Parameters.KeyBits]), adding key bits while the per-table cut would
// drop more than MaxCutShare of the bucket entries ([Server.CutShare]) and
// 2^k stays within the entry count (which bounds the index's bucket
// offsets by its entry ids).
// opt is passed to the he/hamming server each query builds over its
// candidates.
func NewServer(p Parameters, db [][32]byte, opt hamming.Options) (*Server, error) {
	k, err := p.KeyBits(len(db))
	if err != nil {
		return nil, err
	}
	s := &Server{p: p, k: k, items: db, opt: opt}
	for s.k > 0 {
		if s.ix, err = newIndex(p, db, s.k); err != nil {
			return nil, err
		}
		if s.CutShare() <= MaxCutShare || p.CheckKeyBits(s.k+1) != nil || 1<<(s.k+1) > len(db) {
			break
		}
		s.k++
	}
	return s, nil
}

// CutShare is the share of bucket entries, over all tables, that lie
// beyond their bucket's share of the capacity and so are never candidates
// in that table.
func (s *Server) CutShare() float64 {
	if s.ix == nil || len(s.items) == 0 {
		return 0
	}
	return float64(s.ix.cut(s.p.share())) / float64(len(s.items)*s.p.lit.Tables)
}

// KeyBits returns k, the key bits per table the server's clients use.
func (s *Server) KeyBits() int { return s.k }

// MemBytes returns the memory held by the index (the items not counted).
func (s *Server) MemBytes() int {
	if s.ix == nil {
		return 0
	}
	return s.ix.memBytes()
}

// keysLen is the size of the packed bucket keys at k key bits.
func (p Parameters) keysLen(k int) int { return (p.lit.Tables*k + 7) / 8 }

// QuerySize returns the exact size of a query at k key bits.
func (p Parameters) QuerySize(k int) int { return p.keysLen(k) + p.he.QuerySize(1) }

// AnswerSize returns the exact size of an answer (one ciphertext).
func (p Parameters) AnswerSize() int { return p.he.AnswerSize(1) }

// ReplySize returns the exact size of a reply.
func (p Parameters) ReplySize() int { return p.he.ReplySize(1) }

// KeysSize returns the exact size of a client's key material.
func (p Parameters) KeysSize() int { return p.he.KeysSize() }

// ParseKeys decodes a client's key material (he/hamming's).
func ParseKeys(p Parameters, b []byte) (*hamming.Keys, error) {
	k, err := hamming.ParseKeys(p.he, b)
	if err != nil {
		return nil, fmt.Errorf("hamminglsh: %w", err)
	}
	return k, nil
}

// packKeys appends the keys, k bits each, least significant bit first.
func (p Parameters) packKeys(dst []byte, keys []uint64, k int) []byte {
	out := make([]byte, p.keysLen(k))
	pos := 0
	for _, v := range keys {
		for i := 0; i < k; i++ {
			out[pos>>3] |= byte(v>>i&1) << (pos & 7)
			pos++
		}
	}
	return append(dst, out...)
}

// unpackKeys reads L keys of k bits; the padding bits must be zero.
func (p Parameters) unpackKeys(b []byte, k int) ([]uint64, error) {
	if len(b) != p.keysLen(k) {
		return nil, fmt.Errorf("hamminglsh: keys of %d bytes, want %d", len(b), p.keysLen(k))
	}
	keys := make([]uint64, p.lit.Tables)
	pos := 0
	for t := range keys {
		for i := 0; i < k; i++ {
			keys[t] |= uint64(b[pos>>3]>>(pos&7)&1) << i
			pos++
		}
	}
	if pos&7 != 0 && b[len(b)-1]>>(pos&7) != 0 {
		return nil, fmt.Errorf("hamminglsh: keys: padding bits set")
	}
	return keys, nil
}

// candidates returns the query's candidates for its keys: the entries of
// its buckets, less those whose pool bits already differ from the ones the
// keys reveal in more than the threshold (they cannot match; the server
// sees those bits anyway), each table's bucket cut at its share.
func (s *Server) candidates(keys []uint64) ([]uint32, int) {
	if s.k == 0 {
		all := make([]uint32, len(s.items))
		for i := range all {
			all[i] = uint32(i)
		}
		return all, 0
	}
	mask, val := s.p.revealed(keys, s.k)
	T := s.p.he.Literal().Threshold
	far := func(pb uint64) bool { return bits.OnesCount64((pb^val)&mask) > T }
	return s.ix.candidates(keys, s.p.share(), far)
}

// Answer reads the bucket keys, gathers at most C candidates and runs
// he/hamming's circuit on them alone (one group, one answer ciphertext).
func (s *Server) Answer(keys *hamming.Keys, query []byte) ([]byte, *VerdictState, error) {
	kl := s.p.keysLen(s.k)
	if len(query) != s.p.QuerySize(s.k) {
		return nil, nil, fmt.Errorf("hamminglsh: answer: query of %d bytes, want %d", len(query), s.p.QuerySize(s.k))
	}
	bk, err := s.p.unpackKeys(query[:kl], s.k)
	if err != nil {
		return nil, nil, fmt.Errorf("hamminglsh: answer: %w", err)
	}
	cands, cut := s.candidates(bk)
	items := make([][32]byte, len(cands))
	for i, c := range cands {
		items[i] = s.items[c]
	}
	hs, err := hamming.NewServer(s.p.he, items, s.opt)
	if err != nil {
		return nil, nil, fmt.Errorf("hamminglsh: answer: %w", err)
	}
	if hs.Outputs() != 1 {
		return nil, nil, fmt.Errorf("hamminglsh: answer: %d candidates need %d answer ciphertexts", len(items), hs.Outputs())
	}
	ans, st, err := hs.Answer(keys, query[kl:])
	if err != nil {
		return nil, nil, fmt.Errorf("hamminglsh: %w", err)
	}
	return ans, &VerdictState{hs: hs, st: st, Candidates: cands, Cut: cut}, nil
}

// Verdict checks the client's reply: match iff some candidate is within
// the threshold. It also returns the number of matching slots.
func (s *Server) Verdict(st *VerdictState, reply []byte) (match bool, slots int, err error) {
	if st == nil || st.hs == nil {
		return false, 0, fmt.Errorf("hamminglsh: verdict: state missing")
	}
	match, slots, err = st.hs.Verdict(st.st, reply)
	if err != nil {
		return false, 0, fmt.Errorf("hamminglsh: %w", err)
	}
	return match, slots, nil
}

// IsCandidate reports, in the clear, whether entry i is among x's
// candidates (after the per-table cut): the bucket rule on the server's
// actual index, for measuring recall on a real list.
func (s *Server) IsCandidate(x [32]byte, i int) bool {
	cands, _ := s.candidates(s.p.Keys(x, s.k))
	_, ok := slices.BinarySearch(cands, uint32(i))
	return ok && i < len(s.items)
}

// Match is the protocol's answer in the clear: whether some candidate of
// x (after the per-table cut) lies within the threshold.
func (s *Server) Match(x [32]byte) bool {
	cands, _ := s.candidates(s.p.Keys(x, s.k))
	l := s.p.he.Literal()
	for _, c := range cands {
		if hamming.Distance(x, s.items[c], l.HashBits) <= l.Threshold {
			return true
		}
	}
	return false
}

// Client holds the client's he/hamming engine and the server's key bits.
type Client struct {
	p Parameters
	k int
	c *hamming.Client
}

// NewClient makes a client for a server that uses k key bits; the secret
// key and every blinding value come from rng (nil: crypto/rand).
func NewClient(p Parameters, k int, rng io.Reader) (*Client, error) {
	if err := p.CheckKeyBits(k); err != nil {
		return nil, err
	}
	c, err := hamming.NewClient(p.he, rng)
	if err != nil {
		return nil, fmt.Errorf("hamminglsh: %w", err)
	}
	return &Client{p: p, k: k, c: c}, nil
}

// Setup returns the one-time key material (he/hamming's).
func (c *Client) Setup() ([]byte, error) { return c.c.Setup() }

// Query returns the bucket keys of x followed by an he/hamming query for
// one answer ciphertext.
func (c *Client) Query(x [32]byte) ([]byte, *hamming.QueryState, error) {
	q, st, err := c.c.Query(x, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("hamminglsh: %w", err)
	}
	out := c.p.packKeys(make([]byte, 0, c.p.QuerySize(c.k)), c.p.Keys(x, c.k), c.k)
	return append(out, q...), st, nil
}

// Finish decrypts the answer and returns the reply (he/hamming's).
func (c *Client) Finish(st *hamming.QueryState, answer []byte) ([]byte, error) {
	return c.c.Finish(st, answer)
}
