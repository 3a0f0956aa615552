package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/psi"
	"github.com/privmatch/privmatch/psi/threshold"
)

// policyFlags are threshold-psi's policy flags, shared by serve and query:
// the device refuses a server whose policy differs from its own.
type policyFlags struct {
	fs        *flag.FlagSet
	k         *int
	synthetic *float64
	account   *string
}

// addPolicyFlags defines --k and --synthetic, and --account when forQuery.
func addPolicyFlags(fs *flag.FlagSet, forQuery bool) *policyFlags {
	f := &policyFlags{fs: fs,
		k:         fs.Int("k", threshold.Defaults.K, "threshold-psi: genuine matches that open an account"),
		synthetic: fs.Float64("synthetic", threshold.Defaults.SyntheticRate, "threshold-psi: probability that a device's voucher is synthetic"),
	}
	if forQuery {
		f.account = fs.String("account", "", "threshold-psi: the account the vouchers report under (1 to 16 bytes; required)")
	}
	return f
}

// set reports which of the policy flags were given.
func (f *policyFlags) set() []string {
	var names []string
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "k", "synthetic", "account":
			names = append(names, "--"+fl.Name)
		}
	})
	return names
}

// protocol returns the named protocol, threshold-psi under the flags'
// policy; the flags are refused for any other protocol.
func (f *policyFlags) protocol(name string) (psi.Protocol, error) {
	if name != "threshold-psi" {
		if set := f.set(); len(set) > 0 {
			return nil, fmt.Errorf("%s apply to threshold-psi only, not %s", strings.Join(set, ", "), name)
		}
		return protocolByName(name)
	}
	return threshold.New(f.params())
}

func (f *policyFlags) params() threshold.Params {
	return threshold.Params{K: *f.k, SyntheticRate: *f.synthetic}
}

// client builds p's client; threshold-psi's reports under --account.
func (f *policyFlags) client(p psi.Protocol, kind phash.Kind, bits int, opts psi.Options) (psi.Client, error) {
	if p.Name() != "threshold-psi" {
		return p.NewClient(kind, bits, opts)
	}
	if *f.account == "" {
		return nil, fmt.Errorf("threshold-psi needs --account")
	}
	id, err := threshold.ParseAccount(*f.account)
	if err != nil {
		return nil, err
	}
	return threshold.NewAccountClient(f.params(), id, kind, bits, opts)
}

// accountLog prints, after each query a threshold-psi server answers,
// every account whose state changed: the vouchers and opened shares below
// k, and once it reached k the genuine matches' hashes. For other
// servers it does nothing. The caller serialises calls.
type accountLog struct {
	srv  *threshold.Server
	seen map[threshold.AccountID]threshold.AccountReport
}

func newAccountLog(srv psi.Server) *accountLog {
	ts, _ := srv.(*threshold.Server)
	return &accountLog{srv: ts, seen: map[threshold.AccountID]threshold.AccountReport{}}
}

func (l *accountLog) print(w io.Writer) {
	if l.srv == nil {
		return
	}
	for _, id := range l.srv.Accounts() {
		r := l.srv.Account(id)
		if old, ok := l.seen[id]; ok && old.Vouchers == r.Vouchers && old.Dropped == r.Dropped {
			continue
		}
		l.seen[id] = r
		fmt.Fprintf(w, "account %s: vouchers=%d opened=%d reached_k=%v k=%d", id, r.Vouchers, r.Opened, r.Reconstructed, l.srv.K())
		if r.Reconstructed {
			hs := make([]string, len(r.Matches))
			for i, h := range r.Matches {
				hs[i] = h.String()
			}
			fmt.Fprintf(w, " genuine=%d synthetic=%d matched=%s", r.Genuine, r.Synthetic, strings.Join(hs, ","))
		}
		fmt.Fprintln(w)
	}
}
