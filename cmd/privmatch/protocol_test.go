package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// TestHelperProcess is not a test: it runs the command when the test binary
// is re-executed as a separate privmatch process.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PRIVMATCH_HELPER_PROCESS") != "1" {
		t.Skip("helper process for end-to-end tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// privmatch returns a command running privmatch with args in a separate
// process (this test binary, re-executed).
func privmatch(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "PRIVMATCH_HELPER_PROCESS=1")
	return cmd
}

// server is a running `privmatch serve` process.
type server struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  bytes.Buffer
	done chan struct{}
}

func (s *server) stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// waitLog waits until the server's stderr contains n occurrences of sub.
func (s *server) waitLog(t *testing.T, sub string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(s.stderr(), sub) < n {
		if time.Now().After(deadline) {
			t.Fatalf("server log lacks %d x %q:\n%s", n, sub, s.stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{cmd: privmatch(append([]string{"serve", "--listen", "127.0.0.1:0", "--timeout", "2s"}, args...)...), done: make(chan struct{})}
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if a, ok := strings.CutPrefix(line, "listening on "); ok {
				addrc <- a
			}
		}
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
		_ = s.cmd.Wait()
	})
	select {
	case s.addr = <-addrc:
	case <-s.done:
		t.Fatalf("serve exited early:\n%s", s.stderr())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", s.stderr())
	}
	return s
}

// stop interrupts the server and checks it shuts down cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-s.done
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("serve after SIGINT: %v\n%s", err, s.stderr())
	}
	if !strings.Contains(s.stderr(), "shut down") {
		t.Errorf("serve did not report shutdown:\n%s", s.stderr())
	}
}

func runQueryProcess(t *testing.T, args ...string) (queryResult, string, error) {
	t.Helper()
	cmd := privmatch(append([]string{"query"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var res queryResult
	if err == nil {
		if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
			t.Fatalf("query output %q: %v", out.String(), jerr)
		}
	}
	return res, errb.String(), err
}

func synthDB(t *testing.T, n int) (string, *psi.Database) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.txt")
	var stderr bytes.Buffer
	if st := run([]string{"db", "synth", "--n", fmt.Sprint(n), "--seed", "9", "--out", path}, &bytes.Buffer{}, &stderr); st != 0 {
		t.Fatalf("db synth: %d %s", st, stderr.String())
	}
	db, err := loadDatabase(path, "pdq")
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Hashes) != n {
		t.Fatalf("db synth wrote %d hashes, want %d", len(db.Hashes), n)
	}
	return path, db
}

func flip(t *testing.T, h phash.Hash) string {
	b := h.Bytes()
	b[len(b)-1] ^= 1
	g, err := phash.NewHash(h.Kind(), h.Bits(), b)
	if err != nil {
		t.Fatal(err)
	}
	return g.String()
}

func TestServeQueryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end processes skipped under -short")
	}
	path, db := synthDB(t, 200)
	listed := db.Hashes[123].String()
	near := flip(t, db.Hashes[123])
	for _, proto := range []string{"plaintext-server", "on-device-list", "oprf-psi"} {
		t.Run(proto, func(t *testing.T) {
			srv := startServe(t, "--protocol", proto, "--db", path)
			// A garbage client first: the server must survive it.
			c, err := net.Dial("tcp", srv.addr)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("\x00\x00\x00\x09\x01garbage!"))
			c.Close()
			srv.waitLog(t, "dropped", 1)
			ledger, _ := psi.ByName(proto)
			for i, tc := range []struct {
				hex   string
				match bool
				log   string
			}{{listed, true, "server_outcome=match"}, {near, false, "server_outcome=no match"}} {
				res, errText, err := runQueryProcess(t, "--protocol", proto, "--server", srv.addr, "--hash", tc.hex)
				if err != nil {
					t.Fatalf("query: %v\n%s", err, errText)
				}
				if res.Protocol != proto || res.ResultTo != ledger.Ledger().ResultTo {
					t.Errorf("result %+v", res)
				}
				clientLearns := ledger.Ledger().ResultTo != "server"
				if clientLearns != (res.Match != nil) || res.Match != nil && *res.Match != tc.match {
					t.Errorf("match %v, want %v (client learns: %v)", res.Match, tc.match, clientLearns)
				}
				srv.waitLog(t, "session ", i+1+1) // +1 for the garbage client's line
				if ledger.Ledger().ResultTo != "client" && !strings.Contains(srv.stderr(), tc.log) {
					t.Errorf("server log lacks %q:\n%s", tc.log, srv.stderr())
				}
				wantSetup := map[string]int{"plaintext-server": 0, "on-device-list": 4 + 200*32, "oprf-psi": 52 + 32*288}[proto]
				if res.SetupBytes != wantSetup {
					t.Errorf("setup_bytes %d, want %d", res.SetupBytes, wantSetup)
				}
				if proto == "oprf-psi" && (res.UpBytes != 240 || res.Rounds != 1 || res.WallMS <= 0 || res.ClientMS <= 0) {
					t.Errorf("oprf figures %+v", res)
				}
			}
			srv.stop(t)
		})
	}
}

func TestServeBadDatabaseLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.txt")
	good := strings.Repeat("0f", 32)
	if err := os.WriteFile(path, []byte("# header\n"+good+"\n\n"+good[:60]+"xyzw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	st := run([]string{"serve", "--protocol", "plaintext-server", "--db", path, "--listen", "127.0.0.1:0"}, &bytes.Buffer{}, &stderr)
	if st == 0 || !strings.Contains(stderr.String(), "line 4") {
		t.Errorf("status %d, stderr %q: want failure naming line 4", st, stderr.String())
	}
}

func TestQueryErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	good := strings.Repeat("0f", 32)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no-server", []string{"--protocol", "plaintext-server", "--server", closed, "--wait", "300ms", "--hash", good}, "connect"},
		{"bad-hash", []string{"--protocol", "plaintext-server", "--server", closed, "--hash", "zz"}, "hex digits"},
		{"unknown-protocol", []string{"--protocol", "nope", "--server", closed, "--hash", good}, "unknown protocol"},
		{"missing-image", []string{"--protocol", "plaintext-server", "--server", closed, filepath.Join(t.TempDir(), "none.png")}, "no such file"},
		{"no-input", []string{"--protocol", "plaintext-server"}, "exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			st := run(append([]string{"query"}, tc.args...), &stdout, &stderr)
			if st == 0 || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
				t.Errorf("status %d, stdout %q, stderr %q: want failure with %q", st, stdout.String(), stderr.String(), tc.want)
			}
		})
	}
}

func TestDBSynthDeterministic(t *testing.T) {
	var a, b, stderr bytes.Buffer
	for _, w := range []*bytes.Buffer{&a, &b} {
		if st := run([]string{"db", "synth", "--n", "5", "--seed", "3"}, w, &stderr); st != 0 {
			t.Fatal(stderr.String())
		}
	}
	if a.String() != b.String() || strings.Count(a.String(), "\n") != 6 {
		t.Errorf("synth output not deterministic or wrong size:\n%s", a.String())
	}
	if st := run([]string{"db", "synth", "--n", "0"}, &a, &stderr); st == 0 {
		t.Error("--n 0 accepted")
	}
	stderr.Reset()
	run([]string{"db", "synth", "--help"}, &a, &stderr)
	if !strings.Contains(stderr.String(), "NOT cryptography") || !strings.Contains(stderr.String(), "Example") {
		t.Errorf("help lacks the benchmarking note or example:\n%s", stderr.String())
	}
}

func TestDBBuild(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, p := range []string{filepath.Join(dir, "a.png"), filepath.Join(sub, "b.png")} {
		img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
		for y := 0; y < 48; y++ {
			for x := 0; x < 64; x++ {
				img.SetNRGBA(x, y, color.NRGBA{uint8(x * 4 * (i + 1)), uint8(y * 5), uint8((x ^ y) * 3), 255})
			}
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if err := os.WriteFile(filepath.Join(sub, "broken.jpg"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "db.txt")
	var stdout, stderr bytes.Buffer
	st := run([]string{"db", "build", "--algo", "pdq", "--out", out, dir}, &stdout, &stderr)
	if st == 0 || !strings.Contains(stderr.String(), "broken.jpg") {
		t.Errorf("status %d, stderr %q: want failure naming broken.jpg", st, stderr.String())
	}
	db, err := loadDatabase(out, "pdq")
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Hashes) != 2 {
		t.Fatalf("%d hashes, want 2", len(db.Hashes))
	}
	img, err := phash.Load(filepath.Join(dir, "a.png"), phash.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := phash.PDQ.Hash(img)
	if err != nil {
		t.Fatal(err)
	}
	if !db.Contains(want) {
		t.Errorf("database lacks a.png's hash %s", want)
	}
	// Query an image by path against a plaintext server in-process.
	srvDB := db
	p, _ := psi.ByName("plaintext-server")
	srv, err := p.NewServer(srvDB, psi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		psi.ServeConn(c, srv, srvDB.Kind, srvDB.Bits, psi.ServeOptions{})
	}()
	stdout.Reset()
	stderr.Reset()
	if st := run([]string{"query", "--protocol", "plaintext-server", "--server", ln.Addr().String(), filepath.Join(dir, "a.png")}, &stdout, &stderr); st != 0 {
		t.Fatalf("query image: %d %s", st, stderr.String())
	}
	var res queryResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Match == nil || !*res.Match {
		t.Errorf("query image: %s %v", stdout.String(), err)
	}
}

// TestServeReadyFile: serve writes its address to --ready-file once it
// accepts connections, and a query straight after works.
func TestServeReadyFile(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end processes skipped under -short")
	}
	path, db := synthDB(t, 50)
	ready := filepath.Join(t.TempDir(), "ready")
	srv := startServe(t, "--protocol", "plaintext-server", "--db", path, "--ready-file", ready)
	var b []byte
	for deadline := time.Now().Add(20 * time.Second); ; {
		var err error
		if b, err = os.ReadFile(ready); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready file: %v\n%s", err, srv.stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	addr := strings.TrimSpace(string(b))
	if addr != srv.addr {
		t.Errorf("ready file says %q, serve listens on %q", addr, srv.addr)
	}
	res, errText, err := runQueryProcess(t, "--protocol", "plaintext-server", "--server", addr, "--hash", db.Hashes[7].String())
	if err != nil || res.Match == nil || !*res.Match {
		t.Fatalf("query: %+v %v\n%s", res, err, errText)
	}
	srv.stop(t)
}
