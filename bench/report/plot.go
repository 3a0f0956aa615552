package report

import (
	"bytes"
	"fmt"
	"github.com/privmatch/privmatch/bench"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot titles, which tests and readers look for.
const (
	TitleHistogram  = "Distances between distinct images"
	TitleROC        = "Recall against false-match rate (all edits pooled)"
	TitleRobustness = "Recall against edit strength, per edit"
	TitleCostTime   = "Compute per query against database size"
	TitleCostBytes  = "Bytes against database size"
)

// newPlot returns a plot with sans-serif text and the given labels.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	for _, f := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		f.Font.Variant = "Sans"
	}
	p.Legend.Top = true
	return p
}

// svgOf renders p as an SVG document.
func svgOf(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return nil, fmt.Errorf("bench: plot %q: %w", p.Title.Text, err)
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("bench: plot %q: %w", p.Title.Text, err)
	}
	return b.Bytes(), nil
}

// addLine adds a line (and its points) in style i; a single point is drawn
// as a point only.
func addLine(p *plot.Plot, i int, name string, xys plotter.XYs, points bool) error {
	if len(xys) == 0 {
		return nil
	}
	if len(xys) == 1 {
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.Color, s.Shape, s.Radius = plotutil.Color(i), plotutil.Shape(i), vg.Points(3)
		p.Add(s)
		p.Legend.Add(name, s)
		return nil
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, s.Color = plotutil.Color(i), plotutil.Color(i)
	l.Dashes = plotutil.Dashes(i / len(plotutil.DefaultColors))
	s.Shape = plotutil.Shape(i)
	s.Radius = vg.Points(2)
	p.Add(l)
	if points {
		p.Add(s)
		p.Legend.Add(name, l, s)
	} else {
		p.Legend.Add(name, l)
	}
	return nil
}

// PlotHistogram draws the share of compared pairs at each distance, the
// ideal hash's binomial distribution beside it, and the threshold.
func PlotHistogram(col *bench.CollisionResult) ([]byte, error) {
	p := newPlot(fmt.Sprintf("%s: %s", TitleHistogram, col.Algorithm),
		"Hamming distance (bits)", "share of pairs")
	pc := col.Pairs
	var meas, ideal plotter.XYs
	var peak float64
	for d, n := range pc.Counts {
		f := 0.0
		if pc.Compared > 0 {
			f = float64(n) / float64(pc.Compared)
		}
		meas = append(meas, plotter.XY{X: float64(d) - 0.5, Y: f}, plotter.XY{X: float64(d) + 0.5, Y: f})
		lg, _ := math.Lgamma(float64(pc.Bits + 1))
		la, _ := math.Lgamma(float64(d + 1))
		lb, _ := math.Lgamma(float64(pc.Bits - d + 1))
		q := math.Exp(lg - la - lb - float64(pc.Bits)*math.Ln2)
		ideal = append(ideal, plotter.XY{X: float64(d), Y: q})
		peak = max(peak, f, q)
	}
	name := fmt.Sprintf("measured (%d images, %d pairs)", pc.Images, pc.Compared)
	if err := addLine(p, 0, name, meas, false); err != nil {
		return nil, err
	}
	if err := addLine(p, 1, fmt.Sprintf("ideal %d-bit hash", pc.Bits), ideal, false); err != nil {
		return nil, err
	}
	th, err := plotter.NewLine(plotter.XYs{{X: float64(col.Threshold) + 0.5, Y: 0}, {X: float64(col.Threshold) + 0.5, Y: peak}})
	if err != nil {
		return nil, err
	}
	th.Color = color.Gray{Y: 80}
	th.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(th)
	p.Legend.Add(fmt.Sprintf("match threshold %d", col.Threshold), th)
	return svgOf(p, 6*vg.Inch, 4*vg.Inch)
}

// PlotROC draws each algorithm's pooled ROC curve on a log false-match
// axis. Thresholds at which no pair matched cannot be drawn on a log axis
// and are left out.
func PlotROC(curves map[string]bench.ROCCurve) ([]byte, error) {
	p := newPlot(TitleROC, "false-match rate per pair (log scale; rate 0 not drawn)", "recall of edited copies")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	drawn := 0
	for i, alg := range sortedKeys(curves) {
		var xys plotter.XYs
		for _, pt := range curves[alg].Points {
			if pt.FalseMatchRate > 0 {
				xys = append(xys, plotter.XY{X: pt.FalseMatchRate, Y: pt.Recall})
			}
		}
		if len(xys) > 0 {
			drawn++
		}
		if err := addLine(p, i, alg, xys, false); err != nil {
			return nil, err
		}
	}
	if drawn == 0 {
		p.X.Scale, p.X.Tick.Marker = plot.LinearScale{}, plot.DefaultTicks{}
		p.X.Label.Text = "false-match rate per pair (no pair matched at any threshold)"
	}
	p.Y.Min, p.Y.Max = 0, 1
	return svgOf(p, 6*vg.Inch, 4.5*vg.Inch)
}

// PlotRobustness draws, in one tile per transform, each algorithm's recall
// against the transform's strength.
func PlotRobustness(rob map[string]*bench.RobustnessResult) ([]byte, error) {
	algs := sortedKeys(rob)
	if len(algs) == 0 {
		return nil, fmt.Errorf("bench: plot robustness: no results")
	}
	var order []string
	byT := map[string]map[string]plotter.XYs{}
	for _, alg := range algs {
		for _, s := range rob[alg].Steps {
			t := s.Step.Transform
			if byT[t] == nil {
				byT[t] = map[string]plotter.XYs{}
				order = append(order, t)
			}
			byT[t][alg] = append(byT[t][alg], plotter.XY{X: s.Step.Strength, Y: s.Recall})
		}
	}
	const cols = 4
	rows := (len(order) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for k, t := range order {
		p := newPlot(t, "strength", "recall")
		p.Y.Min, p.Y.Max = 0, 1
		p.Legend.Top = false
		for i, alg := range algs {
			if err := addLine(p, i, alg, byT[t][alg], true); err != nil {
				return nil, err
			}
		}
		if k > 0 {
			p.Legend = plot.NewLegend()
		} else {
			p.Legend.TextStyle.Font.Variant = "Sans"
			p.Legend.Left = true
		}
		grid[k/cols][k%cols] = p
	}
	w, h := 11*vg.Inch, vg.Length(rows)*2.4*vg.Inch+0.4*vg.Inch
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	title := draw.TextStyle{Color: color.Black, Font: plot.DefaultFont, XAlign: draw.XCenter, YAlign: draw.YTop}
	title.Font.Variant, title.Font.Size = "Sans", vg.Points(14)
	title.Handler = plot.DefaultTextHandler
	dc.FillText(title, vg.Point{X: w / 2, Y: h - vg.Points(4)}, TitleRobustness)
	body := draw.Crop(dc, 0, 0, 0, -0.4*vg.Inch)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 2, PadY: vg.Millimeter * 2,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
	canvases := plot.Align(grid, tiles, body)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("bench: plot robustness: %w", err)
	}
	return b.Bytes(), nil
}

// PlotCostTime draws each protocol's median client and server compute per
// query against the database size, log-log. Zero times are left out.
func PlotCostTime(fr *bench.FeasibilityResult) ([]byte, error) {
	p := newPlot(TitleCostTime, "database size (entries, log scale)", "milliseconds per query (log scale)")
	setLogLog(p)
	i := 0
	for _, pf := range fr.Protocols {
		var c, s plotter.XYs
		for _, pt := range pf.Points {
			if pt.ClientMS > 0 {
				c = append(c, plotter.XY{X: float64(pt.DBSize), Y: pt.ClientMS})
			}
			if pt.ServerMS > 0 {
				s = append(s, plotter.XY{X: float64(pt.DBSize), Y: pt.ServerMS})
			}
		}
		if err := addLine(p, i, pf.Protocol+" client", c, true); err != nil {
			return nil, err
		}
		if err := addLine(p, i+1, pf.Protocol+" server", s, true); err != nil {
			return nil, err
		}
		i += 2
	}
	widenLogAxes(p)
	return svgOf(p, 7*vg.Inch, 5*vg.Inch)
}

// PlotCostBytes draws each protocol's one-time setup download and per-query
// traffic (up plus down) against the database size, log-log. Zero sizes
// are left out.
func PlotCostBytes(fr *bench.FeasibilityResult) ([]byte, error) {
	p := newPlot(TitleCostBytes, "database size (entries, log scale)", "bytes (log scale)")
	setLogLog(p)
	i := 0
	for _, pf := range fr.Protocols {
		var su, q plotter.XYs
		for _, pt := range pf.Points {
			if pt.SetupBytes > 0 {
				su = append(su, plotter.XY{X: float64(pt.DBSize), Y: float64(pt.SetupBytes)})
			}
			if t := pt.UpBytes + pt.DownBytes; t > 0 {
				q = append(q, plotter.XY{X: float64(pt.DBSize), Y: float64(t)})
			}
		}
		if err := addLine(p, i, pf.Protocol+" setup (once)", su, true); err != nil {
			return nil, err
		}
		if err := addLine(p, i+1, pf.Protocol+" per query", q, true); err != nil {
			return nil, err
		}
		i += 2
	}
	widenLogAxes(p)
	return svgOf(p, 7*vg.Inch, 5*vg.Inch)
}

func setLogLog(p *plot.Plot) {
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = powerOfTwoTicks{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// powerOfTwoTicks labels an axis of database sizes at powers of two.
type powerOfTwoTicks struct{}

// Ticks implements plot.Ticker.
func (powerOfTwoTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log2(lo)); e <= math.Ceil(math.Log2(hi)); e++ {
		v := math.Exp2(e)
		if v < lo*0.999 || v > hi*1.001 {
			continue
		}
		ts = append(ts, plot.Tick{Value: v, Label: "2^" + strconv.Itoa(int(e))})
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
