package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/privmatch/privmatch/phash"
	"github.com/privmatch/privmatch/phash/attack"
)

// AttackOptions controls the report's adversarial section: either a small
// white-box evasion run on the first Images kept images, or the results of
// a `privmatch attack` run read from a file.
type AttackOptions struct {
	// Images is the number of images attacked; 0 skips the run.
	Images int `json:"images"`
	// Algorithm is the hasher attacked (registry name).
	Algorithm string `json:"algorithm"`
	// Queries is the hasher-call budget per image; 0 means the attack
	// package's white-box default.
	Queries int `json:"queries"`
	// PSNRMin is the perturbation budget in dB; 0 means the default.
	PSNRMin float64 `json:"psnr_min"`
	// Seed seeds image i's attack with Seed+i.
	Seed uint64 `json:"seed"`
	// ResultsFile, when set, names the results.json of `privmatch attack`
	// the section was read from instead of running attacks.
	ResultsFile string `json:"results_file,omitempty"`
	// Results holds that file's bytes.
	Results []byte `json:"-"`
}

// AttackRecord is one attacked image.
type AttackRecord struct {
	Image          string  `json:"image"`
	Algorithm      string  `json:"algorithm"`
	Kind           string  `json:"kind"`
	Model          string  `json:"model"`
	Success        bool    `json:"success"`
	DistanceBefore int     `json:"distance_before"`
	DistanceAfter  int     `json:"distance_after"`
	Threshold      int     `json:"threshold"`
	PSNR           Decibel `json:"psnr"`
	SSIM           float64 `json:"ssim"`
	Queries        int     `json:"queries"`
	Seconds        float64 `json:"seconds"`
	Error          string  `json:"error,omitempty"`
}

// AttackSection is the adversarial part of the report.
type AttackSection struct {
	// Source is "run" or the file the records were read from.
	Source    string         `json:"source"`
	Kind      string         `json:"kind"`
	Algorithm string         `json:"algorithm"`
	Model     string         `json:"model"`
	PSNRMin   float64        `json:"psnr_min"`
	Queries   int            `json:"query_budget"`
	Dihedral  bool           `json:"dihedral"`
	Images    int            `json:"images"`
	Successes int            `json:"successes"`
	Records   []AttackRecord `json:"records"`
}

// RunAttacks runs or reads the adversarial section.
func RunAttacks(ctx context.Context, c *Corpus, keep []int, o AttackOptions, workers int, p func(int, int)) (*AttackSection, error) {
	if o.Results != nil {
		return ParseAttackResults(o.Results, o.ResultsFile)
	}
	if o.Images <= 0 {
		return nil, nil
	}
	h, err := phash.ByName(o.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	_, isPDQ := h.(*phash.PDQHasher)
	psnr := o.PSNRMin
	if psnr == 0 {
		psnr = attack.DefaultPSNRMin
	}
	n := min(o.Images, len(keep))
	sec := &AttackSection{Source: "run", Kind: string(attack.Evade), Algorithm: h.Name(), Model: string(attack.WhiteBox),
		PSNRMin: psnr, Queries: o.Queries, Dihedral: isPDQ, Records: make([]AttackRecord, n)}
	if sec.Queries == 0 {
		sec.Queries = attack.DefaultWhiteBoxQueries
	}
	err = parallel(ctx, n, workers, p, func(i int) func() {
		rec := attackOne(c.Items[keep[i]], h, attack.Config{Kind: attack.Evade, Model: attack.WhiteBox, Hasher: h,
			PSNRMin: psnr, Queries: o.Queries, Dihedral: isPDQ, Seed: o.Seed + uint64(i)})
		return func() { sec.Records[i] = rec }
	})
	if err != nil {
		return nil, err
	}
	sec.tally()
	return sec, nil
}

func (s *AttackSection) tally() {
	s.Images, s.Successes = 0, 0
	for _, r := range s.Records {
		if r.Error != "" {
			continue
		}
		s.Images++
		if r.Success {
			s.Successes++
		}
	}
}

func attackOne(it Item, h phash.Hasher, cfg attack.Config) AttackRecord {
	rec := AttackRecord{Image: it.ID, Algorithm: h.Name(), Kind: string(cfg.Kind), Model: string(cfg.Model)}
	img, err := it.load()
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	res, err := attack.Run(img, cfg)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	rec.Success, rec.DistanceBefore, rec.DistanceAfter, rec.Threshold = res.Success, res.DistanceBefore, res.DistanceAfter, res.Threshold
	rec.PSNR, rec.SSIM, rec.Queries, rec.Seconds = Decibel(res.Quality.PSNR), res.Quality.SSIM, res.Queries, res.Seconds
	return rec
}

// attackFile is the part of `privmatch attack`'s results.json the report
// reads.
type attackFile struct {
	Kind      *string         `json:"kind"`
	Algorithm string          `json:"algorithm"`
	Model     string          `json:"model"`
	PSNRMin   float64         `json:"psnr_min"`
	Queries   int             `json:"query_budget"`
	Dihedral  bool            `json:"dihedral"`
	Results   *[]AttackRecord `json:"results"`
}

// ParseAttackResults reads the results.json that `privmatch attack` writes.
// It requires the kind and results fields and at most 1e6 records.
func ParseAttackResults(b []byte, name string) (*AttackSection, error) {
	var f attackFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("bench: attack results %s: %w", name, err)
	}
	if f.Kind == nil || f.Results == nil {
		return nil, fmt.Errorf("bench: attack results %s: %w", name, errors.New("missing kind or results"))
	}
	if *f.Kind != string(attack.Evade) && *f.Kind != string(attack.Collide) {
		return nil, fmt.Errorf("bench: attack results %s: unknown kind %q", name, *f.Kind)
	}
	if len(*f.Results) > 1e6 {
		return nil, fmt.Errorf("bench: attack results %s: too many records", name)
	}
	s := &AttackSection{Source: name, Kind: *f.Kind, Algorithm: f.Algorithm, Model: f.Model, PSNRMin: f.PSNRMin,
		Queries: f.Queries, Dihedral: f.Dihedral, Records: *f.Results}
	s.tally()
	return s, nil
}

// Decibel is a PSNR in dB. It encodes to JSON as a number, or as null for
// the +Inf of an unchanged image, which JSON cannot hold.
type Decibel float64

// MarshalJSON implements json.Marshaler.
func (d Decibel) MarshalJSON() ([]byte, error) { return marshalFinite(float64(d)) }

// UnmarshalJSON implements json.Unmarshaler; null reads as +Inf.
func (d *Decibel) UnmarshalJSON(b []byte) error {
	f, err := unmarshalFinite(b, math.Inf(1))
	if err != nil {
		return err
	}
	*d = Decibel(f)
	return nil
}
