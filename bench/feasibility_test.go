package bench

import (
	"context"
	"math"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

func TestFeasibilityProtocols(t *testing.T) {
	sizes := []int{16, 64}
	protos := testProtocols()
	fr, err := Feasibility(context.Background(), protos, FeasibilityOptions{Sizes: sizes, Queries: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(fr.Protocols) != len(protos) || len(protos) != len(psi.Names())-len(slowProtocols) {
		t.Fatalf("%d protocols run of %d given; registry has %d", len(fr.Protocols), len(protos), len(psi.Names()))
	}
	for _, p := range fr.Protocols {
		t.Run(p.Protocol, func(t *testing.T) {
			if p.Error != "" || len(p.Points) != len(sizes) {
				t.Fatalf("error %q, %d points", p.Error, len(p.Points))
			}
			if p.Ledger.Protocol != p.Protocol {
				t.Fatalf("ledger of %q", p.Ledger.Protocol)
			}
			for i, pt := range p.Points {
				if pt.DBSize != sizes[i] || pt.Queries != 4 || pt.Correct != 4 {
					t.Fatalf("point %+v", pt)
				}
				if pt.ClientMS < 0 || pt.ServerMS < 0 || pt.ClientMaxMS < pt.ClientMS || pt.ServerMaxMS < pt.ServerMS {
					t.Fatalf("times %+v", pt)
				}
				// Exact protocols refuse PDQ's threshold and run at 0.
				if pt.Threshold != 0 {
					t.Fatalf("exact protocol ran at threshold %d", pt.Threshold)
				}
				// Sizes the protocols document, read back from transcripts.
				switch p.Protocol {
				case "plaintext-server":
					if pt.UpBytes != 32 || pt.DownBytes != 1 || pt.SetupBytes != 0 || pt.Rounds != 2 || pt.LearnedBy != "both" {
						t.Fatalf("plaintext-server %+v", pt)
					}
				case "on-device-list":
					if pt.SetupBytes != 4+32*pt.DBSize || pt.UpBytes != 0 || pt.Rounds != 0 || pt.LearnedBy != "client" {
						t.Fatalf("on-device-list %+v", pt)
					}
				case "oprf-psi":
					if pt.UpBytes != 240 || pt.DownBytes != 0 || pt.Rounds != 1 || pt.LearnedBy != "server" {
						t.Fatalf("oprf-psi %+v", pt)
					}
				}
			}
		})
	}
}

func TestFeasibilityOptionsErrors(t *testing.T) {
	for _, sizes := range [][]int{nil, {0}, {64, 16}, {16, 16}} {
		if _, err := Feasibility(context.Background(), testProtocols(), FeasibilityOptions{Sizes: sizes}); err == nil {
			t.Errorf("sizes %v accepted", sizes)
		}
	}
}

func TestFeasibilitySkipsOverBudget(t *testing.T) {
	p, err := psi.ByName("oprf-psi")
	if err != nil {
		t.Skip(err)
	}
	fr, err := Feasibility(context.Background(), []psi.Protocol{p}, FeasibilityOptions{Sizes: []int{8, 16, 32}, Queries: 2, MaxSeconds: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	pf := fr.Protocols[0]
	if len(pf.Points) != 1 || len(pf.Skipped) != 2 {
		t.Fatalf("%d points, skipped %v; want 1 point and 2 skipped", len(pf.Points), pf.Skipped)
	}
}

func TestDeviceEstimate(t *testing.T) {
	m := DeviceModel{PhoneSlowdown: Param{Value: 4}, Links: []Link{{Name: "l", DownKbps: 8, UpKbps: 4, RTTMS: 100}}}
	pt := FeasibilityPoint{DBSize: 10, ClientMS: 2, ServerMS: 3, ClientSetupMS: 5, SetupBytes: 1000, UpBytes: 500, DownBytes: 2000, Rounds: 2}
	e := m.Estimate("p", pt)
	// Setup: 8000 bits at 8 kbit/s = 1 s, plus one round trip.
	// Query: (2*4 + 3) ms + 4000 bits at 4 kbit/s + 16000 bits at 8 kbit/s
	// + 2 half round trips = 0.011 + 1 + 2 + 0.1.
	if e.PhoneClientMS != 8 || e.PhoneClientSetupMS != 20 || len(e.Links) != 1 ||
		math.Abs(e.Links[0].SetupSeconds-1.1) > 1e-12 || math.Abs(e.Links[0].QuerySeconds-3.111) > 1e-12 {
		t.Fatalf("estimate %+v", e)
	}
	pts := []FeasibilityPoint{{DBSize: 10, SetupBytes: 1000}, {DBSize: 20, SetupBytes: 2000}}
	m.ExtrapolateSetup(&e, pts, 100)
	if e.ListSetupBytes != 10000 || math.Abs(e.Links[0].ListSetupSeconds-10.1) > 1e-12 {
		t.Fatalf("extrapolated %+v", e)
	}
	pt.SetupBytes = 0
	if e := m.Estimate("p", pt); e.Links[0].SetupSeconds != 0 {
		t.Fatalf("no setup should cost nothing, got %v", e.Links[0].SetupSeconds)
	}
}

func TestClaim(t *testing.T) {
	fr := &FeasibilityResult{Protocols: []ProtocolFeasibility{
		{Protocol: "he-x", Points: []FeasibilityPoint{{DBSize: 4, ClientMS: 1000}, {DBSize: 16, ClientMS: 1500, ServerMS: 500}}},
		{Protocol: "none"},
		{Protocol: "zero", Points: []FeasibilityPoint{{DBSize: 4}}},
	}}
	c := Claim(fr, DeviceModel{PhoneSlowdown: Param{Value: 10}}, func(p string) bool { return p == "he-x" })
	if len(c.Rows) != 2 {
		t.Fatalf("%d rows", len(c.Rows))
	}
	r := c.Rows[0]
	if r.Protocol != "he-x" || r.DBSize != 16 || r.MeasuredSeconds != 2 || r.PhoneSeconds != 15.5 || r.Ratio != 1e7 ||
		math.Abs(r.Log10Ratio-7) > 1e-12 || !r.Homomorphic {
		t.Fatalf("row %+v", r)
	}
	if z := c.Rows[1]; z.Ratio != 0 || z.Homomorphic {
		t.Fatalf("zero row %+v", z)
	}
	if c.Includes == "" || c.Excludes == "" || c.Claim.Value != 20e6 {
		t.Fatal("claim lacks its statement of scope")
	}
}
