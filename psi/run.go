package psi

import (
	"fmt"
	"time"

	"github.com/privmatch/privmatch/phash"
)

// Run performs setup and one query in-process, passing every message
// through its binary encoding exactly as the TCP runner does, and returns
// the transcript with both sides' outcomes. Each side's time covers its
// own state-machine steps, encoding and decoding included.
//
// For a protocol with per-client state (ServerSetupReceiver), setup
// includes the client's message up, and the session is closed after the
// query.
func Run(srv Server, cli Client, h phash.Hash) (*Transcript, error) {
	sess, tr, err := Open(srv, cli)
	if err != nil {
		return tr, err
	}
	defer sess.Close()
	return tr, runQuery(sess, cli, h, tr)
}

// RunQuery performs one query in-process for a client whose setup is done
// and returns its transcript (with no setup records). srv is the server,
// or for a protocol with per-client state the client's session from Open;
// given such a server itself, RunQuery uses the session RunSetup bound to
// cli.
func RunQuery(srv QueryServer, cli Client, h phash.Hash) (*Transcript, error) {
	tr := &Transcript{Protocol: srv.Protocol()}
	return tr, runQuery(boundSession(srv, cli), cli, h, tr)
}

// RunSetup performs the setup phase in-process and returns its transcript.
// For a protocol with per-client state it also sends the client's setup
// message up and binds the session it opens to cli inside srv, replacing
// an earlier one, for RunQuery to use; the session counts against the
// server's Options.MaxSessions until EndSetup or until srv is dropped.
// Servers outside this package that keep per-client state need Open.
func RunSetup(srv Server, cli Client) (*Transcript, error) {
	tr := &Transcript{Protocol: srv.Protocol()}
	if _, ok := srv.(ServerSetupReceiver); !ok {
		return tr, runSetup(srv, cli, tr)
	}
	b, ok := srv.(binder)
	if !ok {
		return tr, fmt.Errorf("%w: %s keeps per-client state and RunSetup would drop the session; use Open", ErrNoSession, srv.Protocol())
	}
	if err := runSetup(srv, cli, tr); err != nil {
		return tr, err
	}
	sess, err := runSetupUp(srv, cli, tr)
	if err != nil {
		return tr, err
	}
	b.sessions().bind(cli, sess)
	return tr, nil
}

func runSetup(srv Server, cli Client, tr *Transcript) error {
	t0 := time.Now()
	m, err := srv.Setup()
	var b []byte
	if err == nil && m != nil {
		b, err = m.MarshalBinary()
	}
	tr.Server.Setup += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: server setup: %w", err)
	}
	want := cli.SetupMessage()
	if (m == nil) != (want == nil) {
		return fmt.Errorf("psi: setup: server and client disagree on whether there is a setup message")
	}
	if m == nil {
		return nil
	}
	tr.add(PhaseSetup, Down, m)
	t0 = time.Now()
	err = want.UnmarshalBinary(b)
	if err == nil {
		err = cli.Setup(want)
	}
	tr.Client.Setup += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: client setup: %w", err)
	}
	return nil
}

// pipe carries one message in-process through its encoding and charges the
// encoding to the sender and the decoding to the receiver.
func pipe(m Message, into Message, send, recv *time.Duration) error {
	t0 := time.Now()
	b, err := m.MarshalBinary()
	*send += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: encode %s: %w", m.Kind(), err)
	}
	if len(b) != m.BinarySize() {
		return fmt.Errorf("psi: %s: BinarySize %d but encoding is %d bytes", m.Kind(), m.BinarySize(), len(b))
	}
	t0 = time.Now()
	err = into.UnmarshalBinary(b)
	*recv += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: decode %s: %w", into.Kind(), err)
	}
	return nil
}

func runQuery(srv QueryServer, cli Client, h phash.Hash, tr *Transcript) error {
	t0 := time.Now()
	cq, err := cli.NewQuery(h)
	var out Message
	if err == nil {
		out, err = cq.Start()
	}
	tr.Client.Query += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: client query: %w", err)
	}
	t0 = time.Now()
	sq, err := srv.NewQuery()
	tr.Server.Query += time.Since(t0)
	if err != nil {
		return fmt.Errorf("psi: server query: %w", err)
	}
	// Alternate: the client's pending message goes up, the server's reply
	// comes down, until neither side expects anything.
	for steps := 0; ; steps++ {
		if steps > 64 {
			return fmt.Errorf("psi: query did not finish after %d steps", steps)
		}
		if out != nil {
			in := sq.Expect()
			if in == nil {
				return fmt.Errorf("psi: client sent %s but server expects nothing", out.Kind())
			}
			tr.add(PhaseQuery, Up, out)
			if err := pipe(out, in, &tr.Client.Query, &tr.Server.Query); err != nil {
				return err
			}
			t0 = time.Now()
			reply, err := sq.Step(in)
			tr.Server.Query += time.Since(t0)
			if err != nil {
				return fmt.Errorf("psi: server step: %w", err)
			}
			out = nil
			if reply != nil {
				in := cq.Expect()
				if in == nil {
					return fmt.Errorf("psi: server sent %s but client expects nothing", reply.Kind())
				}
				tr.add(PhaseQuery, Down, reply)
				if err := pipe(reply, in, &tr.Server.Query, &tr.Client.Query); err != nil {
					return err
				}
				t0 = time.Now()
				out, err = cq.Step(in)
				tr.Client.Query += time.Since(t0)
				if err != nil {
					return fmt.Errorf("psi: client step: %w", err)
				}
			}
			continue
		}
		if e := cq.Expect(); e != nil {
			return fmt.Errorf("psi: deadlock: client waits for %s but nothing is in flight", e.Kind())
		}
		if e := sq.Expect(); e != nil {
			return fmt.Errorf("psi: deadlock: server waits for %s but client sent nothing", e.Kind())
		}
		break
	}
	tr.ClientOutcome = cq.Outcome()
	tr.ServerOutcome = sq.Outcome()
	return nil
}
