package bench

import (
	"errors"
	"fmt"
	"time"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/threshold"
)

// RunThreshold runs threshold-psi in process for one account and
// measures what each side spends per voucher and on reconstruction.
func RunThreshold(o ThresholdRunOptions) (*ThresholdRun, error) {
	if o.DBSize < 1 || o.K < 2 {
		return nil, fmt.Errorf("bench: threshold run: need a database and k >= 2, got n=%d k=%d", o.DBSize, o.K)
	}
	if o.Unlisted <= 0 {
		o.Unlisted = int(AccountDefaults.ImagesPerYear.Value)
	}
	t0 := time.Now()
	run := &ThresholdRun{Options: o, ShortfallNote: thresholdShortfall}
	proto, err := threshold.New(threshold.Params{K: o.K, SyntheticRate: o.SyntheticRate})
	if err != nil {
		return nil, fmt.Errorf("bench: threshold run: %w", err)
	}
	db, err := psi.Synth(phash.PDQKind, 256, o.DBSize, o.Seed)
	if err != nil {
		return nil, fmt.Errorf("bench: threshold run: %w", err)
	}
	unlisted, err := psi.Synth(phash.PDQKind, 256, o.Unlisted, o.Seed^0x5eed)
	if err != nil {
		return nil, fmt.Errorf("bench: threshold run: %w", err)
	}
	tp := time.Now()
	srv, err := proto.NewServer(db, psi.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench: threshold run: %w", err)
	}
	run.ServerPrepMS = msOf(time.Since(tp))
	cli, err := proto.NewClient(db.Kind, db.Bits, psi.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench: threshold run: %w", err)
	}
	conn, st, err := psi.Open(srv, cli, db.Kind, db.Bits)
	if err != nil {
		return nil, fmt.Errorf("bench: threshold run: setup: %w", err)
	}
	defer conn.Close()
	for _, m := range st.Messages {
		run.SetupBytes += m.Bytes
	}
	ts, ok := srv.(*threshold.Server)
	tc, ok2 := cli.(*threshold.Client)
	if !ok || !ok2 {
		return nil, errors.New("bench: threshold run: unexpected role types")
	}
	var clientMS, unlistedMS, listedMS []float64
	send := func(h phash.Hash) (float64, error) {
		tr, err := conn.Query(h)
		if err != nil {
			return 0, err
		}
		up := 0
		for _, m := range tr.Messages {
			up += m.Bytes
		}
		if run.VoucherBytes != 0 && up != run.VoucherBytes {
			return 0, fmt.Errorf("voucher size changed: %d then %d bytes", run.VoucherBytes, up)
		}
		run.VoucherBytes = up
		clientMS = append(clientMS, msOf(tr.Client.Query))
		return msOf(tr.Server.Query), nil
	}
	for _, h := range unlisted.Hashes {
		if db.Contains(h) {
			continue
		}
		ms, err := send(h)
		if err != nil {
			return nil, fmt.Errorf("bench: threshold run: %w", err)
		}
		unlistedMS = append(unlistedMS, ms)
		run.UnlistedSent++
	}
	maxListed := min(len(db.Hashes), 4*o.K+20)
	for i := 0; i < maxListed; i++ {
		before := ts.Account(tc.Account())
		if before.Reconstructed {
			break
		}
		run.OpenedBelowK = before.Opened
		ms, err := send(db.Hashes[i])
		if err != nil {
			return nil, fmt.Errorf("bench: threshold run: %w", err)
		}
		listedMS = append(listedMS, ms)
		run.ListedSent++
	}
	ar := ts.Account(tc.Account())
	run.Reconstructed, run.Genuine, run.Synthetic = ar.Reconstructed, ar.Genuine, ar.Synthetic
	run.Matches, run.Attempts, run.DecodeMS = len(ar.Matches), ar.Attempts, msOf(ar.DecodeTime)
	if ar.Attempts > 0 {
		run.DecodePerTry = run.DecodeMS / float64(ar.Attempts)
	}
	run.DeviceSynthetic, _ = tc.Synthetic()
	for _, h := range ar.Matches {
		if !db.Contains(h) {
			return nil, errors.New("bench: threshold run: server recovered a hash that is not listed")
		}
	}
	run.ClientMS, run.ServerUnlistedMS, run.ServerListedMS = median(clientMS), median(unlistedMS), median(listedMS)
	run.WallSeconds = time.Since(t0).Seconds()
	return run, nil
}
