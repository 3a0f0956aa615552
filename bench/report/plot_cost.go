package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"github.com/privmatch/privmatch/bench"
	"github.com/privmatch/privmatch/phash/transform"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// ExtrapolateTo is the database size the cost plots extend each measured
// line to, on the growth between its two largest measured sizes.
const ExtrapolateTo = 1 << 24

// strengthUnits names each edit's strength axis with its unit.
var strengthUnits = map[string]string{
	"jpeg": "JPEG quality (1-100)", "resize": "scale factor (x)", "crop": "share of each side removed",
	"pad": "border, share of each side", "rotate": "degrees", "blur": "Gaussian sigma (pixels)",
	"sharpen": "unsharp amount", "noise": "noise std. dev. (of 255)", "gamma": "gamma exponent",
	"brightness": "offset (share of 255)", "contrast": "contrast factor", "text": "text height (share of image)",
	"logo": "logo area (share of image)", "screenshot": "downscale before upscaling (x)",
}

// PlotRobustness draws, in one tile per edit with several strengths, each
// algorithm's recall against the edit's strength, and the yes/no edits
// (one strength) in a last tile as one point per edit.
func PlotRobustness(rob map[string]*bench.RobustnessResult) ([]byte, error) {
	algs := sortedKeys(rob)
	if len(algs) == 0 {
		return nil, fmt.Errorf("report: plot robustness: no results")
	}
	var order, single []string
	byT := map[string]map[string]plotter.XYs{}
	for _, alg := range algs {
		for _, s := range rob[alg].Steps {
			t := s.Step.Transform
			if byT[t] == nil {
				byT[t] = map[string]plotter.XYs{}
				order = append(order, t)
			}
			byT[t][alg] = append(byT[t][alg], plotter.XY{X: s.Step.Strength, Y: 100 * s.Recall})
		}
	}
	yesNo := map[string]bool{}
	for _, t := range transform.All() {
		yesNo[t.Name] = len(t.Suite) == 1 && t.Min == 0 && t.Max == 1
	}
	var multi []string
	for _, t := range order {
		if !yesNo[t] {
			multi = append(multi, t)
		} else {
			single = append(single, t)
		}
	}
	const cols = 4
	n := len(multi)
	if len(single) > 0 {
		n++
	}
	rows := (n + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	legend := plot.NewLegend()
	sans(&legend.TextStyle)
	for k, t := range multi {
		unit := strengthUnits[t]
		if unit == "" {
			unit = "strength"
		}
		p := newPlot(t, unit, "recall (%)")
		p.Y.Min, p.Y.Max = 0, 100
		for i, alg := range algs {
			if err := series(p, i, alg, byT[t][alg], nil, true); err != nil {
				return nil, err
			}
		}
		if k == 0 {
			legend = p.Legend
		}
		grid[k/cols][k%cols] = p
	}
	if len(single) > 0 {
		p := newPlot("yes/no edits", "", "recall (%)")
		p.Y.Min, p.Y.Max = 0, 100
		var ticks []plot.Tick
		for j, t := range single {
			ticks = append(ticks, plot.Tick{Value: float64(j + 1), Label: t})
		}
		p.X.Min, p.X.Max = 0.5, float64(len(single))+0.5
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		for i, alg := range algs {
			var xys plotter.XYs
			for j, t := range single {
				if v := byT[t][alg]; len(v) > 0 {
					xys = append(xys, plotter.XY{X: float64(j+1) + 0.08*float64(i-len(algs)/2), Y: v[0].Y})
				}
			}
			s, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = glyphStyle(i)
			p.Add(s)
			if len(multi) == 0 {
				legend.Add(alg, s)
			}
		}
		grid[len(multi)/cols][len(multi)%cols] = p
	}
	for _, r := range grid {
		for _, p := range r {
			if p != nil {
				p.Legend = plot.NewLegend()
			}
		}
	}
	// The legend goes in a band under the title, outside every tile.
	w, head := 11*vg.Inch, 0.4*vg.Inch+vg.Length(len(algs)+1)/2*legend.TextStyle.Height("X")*1.3
	h := vg.Length(rows)*2.6*vg.Inch + head
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	title := draw.TextStyle{Color: color.Black, Font: plot.DefaultFont, XAlign: draw.XCenter, YAlign: draw.YTop}
	title.Font.Variant, title.Font.Size = "Sans", vg.Points(14)
	title.Handler = plot.DefaultTextHandler
	dc.FillText(title, vg.Point{X: w / 2, Y: h - vg.Points(4)}, TitleRobustness)
	lc := draw.Crop(dc, w/3, 0, h-head, -0.3*vg.Inch)
	legend.Top, legend.Left = true, true
	legend.Draw(lc)
	lr := legendRect(&legend, lc)
	body := draw.Crop(dc, 0, 0, 0, -head)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 3,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
	canvases := plot.Align(grid, tiles, body)
	var meta bytes.Buffer
	H := float64(h)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
				da := p.DataCanvas(canvases[i][j])
				fmt.Fprintf(&meta, "<rect class=\"data-area\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"none\"/>\n",
					float64(da.Min.X), H-float64(da.Max.Y), float64(da.Max.X-da.Min.X), float64(da.Max.Y-da.Min.Y))
			}
		}
	}
	fmt.Fprintf(&meta, "<rect id=\"legend-box\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"none\"/>\n",
		float64(lr.Min.X), H-float64(lr.Max.Y), float64(lr.Max.X-lr.Min.X), float64(lr.Max.Y-lr.Min.Y))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("report: plot robustness: %w", err)
	}
	out := b.Bytes()
	i := bytes.LastIndex(out, []byte("</svg>"))
	return append(append(out[:i:i], meta.Bytes()...), out[i:]...), nil
}

// extrapolate returns the line from the last measured point to
// ExtrapolateTo on the log-log slope between the last two points (nil with
// fewer than two positive points).
func extrapolate(xys plotter.XYs) plotter.XYs {
	if len(xys) < 2 {
		return nil
	}
	a, b := xys[len(xys)-2], xys[len(xys)-1]
	if a.X <= 0 || b.X <= a.X || a.Y <= 0 || b.Y <= 0 || b.X >= ExtrapolateTo {
		return nil
	}
	slope := math.Log(b.Y/a.Y) / math.Log(b.X/a.X)
	return plotter.XYs{b, {X: ExtrapolateTo, Y: b.Y * math.Pow(ExtrapolateTo/b.X, slope)}}
}

// costPlot draws two series per protocol (solid and dashed in the
// protocol's colour), each measured line extended by a dotted
// extrapolation, with min-max bars where lo and hi are given.
func costPlot(p *plot.Plot, fr *bench.FeasibilityResult, names [2]string, val func(pt bench.FeasibilityPoint, k int) (mid, lo, hi float64)) error {
	for i, pf := range fr.Protocols {
		for k := range 2 {
			var xys plotter.XYs
			var errs plotter.YErrors
			for _, pt := range pf.Points {
				mid, lo, hi := val(pt, k)
				if mid > 0 {
					xys = append(xys, plotter.XY{X: float64(pt.DBSize), Y: mid})
					errs = append(errs, struct{ Low, High float64 }{mid - max(lo, mid/1e3), max(hi, mid) - mid})
				}
			}
			var dash []vg.Length
			if k == 1 {
				dash = dashed()
			}
			if err := series(p, i, pf.Protocol+" "+names[k], xys, dash, true); err != nil {
				return err
			}
			if len(xys) > 0 {
				eb, err := plotter.NewYErrorBars(struct {
					plotter.XYer
					plotter.YErrorer
				}{xys, errs})
				if err != nil {
					return err
				}
				eb.LineStyle = lineStyle(i)
				eb.LineStyle.Width = vg.Points(1)
				p.Add(eb)
			}
			if ex := extrapolate(xys); ex != nil {
				l, err := plotter.NewLine(ex)
				if err != nil {
					return err
				}
				l.LineStyle = lineStyle(i)
				l.Width, l.Dashes = vg.Points(1), dotted()
				p.Add(l)
			}
		}
	}
	ex, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}})
	ex.Color, ex.Dashes = color.Gray{Y: 90}, dotted()
	p.Legend.Add("dotted: extrapolated, not measured", ex)
	return nil
}

// PlotCostTime draws each protocol's median client and server compute per
// query against the database size, log-log, with bars from the fastest to
// the slowest query and dotted extrapolations beyond the largest size run,
// and FLPSI's published online time as a lone marker.
func PlotCostTime(fr *bench.FeasibilityResult) ([]byte, error) {
	return costFigure(fr, TitleCostTime, "compute per query, one core (log scale)", timeTicks{}, [2]string{"client", "server"}, FLPSI.OnlineMS,
		func(pt bench.FeasibilityPoint, k int) (float64, float64, float64) {
			if k == 0 {
				return pt.ClientMS, pt.ClientMinMS, pt.ClientMaxMS
			}
			return pt.ServerMS, pt.ServerMinMS, pt.ServerMaxMS
		})
}

// PlotCostBytes draws each protocol's one-time setup download and per-query
// traffic (up plus down) against the database size, log-log, and FLPSI's
// published online traffic as a lone marker.
func PlotCostBytes(fr *bench.FeasibilityResult) ([]byte, error) {
	return costFigure(fr, TitleCostBytes, "bytes (log scale)", byteTicks{}, [2]string{"setup (once)", "per query"}, FLPSI.Bytes,
		func(pt bench.FeasibilityPoint, k int) (float64, float64, float64) {
			if k == 0 {
				return float64(pt.SetupBytes), 0, 0
			}
			t := float64(pt.UpBytes + pt.DownBytes)
			return t, t, t
		})
}

// costFigure renders a log-log cost plot (costPlot) titled title with y
// ticks y, and FLPSI's published value flpsi on the same axis.
func costFigure(fr *bench.FeasibilityResult, title, yLabel string, y plot.Ticker, names [2]string, flpsi float64,
	val func(pt bench.FeasibilityPoint, k int) (mid, lo, hi float64)) ([]byte, error) {
	p := newPlot(title, "database size (entries, log scale)", yLabel)
	setLogLog(p, y)
	err := costPlot(p, fr, names, val)
	if err == nil {
		err = addPublished(p, FLPSI, flpsi)
	}
	if err != nil {
		return nil, err
	}
	widenLogAxes(p)
	return svgOf(p, 6.5*vg.Inch, 4.5*vg.Inch)
}

func setLogLog(p *plot.Plot, y plot.Ticker) {
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = sizeTicks{}
	p.Y.Tick.Marker = y
}

// sizeTicks labels an axis of database sizes at even powers of two: 1K,
// 4K, ..., 1M, 4M, 16M.
type sizeTicks struct{}

// Ticks implements plot.Ticker.
func (sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	for e := math.Floor(math.Log2(lo)); e <= math.Ceil(math.Log2(hi)); e++ {
		v := math.Exp2(e)
		if v < lo*0.999 || v > hi*1.001 {
			continue
		}
		t := plot.Tick{Value: v}
		if int(e)%2 == 0 {
			t.Label = countLabel(v)
		}
		ts = append(ts, t)
	}
	return ts
}

// countLabel writes a power of two as 256, 1K, 64K, 1M, 16M.
func countLabel(v float64) string {
	switch {
	case v >= 1<<20:
		return fmt.Sprintf("%gM", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%gK", v/(1<<10))
	}
	return fmt.Sprintf("%g", v)
}

// timeTicks labels a log axis of milliseconds at plain units: 1 µs, 10
// µs, ..., 1 s, 10 s, 1 min, 10 min, 1 h.
type timeTicks struct{}

// timeLadder is the tick values in milliseconds, with their labels.
var timeLadder = []struct {
	ms    float64
	label string
}{{1e-3, "1 µs"}, {1e-2, "10 µs"}, {0.1, "100 µs"}, {1, "1 ms"}, {10, "10 ms"}, {100, "100 ms"}, {1e3, "1 s"},
	{1e4, "10 s"}, {6e4, "1 min"}, {6e5, "10 min"}, {3.6e6, "1 h"}, {3.6e7, "10 h"}, {8.64e7, "1 day"}}

// Ticks implements plot.Ticker.
func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, t := range timeLadder {
		if t.ms >= lo*0.999 && t.ms <= hi*1.001 {
			ts = append(ts, plot.Tick{Value: t.ms, Label: t.label})
		}
	}
	if len(ts) > 8 {
		for i := range ts {
			if i%2 == 1 {
				ts[i].Label = ""
			}
		}
	}
	return ts
}

// byteTicks labels a log axis of bytes in plain units.
type byteTicks struct{}

// Ticks implements plot.Ticker.
func (byteTicks) Ticks(lo, hi float64) []plot.Tick {
	return decadeTicks(lo, hi, func(v float64) string {
		for _, u := range []struct {
			f float64
			s string
		}{{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "KB"}} {
			if v >= u.f {
				return fmt.Sprintf("%g %s", v/u.f, u.s)
			}
		}
		return fmt.Sprintf("%g B", v)
	})
}

// decadeTicks puts labelled ticks at powers of ten between lo and hi
// (every second or third when the range is wide).
func decadeTicks(lo, hi float64, label func(float64) string) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	e0, e1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	step := math.Max(1, math.Ceil((e1-e0)/7))
	var ts []plot.Tick
	for e := e0; e <= e1; e++ {
		v := math.Pow(10, e)
		if v < lo*0.999 || v > hi*1.001 {
			continue
		}
		t := plot.Tick{Value: v}
		if math.Mod(e-e0, step) == 0 {
			t.Label = label(v)
		}
		ts = append(ts, t)
	}
	return ts
}

// widenLogAxes gives log axes a positive, non-empty range when the data
// hold one value or none, which a log scale cannot draw.
func widenLogAxes(p *plot.Plot) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) || a.Min <= 0 || a.Max <= 0 {
			a.Min, a.Max = 1, 10
		}
		if a.Min >= a.Max {
			a.Min, a.Max = a.Min/2, a.Max*2
		}
	}
}
