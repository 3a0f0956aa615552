package heexact

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/internal/headapter"
	"github.com/privmatch/privmatch/psi/internal/kit"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/privmatch/privmatch/he/exact"
	"github.com/privmatch/privmatch/phash"
)

// he-exact's OPRF front. The engine's item for a hash is not a public
// function of the hash but F_k(hash), RFC 9497's OPRF over ristretto255
// with SHA-512 in base mode (circl; the group oprf-psi uses), under a key
// k the server draws once per database. The server evaluates every listed
// hash in full when it loads; a client gets F_k of its own hash by one
// blinded evaluation per query, before the HE query:
//
//	client                                       server (OPRF key k)
//	  | oprf-request: b*H(x) (32 B) ------------> |  counted against the
//	  | <------------ oprf-eval: k*b*H(x) (32 B)  |  session's allowance
//	  | item = SHA-256(label || F_k(x)), then the HE query as before
//
// b is a fresh nonzero scalar, so the request is a uniform group element
// whatever the hash: the server learns nothing about x from it. Without k
// nobody can compute an item, so a leaked encoded database, or fingerprints
// read some other way, can be tested against candidate hashes only through
// the server, one evaluation per candidate.

// oprfSuite is the OPRF suite of the front.
var oprfSuite = oprf.SuiteRistretto255

// OPRFSize is the size of each OPRF message, the request up and the
// evaluation down: one compressed ristretto255 element.
const OPRFSize = 32

// DefaultMaxOPRF is the number of OPRF evaluations, hence queries, a
// server grants one client session; the next request is refused with an
// error wrapping ErrOPRFLimit.
const DefaultMaxOPRF = 4096

// ErrOPRFLimit is wrapped by the error of an OPRF request beyond the
// session's allowance.
var ErrOPRFLimit = errors.New("psi: he-exact: oprf evaluations for this session used up")

// oprfLabel separates the engine's items from other uses of the output.
const oprfLabel = "privmatch-he-exact-v2-oprf\x00"

// oprfItem maps an OPRF output to the engine's 32-byte item.
func oprfItem(out []byte) [32]byte {
	return sha256.Sum256(append([]byte(oprfLabel), out...))
}

// oprfKey is the server's OPRF key. It is safe for concurrent use.
type oprfKey struct{ srv oprf.Server }

// newOPRFKey draws a key from rnd (crypto/rand when nil).
func newOPRFKey(rnd io.Reader) (*oprfKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	k, err := oprf.GenerateKey(oprfSuite, rnd)
	if err != nil {
		return nil, fmt.Errorf("oprf key: %w", err)
	}
	return &oprfKey{srv: oprf.NewServer(oprfSuite, k)}, nil
}

// evaluate answers one blinded request: 32 bytes of a canonical,
// non-identity element in, 32 bytes out.
func (k *oprfKey) evaluate(req []byte) ([]byte, error) {
	e, err := parseElement(req, "oprf request")
	if err != nil {
		return nil, err
	}
	ev, err := k.srv.Evaluate(&oprf.EvaluationRequest{Elements: []oprf.Blinded{e}})
	if err != nil {
		return nil, fmt.Errorf("oprf evaluate: %w", err)
	}
	return ev.Elements[0].MarshalBinaryCompress()
}

// parseElement decodes a peer's element: 32 bytes, canonical, not the
// identity.
func parseElement(b []byte, what string) (group.Element, error) {
	if len(b) != OPRFSize {
		return nil, fmt.Errorf("%s: %d bytes, want %d", what, len(b), OPRFSize)
	}
	e := oprfSuite.Group().NewElement()
	if err := e.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if e.IsIdentity() {
		return nil, fmt.Errorf("%s: identity element", what)
	}
	return e, nil
}

// items evaluates every input in full (hash to the group, times k,
// finalise) on GOMAXPROCS workers and returns the engine's items.
func (k *oprfKey) items(inputs [][32]byte) ([][32]byte, error) {
	out := make([][32]byte, len(inputs))
	workers := min(runtime.GOMAXPROCS(0), max(len(inputs), 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(inputs); i += workers {
				o, err := k.srv.FullEvaluate(inputs[i][:])
				if err != nil {
					errs[w] = fmt.Errorf("oprf evaluate entry %d: %w", i, err)
					return
				}
				out[i] = oprfItem(o)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// oprfSession is a server session whose queries start with the OPRF
// round, at most max of them.
type oprfSession struct {
	psi.ServerSession
	key  *oprfKey
	mu   sync.Mutex
	left int
}

func (ss *oprfSession) NewQuery() (psi.Steps, error) {
	inner, err := ss.ServerSession.NewQuery()
	if err != nil {
		return nil, err
	}
	q := &oprfServerQuery{ss: ss, he: inner, oprfRound: oprfRound{role: "server", want: heExactName + "/oprf-request", wait: true}}
	q.answer = q.evaluate
	return q, nil
}

// take spends one evaluation of the session's allowance.
func (ss *oprfSession) take() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.left <= 0 {
		return fmt.Errorf("psi: %s server: %w", heExactName, ErrOPRFLimit)
	}
	ss.left--
	return nil
}

// oprfRound is what both roles' query steps share: the OPRF message this
// side waits for, then the HE query's steps (inner, set once the round is
// over).
type oprfRound struct {
	role  string // "client" or "server", for errors
	want  string // kind of the OPRF message awaited
	wait  bool   // still waiting for it
	inner psi.Steps
	// answer handles the awaited message's bytes and returns what this
	// side sends next.
	answer func([]byte) (psi.Message, error)
}

// Step hands the OPRF message to answer, and every later one to the HE
// query's steps.
func (r *oprfRound) Step(in psi.Message) (psi.Message, error) {
	if r.inner != nil {
		return r.inner.Step(in)
	}
	data, err := r.take(in)
	if err != nil {
		return nil, err
	}
	return r.answer(data)
}

func (r *oprfRound) Expect() psi.Message {
	if r.wait {
		return headapter.NewBlob(r.want, OPRFSize)
	}
	if r.inner != nil {
		return r.inner.Expect()
	}
	return nil
}

// take returns the bytes of the awaited OPRF message; the round is over
// whatever follows.
func (r *oprfRound) take(in psi.Message) ([]byte, error) {
	m, ok := in.(*headapter.Blob)
	if !ok || !r.wait || m.Kind() != r.want {
		return nil, fmt.Errorf("psi: %s %s: unexpected message %T", heExactName, r.role, in)
	}
	r.wait = false
	return m.Data, nil
}

// oprfServerQuery answers the OPRF request, then hands over to the HE
// query's steps (he).
type oprfServerQuery struct {
	kit.ServerStart
	oprfRound
	ss *oprfSession
	he psi.Steps
}

// evaluate answers the request once the session's allowance permits.
func (q *oprfServerQuery) evaluate(req []byte) (psi.Message, error) {
	if err := q.ss.take(); err != nil {
		return nil, err
	}
	out, err := q.ss.key.evaluate(req)
	if err != nil {
		return nil, fmt.Errorf("psi: %s server: %w", heExactName, err)
	}
	q.inner = q.he
	return headapter.BlobOf(heExactName+"/oprf-eval", out), nil
}

func (q *oprfServerQuery) Outcome() psi.Outcome { return q.inner.Outcome() }

// heExactClient is he-exact's client: the HE adapter's, with the OPRF
// round in front of every query.
type heExactClient struct {
	*headapter.Client[exact.QueryState]
	rnd io.Reader
}

func (c *heExactClient) NewQuery(h phash.Hash) (psi.Steps, error) {
	if err := c.CheckHash(h); err != nil {
		return nil, err
	}
	if err := c.Ready(); err != nil {
		return nil, err
	}
	q := &oprfClientQuery{c: c, h: h, oprfRound: oprfRound{role: "client", want: heExactName + "/oprf-eval"}}
	q.answer = q.finish
	return q, nil
}

// oprfClientQuery blinds the hash, unblinds the evaluation into the
// engine's item and then runs the HE query's steps. The blind stays here:
// it has no wire method.
type oprfClientQuery struct {
	oprfRound
	c       *heExactClient
	h       phash.Hash
	fin     *oprf.FinalizeData
	started bool
}

func (q *oprfClientQuery) Start() (psi.Message, error) {
	if q.started {
		return nil, fmt.Errorf("psi: %s client: query already started", heExactName)
	}
	q.started = true
	rnd := q.c.rnd
	if rnd == nil {
		rnd = rand.Reader
	}
	in := heExactItem(q.h)
	blind := oprfSuite.Group().RandomNonZeroScalar(rnd)
	fin, req, err := oprf.NewClient(oprfSuite).DeterministicBlind([][]byte{in[:]}, []oprf.Blind{blind})
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: oprf blind: %w", heExactName, err)
	}
	b, err := req.Elements[0].MarshalBinaryCompress()
	if err != nil {
		return nil, fmt.Errorf("psi: %s client: oprf blind: %w", heExactName, err)
	}
	q.fin, q.wait = fin, true
	return headapter.BlobOf(heExactName+"/oprf-request", b), nil
}

// finish unblinds the evaluation into the engine's item and starts the
// HE query.
func (q *oprfClientQuery) finish(data []byte) (psi.Message, error) {
	item, err := q.unblind(data)
	if err != nil {
		return nil, err
	}
	inner, err := q.c.NewItemQuery(item)
	if err != nil {
		return nil, err
	}
	q.inner = inner
	return inner.Start()
}

// unblind turns the server's evaluation into the engine's item.
func (q *oprfClientQuery) unblind(data []byte) ([32]byte, error) {
	e, err := parseElement(data, "oprf evaluation")
	if err != nil {
		return [32]byte{}, fmt.Errorf("psi: %s client: %w", heExactName, err)
	}
	outs, err := oprf.NewClient(oprfSuite).Finalize(q.fin, &oprf.Evaluation{Elements: []oprf.Evaluated{e}})
	if err != nil {
		return [32]byte{}, fmt.Errorf("psi: %s client: oprf finalize: %w", heExactName, err)
	}
	q.fin = nil
	return oprfItem(outs[0]), nil
}

// Outcome is always unknown: the client learns nothing.
func (q *oprfClientQuery) Outcome() psi.Outcome { return psi.Outcome{} }
