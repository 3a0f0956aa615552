package psi

import (
	"fmt"
	"sync"
)

// keySession is the ServerSession of a protocol whose clients send their
// evaluation keys up once (he-exact, he-hamming): it holds one client's
// parsed keys, starts queries with them, and gives its place under the
// server's session limit back when closed.
type keySession[K any] struct {
	name     string
	limits   *sessionLimit
	newQuery func(keys *K) ServerQuery
	mu       sync.Mutex
	keys     *K // nil once closed
}

func (ss *keySession[K]) Protocol() string { return ss.name }

func (ss *keySession[K]) NewQuery() (ServerQuery, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.keys == nil {
		return nil, fmt.Errorf("%w: %s", ErrSessionClosed, ss.name)
	}
	return ss.newQuery(ss.keys), nil
}

// Close releases the keys (queries already started finish with them).
func (ss *keySession[K]) Close() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.keys != nil {
		ss.keys = nil
		ss.limits.release()
	}
	return nil
}
