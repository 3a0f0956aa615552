package psi

import (
	"errors"
	"fmt"

	"github.com/privmatch/privmatch/phash"
)

// localServer is the server's side of an in-process session: the server
// driver in its own goroutine, on the other end of a pipe, handing each
// finished exchange's transcript back so that the caller sees both sides'
// times and outcomes.
type localServer struct {
	end     *pipeEnd
	setup   chan *Transcript
	queries chan *Transcript
	done    chan struct{}
	err     error // the driver's error, once done is closed
}

// Open starts an in-process session between srv and cli: the server's
// driver runs in a goroutine and the two talk through a pipe that carries
// every message's encoding, exactly as over TCP. It returns the client's
// connection and the setup's transcript with both sides' times. Queries
// then run through Conn.Query, whose transcripts carry both sides' times
// and outcomes; Close ends the session and releases the server's
// per-client state.
func Open(srv Server, cli Client, kind phash.Kind, bits int) (*Conn, *Transcript, error) {
	if srv.Protocol() != cli.Protocol() {
		return nil, &Transcript{Protocol: cli.Protocol()}, fmt.Errorf("psi: server runs %q, client %q", srv.Protocol(), cli.Protocol())
	}
	a, b := newPipe()
	ls := &localServer{end: b, setup: make(chan *Transcript, 1), queries: make(chan *Transcript, 1), done: make(chan struct{})}
	cfg := serverConfig{kind: kind, bits: bits, maxFrame: DefaultMaxDownFrame}
	var total int64
	setupLimits(srv, &cfg.maxSetupFrame, &total)
	if cfg.maxSetupFrame <= 0 {
		cfg.maxSetupFrame = DefaultMaxDownFrame
	}
	go func() {
		defer close(ls.done)
		_, err := serveSession(b, srv, cfg, func(tr *Transcript) { ls.setup <- tr }, func(tr *Transcript) { ls.queries <- tr })
		if err != nil {
			var pe *PeerError
			if !errors.As(err, &pe) && !errors.Is(err, errPipeClosed) {
				sendError(b, err)
			}
			ls.err = err
		}
	}()
	c, tr, err := newConn(a, cli, kind, bits, DefaultMaxDownFrame, 0)
	if err != nil {
		a.hangUp()
		<-ls.done
		var pe *PeerError
		if ls.err != nil && !errors.As(ls.err, &pe) && !errors.Is(ls.err, errPipeClosed) {
			err = ls.err // the server failed first: its error is the cause
		}
		return nil, tr, err
	}
	c.local = ls
	c.hangUp = func() error { a.hangUp(); return nil }
	select {
	case st := <-ls.setup:
		tr.Server = st.Server
	case <-ls.done:
		c.Close()
		return nil, tr, fmt.Errorf("psi: server setup: %w", ls.err)
	}
	return c, tr, nil
}

// merge waits for the server's side of the query the client just finished
// and adds its time and outcome to tr.
func (ls *localServer) merge(tr *Transcript) error {
	select {
	case st := <-ls.queries:
		tr.Server = st.Server
		tr.ServerOutcome = st.ServerOutcome
		return nil
	case <-ls.done:
		if ls.err == nil {
			return errors.New("psi: server ended the session")
		}
		return ls.err
	}
}

// wait waits for the server's driver to end after the client said done.
func (ls *localServer) wait() error {
	<-ls.done
	return ls.err
}

// abort hangs up and returns the server's error, if it failed first.
func (ls *localServer) abort() error {
	ls.end.hangUp()
	<-ls.done
	if errors.Is(ls.err, errPipeClosed) {
		return nil
	}
	return ls.err
}

// Run performs setup and one query in-process through Open and returns
// the transcript: setup and query messages, both sides' times and
// outcomes.
func Run(srv Server, cli Client, h phash.Hash) (*Transcript, error) {
	return runOnce(srv, cli, h.Kind(), h.Bits(), func(c *Conn) (*Transcript, error) { return c.Query(h) })
}

// runOnce opens an in-process session, runs one query and closes it.
func runOnce(srv Server, cli Client, kind phash.Kind, bits int, query func(*Conn) (*Transcript, error)) (*Transcript, error) {
	c, tr, err := Open(srv, cli, kind, bits)
	if err != nil {
		return tr, err
	}
	q, err := query(c)
	tr.Append(q)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	return tr, err
}

// Append adds u's messages and times to t; outcomes are u's.
func (t *Transcript) Append(u *Transcript) {
	t.Messages = append(t.Messages, u.Messages...)
	t.Client.Setup += u.Client.Setup
	t.Client.Query += u.Client.Query
	t.Server.Setup += u.Server.Setup
	t.Server.Query += u.Server.Query
	t.ClientOutcome, t.ServerOutcome = u.ClientOutcome, u.ServerOutcome
}
