package exact

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/utils/sampling"
)

// fieldSampler draws uniform elements of Z_t from a keyed PRNG seeded from
// an outside io.Reader, so bulk randomness is fast and reproducible under an
// injected reader.
type fieldSampler struct {
	prng *sampling.KeyedPRNG
	t    uint64
	buf  [4096]byte
	pos  int
}

func newFieldSampler(rng io.Reader, t uint64) (*fieldSampler, error) {
	var seed [32]byte
	if _, err := io.ReadFull(core.OrCrypto(rng), seed[:]); err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	prng, err := sampling.NewKeyedPRNG(seed[:])
	if err != nil {
		return nil, err
	}
	s := &fieldSampler{prng: prng, t: t}
	s.pos = len(s.buf)
	return s, nil
}

func (s *fieldSampler) u32() uint32 {
	if s.pos+4 > len(s.buf) {
		if _, err := s.prng.Read(s.buf[:]); err != nil {
			panic(err) // KeyedPRNG.Read never fails
		}
		s.pos = 0
	}
	v := binary.LittleEndian.Uint32(s.buf[s.pos:])
	s.pos += 4
	return v
}

// uniform returns a uniform element of [0, t) by rejection sampling.
func (s *fieldSampler) uniform() uint64 {
	bitsT := 0
	for 1<<bitsT < s.t {
		bitsT++
	}
	for {
		v := uint64(s.u32()) >> (32 - bitsT)
		if v < s.t {
			return v
		}
	}
}

// nonzero returns a uniform element of [1, t).
func (s *fieldSampler) nonzero() uint64 {
	for {
		if v := s.uniform(); v != 0 {
			return v
		}
	}
}

// intn returns a uniform integer in [0, n) for n < 2^31.
func (s *fieldSampler) intn(n int) int {
	lim := (1 << 32) / uint64(n) * uint64(n)
	for {
		v := uint64(s.u32())
		if v < lim {
			return int(v % uint64(n))
		}
	}
}

// perm returns a uniform permutation of [0, n).
func (s *fieldSampler) perm(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := s.intn(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// maskSource hands each query a fresh field sampler seeded from the
// server's reader, which it guards: an injected reader need not be
// goroutine-safe.
type maskSource struct {
	rng io.Reader
	mu  sync.Mutex
}

// sampler returns a sampler for one query's masks and randomisers.
func (m *maskSource) sampler(t uint64) (*fieldSampler, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return newFieldSampler(m.rng, t)
}
