package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/privmatch/privmatch/psi"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve a private membership protocol over TCP against a hash database",
		run:     runServe,
	})
}

// loadDatabase reads a database file of the algorithm's hashes.
func loadDatabase(path, algo string) (*psi.Database, error) {
	kind, bits, err := hashShape(algo)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	db, err := psi.ReadDatabase(f, kind, bits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "serve --protocol P --db FILE [--listen ADDR] [--algo pdq] [--threshold T] [--ready-file FILE]",
		`privmatch serve --protocol oprf-psi --db known.txt --listen 127.0.0.1:7878 &
privmatch query --protocol oprf-psi --server 127.0.0.1:7878 photo.jpg`, stderr)
	proto := fs.String("protocol", "", fmt.Sprintf("protocol, one of %v (required)", psi.Names()))
	dbPath := fs.String("db", "", "database file: one hex hash per line (required)")
	listen := fs.String("listen", "127.0.0.1:7878", "address to listen on (port 0 picks a free port; the address is printed to stderr)")
	algo := fs.String("algo", "pdq", "hash algorithm of the database's hashes")
	threshold := fs.Int("threshold", 0, "Hamming match threshold (exact protocols accept only 0)")
	timeout := fs.Duration("timeout", psi.DefaultTimeout, "per-frame read/write deadline for each client (the server sends keep-alive frames while it computes)")
	sessionWait := fs.Duration("session-wait", psi.DefaultSessionWait, "total time one session may spend waiting for its client")
	maxSessions := fs.Int("max-sessions", 64, "clients served at once (also the per-client key sets a protocol such as he-exact holds)")
	readyFile := fs.String("ready-file", "", "write the listening address to this file once the server accepts connections")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if *proto == "" || *dbPath == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	p, err := protocolByName(*proto)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch serve: %v\n", err)
		return 2
	}
	db, err := loadDatabase(*dbPath, *algo)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch serve: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var mu sync.Mutex
	t0 := time.Now()
	fmt.Fprintf(stderr, "privmatch serve: preparing %s over %d %s/%d hashes\n", p.Name(), len(db.Hashes), db.Kind, db.Bits)
	stopTick := tick(5*time.Second, func() {
		mu.Lock()
		fmt.Fprintf(stderr, "privmatch serve: still preparing (%.0f s)\n", time.Since(t0).Seconds())
		mu.Unlock()
	})
	srv, err := p.NewServer(db, psi.Options{Threshold: *threshold, MaxSessions: *maxSessions})
	stopTick()
	if err != nil {
		fmt.Fprintf(stderr, "privmatch serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "privmatch serve: %s ready over %d %s/%d hashes (preprocessing %.3f s)\n",
		p.Name(), len(db.Hashes), db.Kind, db.Bits, time.Since(t0).Seconds())
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "privmatch serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "listening on %s\n", ln.Addr())
	if *readyFile != "" {
		if err := os.WriteFile(*readyFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			ln.Close()
			fmt.Fprintf(stderr, "privmatch serve: %v\n", err)
			return 1
		}
	}
	// The server's computing time is logged here and never sent to the
	// client.
	report := func(s psi.Session) {
		mu.Lock()
		defer mu.Unlock()
		if s.Err != nil {
			fmt.Fprintf(stderr, "session %s: dropped after %.3f s: %v\n", s.Remote, s.Elapsed.Seconds(), s.Err)
			return
		}
		tr := s.Transcript
		fmt.Fprintf(stderr, "session %s query %d: protocol=%s server_ms=%.3f up_bytes=%d down_bytes=%d setup_bytes=%d rounds=%d server_outcome=%s\n",
			s.Remote, s.Query, tr.Protocol, float64(tr.Server.Query.Microseconds())/1e3, tr.UpBytes(), tr.DownBytes(), tr.SetupBytes(), tr.Rounds(), tr.ServerOutcome)
	}
	err = psi.Serve(ctx, ln, srv, db.Kind, db.Bits, psi.ServeOptions{Timeout: *timeout, SessionWait: *sessionWait, MaxSessions: *maxSessions, Report: report})
	if err != nil {
		fmt.Fprintf(stderr, "privmatch serve: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, "privmatch serve: shut down")
	return 0
}

// tick calls f every d until the returned stop is called.
func tick(d time.Duration, f func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
