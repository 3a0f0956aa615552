package bench

import (
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/privmatch/privmatch/he/hashmatch"
	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
)

// FHERun is one image's whole perceptual hash and its match computed
// under encryption at hashmatch.Default (package he/hashmatch, the
// engine of psi's he-hash-match): the device encrypts its 32x32 luma, the
// server computes phash8 (DCT, every pairwise comparison, median
// threshold) and the Hamming match against a list, with bootstrapping,
// and only the masked verdict is decrypted.
type FHERun struct {
	Params string `json:"params"`
	// Hash is the perceptual hash computed under encryption: phash8
	// (MeasureFHE) or pdq (MeasureFHEHash); empty in runs recorded before
	// PDQ was built (phash8).
	Hash  string `json:"hash,omitempty"`
	Image string `json:"image"`
	// DBSize entries, one of them the image's own hash moved to
	// distance Threshold (so the verdict is a match), the others
	// pseudo-random.
	DBSize    int  `json:"db_size"`
	Threshold int  `json:"threshold"`
	Verdict   int  `json:"verdict"`
	Correct   bool `json:"correct"`
	// One-time costs: the client's key generation and seeded keys, the
	// server's per-client setup (decoding the keys, encoding the
	// pairwise matrix and the list).
	KeygenS      float64 `json:"keygen_s"`
	KeysBytes    int     `json:"keys_bytes"`
	ServerSetupS float64 `json:"server_setup_s"`
	// Per image: the client's encryption, the messages.
	ClientQueryMS float64 `json:"client_query_ms"`
	QueryBytes    int     `json:"query_bytes"`
	AnswerBytes   int     `json:"answer_bytes"`
	ReplyBytes    int     `json:"reply_bytes"`
	// ServerS is the server's answer, wall time, split into HashS,
	// MatchS and RevealS; BootstrapS is the part of hash and match spent
	// in Bootstraps bootstraps. ServerCPUS is the process's CPU time over
	// the answer (0 where not read): with GOMAXPROCS = 1 it is one core's
	// work, whatever else the machine ran.
	ServerS    float64 `json:"server_s"`
	ServerCPUS float64 `json:"server_cpu_s"`
	HashS      float64 `json:"hash_s"`
	MatchS     float64 `json:"match_s"`
	RevealS    float64 `json:"reveal_s"`
	BootstrapS float64 `json:"bootstrap_s"`
	Bootstraps int     `json:"bootstraps"`
	// OneBootstrapS is one bootstrap on its own (wall, and CPU): the
	// calibration figure for scaling to other hardware.
	OneBootstrapS    float64 `json:"one_bootstrap_s"`
	OneBootstrapCPUS float64 `json:"one_bootstrap_cpu_s"`
	GOMAXPROCS       int     `json:"gomaxprocs"`
	// LoadAverage is /proc/loadavg before and after, when readable.
	LoadAverage []string `json:"load_average,omitempty"`
}

// FHEDBSize is the list size MeasureFHE matches against.
const FHEDBSize = 1 << 10

// FHEThreshold is the Hamming threshold of MeasureFHE's phash8 match.
const FHEThreshold = 10

// FHEThresholdPDQ is the Hamming threshold of MeasureFHEHash's PDQ match:
// PDQ's own (phash.PDQ's Threshold).
const FHEThresholdPDQ = 31

// MeasureFHE runs one corpus image through he/hashmatch at Default with
// real bootstrapping against FHEDBSize phash8 hashes: minutes of one core
// and about 10 GB of memory. One run: a sample, not a distribution.
func MeasureFHE(c *Corpus, item int) (*FHERun, error) {
	return MeasureFHEHash(c, item, imagehash.AlgPHash8)
}

// MeasureFHEHash is MeasureFHE for alg's hash: phash8 (threshold
// FHEThreshold) or PDQ (hashmatch.DefaultPDQ, threshold FHEThresholdPDQ:
// tens of minutes of one core).
func MeasureFHEHash(c *Corpus, item int, alg imagehash.Alg) (*FHERun, error) {
	fail := func(err error) (*FHERun, error) { return nil, fmt.Errorf("bench: fhe: %w", err) }
	if item < 0 || item >= len(c.Items) {
		return fail(fmt.Errorf("no item %d", item))
	}
	var hasher phash.Hasher = phash.PHash8
	lit, threshold := hashmatch.Default, FHEThreshold
	if alg == imagehash.AlgPDQ {
		hasher, lit, threshold = phash.PDQ, hashmatch.DefaultPDQ, FHEThresholdPDQ
	} else if alg != imagehash.AlgPHash8 {
		return fail(fmt.Errorf("hash %q: want %s or %s", alg, imagehash.AlgPHash8, imagehash.AlgPDQ))
	}
	it := c.Items[item]
	img, err := it.load()
	if err != nil {
		return fail(fmt.Errorf("%s: %w", it.ID, err))
	}
	h, err := hasher.Hash(img)
	if err != nil {
		return fail(err)
	}
	db, err := fheDatabase(h, threshold)
	if err != nil {
		return fail(err)
	}
	p, err := hashmatch.NewParams(lit)
	if err != nil {
		return fail(err)
	}
	run := &FHERun{Params: p.String(), Hash: string(p.Hash()), Image: it.ID, DBSize: len(db), Threshold: threshold, GOMAXPROCS: runtime.GOMAXPROCS(0),
		LoadAverage: []string{loadAverage()}}
	var cli *hashmatch.Client
	var keys *hashmatch.Keys
	var srv *hashmatch.Server
	if cli, err = hashmatch.NewClient(p, rand.Reader); err == nil {
		if run.KeygenS, err = seconds(func() (err error) { keys, err = cli.Keys(); return err }); err == nil {
			run.KeysBytes = keys.BinarySize()
			run.ServerSetupS, err = seconds(func() (err error) { srv, err = hashmatch.NewServer(p, keys, db, threshold); return err })
		}
	}
	if err != nil {
		return fail(err)
	}
	keys = nil // the server holds them decoded
	c0 := cpuSeconds()
	one, err := srv.CalibrateBootstrap()
	if err != nil {
		return fail(err)
	}
	run.OneBootstrapS, run.OneBootstrapCPUS = one.Seconds(), cpuSeconds()-c0
	t0 := time.Now()
	q, err := cli.Query(img)
	if err != nil {
		return fail(err)
	}
	run.ClientQueryMS, run.QueryBytes = float64(time.Since(t0).Microseconds())/1e3, len(q)
	c0 = cpuSeconds()
	ans, pend, st, err := srv.Answer(q, hashmatch.Verdict, rand.Reader)
	if err != nil {
		return fail(err)
	}
	run.ServerCPUS = cpuSeconds() - c0
	run.ServerS, run.HashS, run.MatchS, run.RevealS = st.Total().Seconds(), st.Hash.Seconds(), st.Match.Seconds(), st.Reveal.Seconds()
	run.BootstrapS, run.Bootstraps, run.AnswerBytes = st.Bootstrap.Seconds(), st.Bootstraps, len(ans)
	reply, err := cli.Reveal(ans)
	if err != nil {
		return fail(err)
	}
	run.ReplyBytes = len(reply)
	if run.Verdict, err = pend.Result(reply); err != nil {
		return fail(err)
	}
	run.Correct = run.Verdict == 1
	run.LoadAverage = append(run.LoadAverage, loadAverage())
	return run, nil
}

// fheDatabase is h moved to distance threshold, then pseudo-random hashes
// of h's kind farther than twice the threshold from h.
func fheDatabase(h phash.Hash, threshold int) ([]phash.Hash, error) {
	b := h.Bytes()
	for i := 0; i < threshold; i++ {
		b[len(b)-1-i/8] ^= 1 << (i % 8)
	}
	near, err := phash.NewHash(h.Kind(), h.Bits(), b)
	if err != nil {
		return nil, err
	}
	syn, err := psi.Synth(h.Kind(), h.Bits(), 2*FHEDBSize, 10)
	if err != nil {
		return nil, err
	}
	db := []phash.Hash{near}
	for _, e := range syn.Hashes {
		if d, _ := phash.Distance(e, h); d > 2*threshold && len(db) < FHEDBSize {
			db = append(db, e)
		}
	}
	if len(db) < FHEDBSize {
		return nil, fmt.Errorf("only %d list entries far from the image", len(db))
	}
	return db, nil
}

// seconds runs f and returns its wall time.
func seconds(f func() error) (float64, error) {
	t0 := time.Now()
	err := f()
	return time.Since(t0).Seconds(), err
}

// loadAverage is the first three fields of /proc/loadavg, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
