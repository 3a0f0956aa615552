package psi

import (
	"fmt"
	"sync"
)

// keySession is the ServerSession of a protocol whose clients send their
// evaluation keys up once (he-exact, he-hamming): setup sends the
// parameters down and takes the keys up, parsed and counted under the
// server's session limit; queries start with them; Close gives the place
// back.
type keySession[K any] struct {
	name     string
	limits   *sessionLimit
	params   Message        // the setup message down
	keysMsg  func() Message // an empty keys message, sized
	parse    func(Message) (*K, error)
	newQuery func(keys *K) Steps
	mu       sync.Mutex
	keys     *K // nil before setup and once closed
	closed   bool
}

func (ss *keySession[K]) Setup() (Steps, error) {
	return &setupSteps{proto: ss.name,
		first:  func() (Message, error) { return ss.params, nil },
		expect: ss.keysMsg,
		step:   ss.accept,
	}, nil
}

// accept takes a session slot and parses the client's keys.
func (ss *keySession[K]) accept(m Message) (Message, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed || ss.keys != nil {
		return nil, fmt.Errorf("psi: %s server: keys on a closed or set-up session", ss.name)
	}
	if err := ss.limits.acquire(ss.name); err != nil {
		return nil, err
	}
	keys, err := ss.parse(m)
	if err != nil {
		ss.limits.release()
		return nil, fmt.Errorf("psi: %s server: keys: %w", ss.name, err)
	}
	ss.keys = keys
	return nil, nil
}

func (ss *keySession[K]) NewQuery() (Steps, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return nil, fmt.Errorf("%w: %s", ErrSessionClosed, ss.name)
	}
	if ss.keys == nil {
		return nil, fmt.Errorf("psi: %s server: query before setup", ss.name)
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
	ss.closed = true
	return nil
}

// keyClientSetup is the client side of such a setup: it receives the
// parameters, configures the client with them and answers with its keys.
func keyClientSetup(name string, params func() Message, accept func(Message) (Message, error)) Steps {
	return &setupSteps{proto: name, expect: params, step: accept}
}
