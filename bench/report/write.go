package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/privmatch/privmatch/bench"
)

// ReportFiles are the names of the files WriteFiles writes into the output
// folder, besides the plots.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	JSONFile     = "results.json"
)

// Read parses a results.json written by WriteFiles (or by anything that
// writes the same schema) for rendering without re-measuring. It checks
// that the sections the renderer needs are present and consistent.
func Read(b []byte) (*Report, error) {
	var r Report
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report: read results: %w", err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("report: read results: %w", err)
	}
	return &r, nil
}

// check reports what a decoded Report lacks for rendering.
func (r *Report) check() error {
	if r.Dedup == nil {
		return errors.New("no dedup section")
	}
	for i, a := range r.Accuracy {
		if a.Collision == nil || a.Account == nil || a.AccountHigh == nil {
			return fmt.Errorf("accuracy entry %d (%q) lacks its collision or account figures", i, a.Algorithm)
		}
		if a.Collision.Threshold < 0 || a.Collision.Threshold > a.Collision.Bits || len(a.Collision.Pairs.Counts) != a.Collision.Bits+1 {
			return fmt.Errorf("accuracy entry %d (%q): threshold %d and %d counts do not fit %d bits", i, a.Algorithm,
				a.Collision.Threshold, len(a.Collision.Pairs.Counts), a.Collision.Bits)
		}
	}
	var steps []bench.StepResult
	for _, alg := range r.Options.Algorithms {
		rr, ok := r.Robustness[alg]
		if !ok || rr == nil {
			return fmt.Errorf("algorithm %q has no robustness results", alg)
		}
		if steps != nil && len(rr.Steps) != len(steps) {
			return fmt.Errorf("algorithm %q has %d robustness steps, %q %d", alg, len(rr.Steps), r.Options.Algorithms[0], len(steps))
		}
		steps = rr.Steps
	}
	for alg, rr := range r.Robustness {
		if rr == nil {
			return fmt.Errorf("algorithm %q has empty robustness results", alg)
		}
		for _, st := range rr.Steps {
			if !(math.Abs(st.Step.Strength) <= 1e6) || !(st.Recall >= 0 && st.Recall <= 1) {
				return fmt.Errorf("algorithm %q: edit %s strength %v recall %v out of range", alg, st.Step.Transform, st.Step.Strength, st.Recall)
			}
		}
	}
	for alg, c := range r.ROC {
		for _, pt := range c.Points {
			if !(pt.FalseMatchRate >= 0 && pt.FalseMatchRate <= 1) || !(pt.Recall >= 0 && pt.Recall <= 1) {
				return fmt.Errorf("ROC curve %q: point (%v, %v) outside [0,1]", alg, pt.FalseMatchRate, pt.Recall)
			}
		}
	}
	if r.Feasibility != nil {
		for _, p := range r.Feasibility.Protocols {
			for _, pt := range p.Points {
				if pt.DBSize < 1 || pt.DBSize > 1<<40 {
					return fmt.Errorf("protocol %q has a point at database size %d", p.Protocol, pt.DBSize)
				}
				for _, v := range []float64{pt.ClientMS, pt.ServerMS, pt.ClientMinMS, pt.ServerMinMS, pt.ClientMaxMS, pt.ServerMaxMS,
					float64(pt.SetupBytes), float64(pt.UpBytes), float64(pt.DownBytes)} {
					if !(v >= 0 && v < 1e15) {
						return fmt.Errorf("protocol %q at size %d: a time or size of %v", p.Protocol, pt.DBSize, v)
					}
				}
			}
		}
	}
	if err := checkDecoderDrift(r.DecoderDrift); err != nil {
		return err
	}
	if err := checkFHE(r.FHE); err != nil {
		return err
	}
	if r.Plots == nil {
		r.Plots = map[string]string{}
	}
	if r.StageSeconds == nil {
		r.StageSeconds = map[string]float64{}
	}
	return nil
}

// Render returns every file of the report by name (results.json,
// report.md, report.html and the SVG plots), without writing them.
// Command is the command line to print for reproduction.
func (r *Report) Render(command string) (map[string][]byte, error) {
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	figs := map[string]figure{}
	add := func(role, file, caption string, svg []byte, err error) error {
		if err != nil {
			return err
		}
		figs[role] = figure{file: file, svg: svg, caption: caption}
		r.Plots[role] = file
		return nil
	}
	for _, a := range r.Accuracy {
		svg, err := PlotHistogram(a.Collision)
		if err := add("histogram/"+a.Algorithm, "hist-"+a.Algorithm+".svg",
			fmt.Sprintf("%s: %s. The solid line is this corpus; the dashed line is what a perfect %d-bit hash would give. "+
				"Pairs left of the dotted threshold line are false matches: the further the solid line's left tail reaches past the dashed one, the more unrelated images this hash confuses.",
				TitleHistogram, a.Algorithm, a.Collision.Bits), svg, err); err != nil {
			return nil, err
		}
	}
	if len(r.ROC) > 0 {
		th := map[string]int{}
		for _, a := range r.Accuracy {
			th[a.Algorithm] = a.Collision.Threshold
		}
		svg, err := PlotROC(r.ROC, th)
		if err := add("roc", "roc.svg", TitleROC+". Up and to the left is better: more edited copies caught for fewer false matches. "+
			"The large marker is where each hash runs (its threshold); a false-match rate of 0 means no pair of distinct images matched in this corpus, not that none would.", svg, err); err != nil {
			return nil, err
		}
	}
	if len(r.Robustness) > 0 {
		svg, err := PlotRobustness(r.Robustness)
		if err := add("robustness", "robustness.svg", TitleRobustness+", each algorithm at its own threshold. "+
			"A line that falls towards 0% shows the edit strength at which the hash stops recognising a listed image.", svg, err); err != nil {
			return nil, err
		}
	}
	if r.Feasibility != nil && len(r.Feasibility.Protocols) > 0 {
		svg, err := PlotCostTime(r.Feasibility)
		if err := add("cost-time", "cost-time.svg", TitleCostTime+": median of the queries, bars from the fastest to the slowest, one core of this machine. "+
			"Compare the server lines (dashed) at the right: they set how long a person waits. Dotted lines are extrapolations, not measurements. "+
			flpsiCaption("online time per query"), svg, err); err != nil {
			return nil, err
		}
		svg, err = PlotCostBytes(r.Feasibility)
		if err := add("cost-bytes", "cost-bytes.svg", TitleCostBytes+": the setup a device downloads once (solid) and the traffic of each query (dashed). "+
			"A setup line that climbs with the database means every phone must store the list's size. Dotted lines are extrapolations. "+
			flpsiCaption("online traffic per query"), svg, err); err != nil {
			return nil, err
		}
	}
	files := map[string][]byte{}
	for _, f := range figs {
		files[f.file] = f.svg
	}
	js, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, fmt.Errorf("report: results.json: %w", err)
	}
	files[JSONFile] = append(js, '\n')
	d := r.document(figs, command)
	var md, ht bytes.Buffer
	if err := d.writeMarkdown(&md); err != nil {
		return nil, err
	}
	if err := d.writeHTML(&ht); err != nil {
		return nil, err
	}
	files[MarkdownFile], files[HTMLFile] = md.Bytes(), ht.Bytes()
	return files, nil
}

// WriteFiles renders the report (Render) into dir, which it creates, and
// returns the paths written.
func (r *Report) WriteFiles(dir, command string) ([]string, error) {
	files, err := r.Render(command)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var paths []string
	for _, name := range sortedKeys(files) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// assumed marks a source as an assumption in bold, once.
func assumed(src string) string {
	if rest, ok := strings.CutPrefix(src, "assumption"); ok {
		return "**assumption**" + rest
	}
	return "**assumption**: " + src
}
