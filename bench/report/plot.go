package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"github.com/privmatch/privmatch/bench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
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

// palette is Okabe and Ito's colour-blind-safe set (yellow last: it is
// faint on white). Every series also has its own marker shape.
var palette = []color.NRGBA{
	{0x00, 0x72, 0xB2, 255}, {0xD5, 0x5E, 0x00, 255}, {0x00, 0x9E, 0x73, 255}, {0xCC, 0x79, 0xA7, 255},
	{0xE6, 0x9F, 0x00, 255}, {0x56, 0xB4, 0xE9, 255}, {0x00, 0x00, 0x00, 255}, {0xF0, 0xE4, 0x42, 255},
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
	draw.RingGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}

func colorOf(i int) color.Color      { return palette[i%len(palette)] }
func shapeOf(i int) draw.GlyphDrawer { return shapes[i%len(shapes)] }
func dashed() []vg.Length            { return []vg.Length{vg.Points(5), vg.Points(3)} }
func dotted() []vg.Length            { return []vg.Length{vg.Points(1.5), vg.Points(2.5)} }
func sans(ts ...*text.Style) {
	for _, t := range ts {
		t.Font.Variant = "Sans"
	}
}
func lineStyle(i int) draw.LineStyle { return draw.LineStyle{Color: colorOf(i), Width: vg.Points(1.5)} }
func glyphStyle(i int) draw.GlyphStyle {
	return draw.GlyphStyle{Color: colorOf(i), Shape: shapeOf(i), Radius: vg.Points(3)}
}

// newPlot returns a plot with sans-serif text and the given labels.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	sans(&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle)
	return p
}

// svgOf renders p as an SVG of width w and height h with its legend in a
// column to the right of the plot, never over the data. It marks the data
// area and the legend box with invisible rectangles (ids "data-area" and
// "legend-box") so that a test can check that they do not overlap.
func svgOf(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	leg := p.Legend
	p.Legend = plot.NewLegend()
	legW := vg.Length(0)
	if r := leg.Rectangle(draw.New(vgsvg.New(2000, 2000))); r.Max.X-r.Min.X > 1 {
		legW = r.Max.X - r.Min.X + vg.Points(16)
	}
	c := vgsvg.New(w+legW, h)
	dc := draw.New(c)
	plotArea := draw.Crop(dc, 0, -legW, 0, 0)
	p.Draw(plotArea)
	da := p.DataCanvas(plotArea)
	var meta bytes.Buffer
	H := float64(h)
	fmt.Fprintf(&meta, "<rect id=\"data-area\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"none\"/>\n",
		float64(da.Min.X), H-float64(da.Max.Y), float64(da.Max.X-da.Min.X), float64(da.Max.Y-da.Min.Y))
	if legW > 0 {
		lc := draw.Crop(dc, w, 0, 0, 0)
		lc = draw.Crop(lc, 0, 0, 0, -vg.Points(30))
		leg.Top, leg.Left = true, true
		leg.Draw(lc)
		r := legendRect(&leg, lc)
		fmt.Fprintf(&meta, "<rect id=\"legend-box\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"none\"/>\n",
			float64(r.Min.X), H-float64(r.Max.Y), float64(r.Max.X-r.Min.X), float64(r.Max.Y-r.Min.Y))
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("report: plot %q: %w", p.Title.Text, err)
	}
	out := b.Bytes()
	i := bytes.LastIndex(out, []byte("</svg>"))
	if i < 0 {
		return nil, fmt.Errorf("report: plot %q: no closing svg tag", p.Title.Text)
	}
	return append(append(out[:i:i], meta.Bytes()...), out[i:]...), nil
}

// series adds a line through xys in colour and marker i (a single point is
// drawn as a marker). Dashes, if not nil, dash the line.
func series(p *plot.Plot, i int, name string, xys plotter.XYs, dashes []vg.Length, marks bool) error {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	s.GlyphStyle = glyphStyle(i)
	var thumbs []plot.Thumbnailer
	if len(xys) > 1 {
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.LineStyle = lineStyle(i)
		l.Dashes = dashes
		p.Add(l)
		thumbs = append(thumbs, l)
	}
	if marks || len(xys) == 1 {
		p.Add(s)
		thumbs = append(thumbs, s)
	}
	p.Legend.Add(name, thumbs...)
	return nil
}

// PlotHistogram draws the share of compared pairs at each distance, the
// ideal hash's binomial distribution beside it, and the threshold.
func PlotHistogram(col *bench.CollisionResult) ([]byte, error) {
	p := newPlot(fmt.Sprintf("%s: %s", TitleHistogram, col.Algorithm),
		"Hamming distance between two images' hashes (bits)", "share of image pairs (%)")
	pc := col.Pairs
	var meas, ideal plotter.XYs
	var peak float64
	for d, n := range pc.Counts {
		f := 0.0
		if pc.Compared > 0 {
			f = 100 * float64(n) / float64(pc.Compared)
		}
		meas = append(meas, plotter.XY{X: float64(d) - 0.5, Y: f}, plotter.XY{X: float64(d) + 0.5, Y: f})
		lg, _ := math.Lgamma(float64(pc.Bits + 1))
		la, _ := math.Lgamma(float64(d + 1))
		lb, _ := math.Lgamma(float64(pc.Bits - d + 1))
		q := 100 * math.Exp(lg-la-lb-float64(pc.Bits)*math.Ln2)
		ideal = append(ideal, plotter.XY{X: float64(d), Y: q})
		peak = max(peak, f, q)
	}
	if err := series(p, 0, fmt.Sprintf("measured (%d images, %d pairs)", pc.Images, pc.Compared), meas, nil, false); err != nil {
		return nil, err
	}
	if err := series(p, 1, fmt.Sprintf("ideal %d-bit hash", pc.Bits), ideal, dashed(), false); err != nil {
		return nil, err
	}
	th, err := plotter.NewLine(plotter.XYs{{X: float64(col.Threshold) + 0.5, Y: 0}, {X: float64(col.Threshold) + 0.5, Y: max(peak, 1e-9)}})
	if err != nil {
		return nil, err
	}
	th.Color, th.Width, th.Dashes = color.Black, vg.Points(1), dotted()
	p.Add(th)
	p.Legend.Add(fmt.Sprintf("match threshold (%d bits):", col.Threshold), th)
	p.Legend.Add("pairs left of it match")
	p.Y.Min = 0
	return svgOf(p, 6*vg.Inch, 4*vg.Inch)
}

// PlotROC draws each algorithm's pooled ROC curve on a log false-match
// axis, with the algorithm's own threshold marked. A false-match rate of 0
// (no pair matched) is drawn at the left edge, labelled "0".
func PlotROC(curves map[string]bench.ROCCurve, thresholds map[string]int) ([]byte, error) {
	p := newPlot(TitleROC, "false-match rate per pair of distinct images (log scale)", "recall: edited copies still matched (%)")
	floor := math.Inf(1)
	for _, c := range curves {
		for _, pt := range c.Points {
			if pt.FalseMatchRate > 0 {
				floor = min(floor, pt.FalseMatchRate)
			}
		}
	}
	if math.IsInf(floor, 1) {
		floor = 1e-6
	}
	floor = math.Max(math.Pow(10, math.Floor(math.Log10(floor))-1), 1e-300)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = rateTicks{floor: floor}
	for i, alg := range sortedKeys(curves) {
		var xys, op plotter.XYs
		for _, pt := range curves[alg].Points {
			xy := plotter.XY{X: max(pt.FalseMatchRate, floor), Y: 100 * pt.Recall}
			xys = append(xys, xy)
			if t, ok := thresholds[alg]; ok && pt.Threshold == t {
				op = append(op, xy)
			}
		}
		if err := series(p, i, alg, xys, nil, false); err != nil {
			return nil, err
		}
		if len(op) > 0 {
			s, err := plotter.NewScatter(op)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = glyphStyle(i)
			s.Radius = vg.Points(6)
			p.Add(s)
			p.Legend.Add(fmt.Sprintf("%s at its threshold %d", alg, thresholds[alg]), s)
		}
	}
	p.X.Min = floor
	p.X.Max = 1
	p.Y.Min, p.Y.Max = 0, 100
	return svgOf(p, 6*vg.Inch, 4.5*vg.Inch)
}

// rateTicks labels a log rate axis at powers of ten, with the floor
// labelled "0" (rates of zero are drawn there).
type rateTicks struct{ floor float64 }

// Ticks implements plot.Ticker.
func (t rateTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := []plot.Tick{{Value: t.floor, Label: "0"}}
	step := 1.0
	if n := math.Log10(hi / t.floor); n > 8 {
		step = math.Ceil(n / 8)
	}
	for e, n := math.Log10(t.floor)+step, 0; e <= math.Log10(hi)+1e-9 && n < 64; e, n = e+step, n+1 {
		ts = append(ts, plot.Tick{Value: math.Pow(10, e), Label: pow10Label(int(math.Round(e)))})
	}
	if len(ts) > 1 {
		ts[len(ts)-1].Label = "1"
	}
	return ts
}

// pow10Label writes 10^e with superscript digits.
func pow10Label(e int) string {
	sup := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	out := []rune("10")
	if e < 0 {
		out = append(out, '⁻')
		e = -e
	}
	for _, d := range fmt.Sprint(e) {
		out = append(out, sup[d-'0'])
	}
	return string(out)
}

// legendRect is where Legend.Draw puts a top-left legend on c: its size
// from Legend.Rectangle, its corner at c's top left.
func legendRect(l *plot.Legend, c draw.Canvas) vg.Rectangle {
	r := l.Rectangle(c)
	w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	return vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: c.Max.Y - h}, Max: vg.Point{X: c.Min.X + w, Y: c.Max.Y}}
}
