package bench

import (
	"math"
)

// Link is a network link's assumed speed, with where the figures come from.
type Link struct {
	Name     string  `json:"name"`
	DownKbps float64 `json:"down_kbps"`
	UpKbps   float64 `json:"up_kbps"`
	// RTTMS is the round-trip time assumed per exchange.
	RTTMS  float64 `json:"rtt_ms"`
	Source string  `json:"source"`
}

// DeviceModel turns measurements on this machine into estimates for a slow
// phone on a slow link. Every number in it is an assumption, stated with
// its basis, not a measurement.
type DeviceModel struct {
	// PhoneSlowdown: a low-end phone's core is taken to be this many times
	// slower than one core of the measuring machine.
	PhoneSlowdown Param  `json:"phone_slowdown"`
	Links         []Link `json:"links"`
}

// DefaultDeviceModel is the low-end device and the 2G/3G links the report
// projects onto. Link rates are the peak rates of the standards, so the
// transfer times derived from them are lower bounds.
var DefaultDeviceModel = DeviceModel{
	PhoneSlowdown: Param{Value: 5, Source: "assumption: published single-core benchmark scores (Geekbench 6) of " +
		"low-end Android phones (MediaTek Helio G85 / Unisoc T606 class) are roughly a fifth of those of a " +
		"current server or desktop core; not measured here, and the measuring machine's own score is unknown; vary it"},
	Links: []Link{
		{Name: "2G (EDGE)", DownKbps: 236.8, UpKbps: 59.2, RTTMS: 500,
			Source: "3GPP EDGE peak of 59.2 kbit/s per timeslot (MCS-9) with multislot class 12 (4 down, 1 up); " +
				"RTT 500 ms is an assumption (EDGE round trips are commonly several hundred ms)"},
		{Name: "3G (UMTS R99)", DownKbps: 384, UpKbps: 128, RTTMS: 200,
			Source: "3GPP Release 99 WCDMA dedicated channel peak of 384 kbit/s down; 128 kbit/s up and RTT 200 ms are assumptions"},
	},
}

// LinkEstimate is one protocol's projected cost on one link and the slow
// phone.
type LinkEstimate struct {
	Link string `json:"link"`
	// SetupSeconds is the one-time download of the setup message.
	SetupSeconds float64 `json:"setup_seconds"`
	// ListSetupSeconds is the same download at the deployed list size,
	// from DeviceEstimate.ListSetupBytes (0 when not extrapolated).
	ListSetupSeconds float64 `json:"list_setup_seconds"`
	// QuerySeconds is one query: the phone's compute (client time times
	// the slowdown), the server's compute as measured, the transfer of the
	// query's bytes and half a round trip per flight.
	QuerySeconds float64 `json:"query_seconds"`
}

// DeviceEstimate is a protocol's projection at one database size.
type DeviceEstimate struct {
	Protocol string `json:"protocol"`
	DBSize   int    `json:"db_size"`
	// PhoneClientMS is the measured client time times the slowdown.
	PhoneClientMS float64 `json:"phone_client_ms"`
	// PhoneClientSetupMS is the measured client setup time times the
	// slowdown.
	PhoneClientSetupMS float64        `json:"phone_client_setup_ms"`
	Links              []LinkEstimate `json:"links"`
	// ListSize and ListSetupBytes extrapolate the setup download linearly
	// to a deployed list size, through the two largest sizes measured (a
	// projection, not a measurement); zero when fewer than two sizes ran.
	ListSize       float64 `json:"list_size"`
	ListSetupBytes float64 `json:"list_setup_bytes"`
}

// ExtrapolateSetup projects the setup download to a list of n entries on
// the line through the two largest measured sizes, and adds the download
// times on each link to e.
func (m DeviceModel) ExtrapolateSetup(e *DeviceEstimate, pts []FeasibilityPoint, n float64) {
	if len(pts) < 2 {
		return
	}
	a, b := pts[len(pts)-2], pts[len(pts)-1]
	slope := float64(b.SetupBytes-a.SetupBytes) / float64(b.DBSize-a.DBSize)
	e.ListSize = n
	e.ListSetupBytes = max(0, float64(b.SetupBytes)+slope*(n-float64(b.DBSize)))
	for i, l := range m.Links {
		if i < len(e.Links) && e.ListSetupBytes > 0 {
			e.Links[i].ListSetupSeconds = e.ListSetupBytes*8/(l.DownKbps*1000) + l.RTTMS/1000
		}
	}
}

// Estimate projects a measured point onto the device model.
func (m DeviceModel) Estimate(protocol string, pt FeasibilityPoint) DeviceEstimate {
	e := DeviceEstimate{Protocol: protocol, DBSize: pt.DBSize,
		PhoneClientMS:      pt.ClientMS * m.PhoneSlowdown.Value,
		PhoneClientSetupMS: pt.ClientSetupMS * m.PhoneSlowdown.Value}
	for _, l := range m.Links {
		setup := float64(pt.SetupBytes) * 8 / (l.DownKbps * 1000)
		if pt.SetupBytes > 0 {
			setup += l.RTTMS / 1000
		}
		q := (e.PhoneClientMS+pt.ServerMS)/1000 +
			float64(pt.UpBytes)*8/(l.UpKbps*1000) + float64(pt.DownBytes)*8/(l.DownKbps*1000) +
			float64(pt.Rounds)*l.RTTMS/2000
		e.Links = append(e.Links, LinkEstimate{Link: l.Name, SetupSeconds: setup, QuerySeconds: q})
	}
	return e
}

// ClaimSeconds is the assessment's figure for homomorphic matching of one
// message.
var ClaimSeconds = Param{Value: 20e6, Source: "BSR, Human Rights Impact Assessment: Meta's Expansion of End-to-End " +
	"Encryption (2022): \"Meta's own research of a homomorphic encryption approach found that it would take around " +
	"20 million seconds (over seven months) to run on each message\"; no scheme, parameters, image size, database size " +
	"or hardware is given"}

// ClaimRow sets one protocol's measured per-query time beside the claim.
type ClaimRow struct {
	Protocol string `json:"protocol"`
	DBSize   int    `json:"db_size"`
	// MeasuredSeconds is client plus server compute per query (medians),
	// on this machine.
	MeasuredSeconds float64 `json:"measured_seconds"`
	// PhoneSeconds puts the client side on the slow phone.
	PhoneSeconds float64 `json:"phone_seconds"`
	// Ratio is the claim divided by MeasuredSeconds; Log10Ratio its log10.
	Ratio      float64 `json:"ratio"`
	Log10Ratio float64 `json:"log10_ratio"`
	// Homomorphic is true for protocols built on homomorphic encryption,
	// the only ones the claim is about.
	Homomorphic bool `json:"homomorphic"`
}

// ClaimResult is the claim beside the measurements.
type ClaimResult struct {
	Claim    Param      `json:"claim_seconds"`
	Rows     []ClaimRow `json:"rows"`
	Includes string     `json:"includes"`
	Excludes string     `json:"excludes"`
}

// Claim compares the claim with the largest database size each protocol ran
// at. isHE says which protocol names are homomorphic.
func Claim(fr *FeasibilityResult, m DeviceModel, isHE func(string) bool) ClaimResult {
	c := ClaimResult{Claim: ClaimSeconds,
		Includes: "each side's compute for one query of a hash against the database, in process on one goroutine of this " +
			"machine: building, encoding, decoding and processing every message (median over the queries)",
		Excludes: "computing the image's perceptual hash (reported separately), network transfer and latency, the " +
			"one-time setup (server preprocessing, setup download and key generation), waiting in queues, and any " +
			"homomorphic evaluation of the hash function itself on an encrypted image, which the claim may have meant"}
	for _, p := range fr.Protocols {
		if len(p.Points) == 0 {
			continue
		}
		pt := p.Points[len(p.Points)-1]
		s := (pt.ClientMS + pt.ServerMS) / 1000
		row := ClaimRow{Protocol: p.Protocol, DBSize: pt.DBSize, MeasuredSeconds: s,
			PhoneSeconds: (pt.ClientMS*m.PhoneSlowdown.Value + pt.ServerMS) / 1000,
			Homomorphic:  isHE != nil && isHE(p.Protocol)}
		if s > 0 {
			row.Ratio = c.Claim.Value / s
			row.Log10Ratio = math.Log10(row.Ratio)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}
