package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// FeasibilityOptions controls Feasibility.
type FeasibilityOptions struct {
	// Sizes are the database sizes to run, ascending.
	Sizes []int `json:"sizes"`
	// Queries is the number of queries per protocol and size, half of them
	// for listed hashes and half for random ones; 0 means 8.
	Queries int `json:"queries"`
	// Seed seeds the synthetic database and the non-member queries.
	Seed uint64 `json:"seed"`
	// MaxSeconds bounds each protocol: once one size has taken longer
	// (preprocessing, setup and queries together), larger sizes are
	// skipped and the skip is recorded. 0 means no bound.
	MaxSeconds float64 `json:"max_seconds"`
	// QuerySeconds bounds the queries of one (protocol, size): once they
	// have taken longer, no further query starts, but at least two run (one
	// listed hash, one random) unless the first alone took more than twice
	// the bound. 0 means no bound. The point records how many ran.
	QuerySeconds float64 `json:"query_seconds"`
	// Progress, if not nil, is called after each (protocol, size).
	Progress func(done, total int) `json:"-"`
}

// FeasibilityPoint is one protocol at one database size. Times are medians
// over the queries, measured in process on one goroutine; bytes are read
// from the transcripts.
type FeasibilityPoint struct {
	DBSize int `json:"db_size"`
	// Threshold is the Hamming threshold the protocol ran at (0: exact).
	Threshold int `json:"threshold"`
	// ServerPrepMS is the server's one-time preprocessing (NewServer).
	ServerPrepMS float64 `json:"server_prep_ms"`
	// ServerSetupMS and ClientSetupMS are the one-time setup (building
	// and consuming the setup message).
	ServerSetupMS float64 `json:"server_setup_ms"`
	ClientSetupMS float64 `json:"client_setup_ms"`
	// SetupBytes is what a device downloads once and stores.
	SetupBytes int `json:"setup_bytes"`
	// ClientHeapBytes is the growth of the live heap (after a GC) from
	// creating the client and consuming the setup: the memory the client
	// keeps between queries. ServerHeapBytes is the same for NewServer.
	ClientHeapBytes int64 `json:"client_heap_bytes"`
	ServerHeapBytes int64 `json:"server_heap_bytes"`
	// Queries is the number of queries run; ClientMS and ServerMS the
	// median per-query compute of each side (encoding and decoding
	// included), ClientMinMS and ServerMinMS the smallest, ClientMaxMS
	// and ServerMaxMS the largest.
	Queries     int     `json:"queries"`
	ClientMS    float64 `json:"client_ms"`
	ServerMS    float64 `json:"server_ms"`
	ClientMinMS float64 `json:"client_min_ms"`
	ServerMinMS float64 `json:"server_min_ms"`
	ClientMaxMS float64 `json:"client_max_ms"`
	ServerMaxMS float64 `json:"server_max_ms"`
	// AllocBytesPerQuery is the heap allocated per query by both sides
	// together (runtime.MemStats.TotalAlloc over the query loop).
	AllocBytesPerQuery float64 `json:"alloc_bytes_per_query"`
	// UpBytes, DownBytes and Rounds are per query (the largest seen).
	UpBytes   int `json:"up_bytes"`
	DownBytes int `json:"down_bytes"`
	Rounds    int `json:"rounds"`
	// Correct counts queries whose learned match bit (by whichever side
	// learned it) agreed with a plaintext look-up; every query must.
	Correct int `json:"correct"`
	// LearnedBy says which side learned the match bit: "server",
	// "client", "both" or "none".
	LearnedBy string `json:"learned_by"`
	// WallSeconds is the time this point took in all.
	WallSeconds float64 `json:"wall_seconds"`
}

// ProtocolFeasibility is one protocol's sweep over database sizes.
type ProtocolFeasibility struct {
	Protocol string             `json:"protocol"`
	Ledger   psi.Ledger         `json:"ledger"`
	Points   []FeasibilityPoint `json:"points"`
	// Skipped says which sizes were not run and why.
	Skipped []string `json:"skipped,omitempty"`
	// Error is set when the protocol failed.
	Error string `json:"error,omitempty"`
}

// FeasibilityResult is the cost of every protocol over database sizes.
type FeasibilityResult struct {
	Options FeasibilityOptions `json:"options"`
	// HashKind and Bits describe the synthetic database's hashes.
	HashKind  phash.Kind            `json:"hash_kind"`
	Bits      int                   `json:"bits"`
	Protocols []ProtocolFeasibility `json:"protocols"`
}

// Feasibility runs each protocol in process over synthetic databases of
// 256-bit PDQ-kind hashes (psi.Synth) of every size in opt.Sizes and
// measures, from the transcripts and the Go runtime, what the client and
// the server spend. Protocols run one at a time on one goroutine, so the
// heap figures are attributable to the side measured.
func Feasibility(ctx context.Context, protos []psi.Protocol, opt FeasibilityOptions) (*FeasibilityResult, error) {
	if len(opt.Sizes) == 0 {
		return nil, errors.New("bench: feasibility: no database sizes")
	}
	for i, n := range opt.Sizes {
		if n < 1 || (i > 0 && n <= opt.Sizes[i-1]) {
			return nil, fmt.Errorf("bench: feasibility: sizes must be positive and ascending, got %v", opt.Sizes)
		}
	}
	if opt.Queries <= 0 {
		opt.Queries = 8
	}
	res := &FeasibilityResult{Options: opt, HashKind: phash.PDQKind, Bits: 256}
	total, done := len(protos)*len(opt.Sizes), 0
	for _, p := range protos {
		pf := ProtocolFeasibility{Protocol: p.Name(), Ledger: p.Ledger()}
		for i, n := range opt.Sizes {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			pt, err := feasibilityPoint(p, n, opt)
			done++
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
			if err != nil {
				pf.Error = fmt.Sprintf("db size %d: %v", n, err)
				done += len(opt.Sizes) - 1 - i
				break
			}
			pf.Points = append(pf.Points, pt)
			if opt.MaxSeconds > 0 && pt.WallSeconds > opt.MaxSeconds && i+1 < len(opt.Sizes) {
				for _, m := range opt.Sizes[i+1:] {
					pf.Skipped = append(pf.Skipped, fmt.Sprintf("db size %d: skipped, size %d took %.1f s (budget %.0f s per size)",
						m, n, pt.WallSeconds, opt.MaxSeconds))
				}
				done += len(opt.Sizes) - 1 - i
				break
			}
		}
		res.Protocols = append(res.Protocols, pf)
	}
	if opt.Progress != nil {
		opt.Progress(total, total)
	}
	return res, nil
}

// liveHeap returns the live heap after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

func msOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// feasibilityPoint measures one protocol at one size.
func feasibilityPoint(p psi.Protocol, n int, opt FeasibilityOptions) (FeasibilityPoint, error) {
	start := time.Now()
	pt := FeasibilityPoint{DBSize: n}
	db, err := psi.Synth(phash.PDQKind, 256, n, opt.Seed)
	if err != nil {
		return pt, err
	}
	// A similarity protocol runs at PDQ's own threshold, the matching a
	// deployment needs; exact protocols refuse a nonzero threshold and run
	// at 0.
	h0 := liveHeap()
	t0 := time.Now()
	popts := psi.Options{Threshold: phash.PDQ.Threshold().Distance}
	srv, err := p.NewServer(db, popts)
	if err != nil {
		popts.Threshold = 0
		t0 = time.Now()
		var err2 error
		if srv, err2 = p.NewServer(db, popts); err2 != nil {
			return pt, fmt.Errorf("new server: %w", err2)
		}
	}
	pt.ServerPrepMS = msOf(time.Since(t0))
	pt.Threshold = popts.Threshold
	pt.ServerHeapBytes = liveHeap() - h0

	h0 = liveHeap()
	cli, err := p.NewClient(db.Kind, db.Bits, popts)
	if err != nil {
		return pt, fmt.Errorf("new client: %w", err)
	}
	conn, str, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		return pt, err
	}
	defer conn.Close()
	pt.ClientHeapBytes = liveHeap() - h0
	pt.ServerSetupMS, pt.ClientSetupMS = msOf(str.Server.Setup), msOf(str.Client.Setup)
	pt.SetupBytes = str.SetupBytes()

	// threshold-psi's server learns results per account, once k of its
	// vouchers matched: below k neither side knows a query's result, so
	// its answers are checked only where a side knows them.
	accountLevel := p.Name() == "threshold-psi"
	rng := rand.New(rand.NewPCG(opt.Seed, uint64(n)))
	var cms, sms []float64
	a0 := totalAlloc()
	q0 := time.Now()
	ran := 0
	for q := 0; q < opt.Queries; q++ {
		if opt.QuerySeconds > 0 && time.Since(q0).Seconds() > opt.QuerySeconds && (q >= 2 || q == 1 && time.Since(q0).Seconds() > 2*opt.QuerySeconds) {
			break
		}
		ran++
		var h phash.Hash
		if q%2 == 0 {
			h = db.Hashes[rng.IntN(len(db.Hashes))]
		} else {
			b := make([]byte, 32)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if h, err = phash.NewHash(db.Kind, db.Bits, b); err != nil {
				return pt, err
			}
		}
		tr, err := conn.Query(h)
		if err != nil {
			return pt, err
		}
		want := db.Contains(h)
		cms = append(cms, msOf(tr.Client.Query))
		sms = append(sms, msOf(tr.Server.Query))
		pt.UpBytes = max(pt.UpBytes, tr.UpBytes())
		pt.DownBytes = max(pt.DownBytes, tr.DownBytes())
		pt.Rounds = max(pt.Rounds, tr.Rounds())
		co, so := tr.ClientOutcome, tr.ServerOutcome
		switch {
		case accountLevel:
			pt.LearnedBy = "server (per account, at k)"
		case co.Known && so.Known:
			pt.LearnedBy = "both"
		case co.Known:
			pt.LearnedBy = "client"
		case so.Known:
			pt.LearnedBy = "server"
		default:
			pt.LearnedBy = "none"
		}
		ok := (co.Known || so.Known || accountLevel) && (!co.Known || co.Match == want) && (!so.Known || so.Match == want)
		if ok {
			pt.Correct++
		}
	}
	pt.AllocBytesPerQuery = float64(totalAlloc()-a0) / float64(ran)
	runtime.KeepAlive(srv)
	runtime.KeepAlive(cli)
	pt.Queries = ran
	pt.ClientMS, pt.ServerMS = median(cms), median(sms)
	pt.ClientMinMS, pt.ServerMinMS = slices.Min(cms), slices.Min(sms)
	pt.ClientMaxMS, pt.ServerMaxMS = slices.Max(cms), slices.Max(sms)
	pt.WallSeconds = time.Since(start).Seconds()
	if pt.Correct != pt.Queries {
		return pt, fmt.Errorf("%d of %d answers disagree with a plaintext look-up", pt.Queries-pt.Correct, pt.Queries)
	}
	return pt, nil
}
