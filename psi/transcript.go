package psi

import (
	"fmt"
	"strings"
	"time"
)

// Phase separates the one-time setup a client downloads from the per-query
// exchange.
type Phase string

// Phases of a run.
const (
	PhaseSetup Phase = "setup"
	PhaseQuery Phase = "query"
)

// Direction is the way a message travels.
type Direction string

// Directions: Up is client to server, Down server to client.
const (
	Up   Direction = "up"
	Down Direction = "down"
)

// Record is one protocol message as seen on the wire. Bytes is the
// message's own encoding; framing and the runners' control frames are not
// counted (see the transport).
type Record struct {
	Phase Phase     `json:"phase"`
	Dir   Direction `json:"dir"`
	Kind  string    `json:"kind"`
	Bytes int       `json:"bytes"`
}

// Timing is the computation time one side spent in its state machine
// (building, encoding, decoding and processing messages), never waiting
// for the network.
type Timing struct {
	Setup time.Duration `json:"setup_ns"`
	Query time.Duration `json:"query_ns"`
}

// Transcript is the record of one run: every message and each side's time.
// All costs a report quotes are read from it.
type Transcript struct {
	Protocol string   `json:"protocol"`
	Messages []Record `json:"messages"`
	Client   Timing   `json:"client"`
	Server   Timing   `json:"server"`
	// ClientOutcome and ServerOutcome are what each side learned. Over
	// TCP each side fills only its own.
	ClientOutcome Outcome `json:"client_outcome"`
	ServerOutcome Outcome `json:"server_outcome"`
}

func (t *Transcript) add(ph Phase, d Direction, m Message) {
	t.Messages = append(t.Messages, Record{Phase: ph, Dir: d, Kind: m.Kind(), Bytes: m.BinarySize()})
}

func (t *Transcript) bytes(ph Phase, d Direction) int {
	n := 0
	for _, r := range t.Messages {
		if r.Phase == ph && (d == "" || r.Dir == d) {
			n += r.Bytes
		}
	}
	return n
}

// UpBytes is the bytes the client sent during the query phase.
func (t *Transcript) UpBytes() int { return t.bytes(PhaseQuery, Up) }

// DownBytes is the bytes the server sent during the query phase.
func (t *Transcript) DownBytes() int { return t.bytes(PhaseQuery, Down) }

// SetupBytes is the bytes exchanged, both ways, during setup.
func (t *Transcript) SetupBytes() int { return t.bytes(PhaseSetup, "") }

// SetupUpBytes is the part of SetupBytes the client sent (one-time keys,
// for protocols whose client sends a setup message).
func (t *Transcript) SetupUpBytes() int { return t.bytes(PhaseSetup, Up) }

// Rounds is the number of message flights in the query phase: maximal runs
// of consecutive messages in one direction. A request and its answer are 2;
// a one-way voucher is 1; a purely local check is 0.
func (t *Transcript) Rounds() int {
	n := 0
	var last Direction
	for _, r := range t.Messages {
		if r.Phase != PhaseQuery {
			continue
		}
		if r.Dir != last {
			n++
			last = r.Dir
		}
	}
	return n
}

// Summary is the transcript's headline figures, as the query command prints
// them.
type Summary struct {
	Protocol   string  `json:"protocol"`
	ClientMS   float64 `json:"client_ms"`
	ServerMS   float64 `json:"server_ms"`
	UpBytes    int     `json:"up_bytes"`
	DownBytes  int     `json:"down_bytes"`
	SetupBytes int     `json:"setup_bytes"`
	// SetupUpBytes is the part of SetupBytes sent by the client.
	SetupUpBytes int `json:"setup_up_bytes"`
	Rounds       int `json:"rounds"`
}

// Summary returns the per-query figures: times are query-phase times.
func (t *Transcript) Summary() Summary {
	return Summary{
		Protocol:     t.Protocol,
		ClientMS:     ms(t.Client.Query),
		ServerMS:     ms(t.Server.Query),
		UpBytes:      t.UpBytes(),
		DownBytes:    t.DownBytes(),
		SetupBytes:   t.SetupBytes(),
		SetupUpBytes: t.SetupUpBytes(),
		Rounds:       t.Rounds(),
	}
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// String prints the summary on one line.
func (s Summary) String() string {
	return fmt.Sprintf("protocol=%s client_ms=%.3f server_ms=%.3f up_bytes=%d down_bytes=%d setup_bytes=%d rounds=%d",
		s.Protocol, s.ClientMS, s.ServerMS, s.UpBytes, s.DownBytes, s.SetupBytes, s.Rounds)
}

// String prints the transcript: one line per message, then the times.
func (t *Transcript) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "protocol %s\n", t.Protocol)
	for _, r := range t.Messages {
		arrow := "client -> server"
		if r.Dir == Down {
			arrow = "client <- server"
		}
		fmt.Fprintf(&b, "  %-5s %s  %-28s %d B\n", r.Phase, arrow, r.Kind, r.Bytes)
	}
	fmt.Fprintf(&b, "  client: setup %v, query %v; server: setup %v, query %v\n",
		t.Client.Setup, t.Client.Query, t.Server.Setup, t.Server.Query)
	return b.String()
}
