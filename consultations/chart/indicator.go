package chart

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/parlabot/parlabot/consultations"
)

// Indicator draws an indicator across the waves of its commitment: a point
// for each wave with its 95% interval as an error bar, joined by a line, the
// wave being reported (l.Current) in another colour and shape, and
// horizontal lines for the baseline and the target, labelled at the right.
// Values go to l.Percent for shares (top2box, share) and to l.Number for
// means and NPS, as the report holds them (NPS from -1 to 1).
//
// An indicator without a value in any wave has nothing to draw: the error
// has code consultations.EINVALID.
func Indicator(ind consultations.IndicatorReport, l Labels) ([]byte, error) {
	waves := ind.Waves
	if len(waves) == 0 {
		waves = []consultations.WavePoint{{Current: true, Measurement: ind.Measurement}}
	}

	format := l.percent
	switch ind.Measure {
	case consultations.MeasureMean:
		format = l.number
	case consultations.MeasureNPS:
		format = l.nps
	}

	var past, now plotter.XYs
	var errs plotter.YErrors
	var all plotter.XYs
	var texts []string
	var lo, hi = ind.Baseline, ind.Baseline
	lo, hi = math.Min(lo, ind.Target), math.Max(hi, ind.Target)
	names := make([]string, len(waves))
	for i, w := range waves {
		names[i] = l.wave(w)
		if w.Current && l.Current != "" {
			names[i] += "\n(" + l.Current + ")"
		}
		if w.Value == nil {
			continue
		}
		v := w.Value.Value
		pt := plotter.XY{X: float64(i), Y: v}
		all = append(all, pt)
		if w.Current {
			now = append(now, pt)
		} else {
			past = append(past, pt)
		}
		low, high := w.Value.Low, w.Value.High
		errs = append(errs, struct{ Low, High float64 }{v - low, high - v})
		texts = append(texts, format(v))
		lo, hi = math.Min(lo, low), math.Max(hi, high)
	}
	if len(all) == 0 {
		return nil, consultations.Errorf(consultations.EINVALID, "indicator %q has no value to chart", ind.ID)
	}

	p := newPlot()

	// The value axis: every interval, the baseline and the target, with
	// room around them, kept within what the measure can take.
	span := hi - lo
	minSpan := 0.1
	if ind.Measure == consultations.MeasureMean {
		minSpan = 1
	}
	if span < minSpan {
		mid := (hi + lo) / 2
		lo, hi, span = mid-minSpan/2, mid+minSpan/2, minSpan
	}
	lo, hi = lo-0.18*span, hi+0.18*span
	switch ind.Measure {
	case consultations.MeasureTop2Box, consultations.MeasureShare:
		lo, hi = math.Max(lo, 0), math.Min(hi, 1)
	case consultations.MeasureNPS:
		lo, hi = math.Max(lo, -1), math.Min(hi, 1)
	}
	p.Y.Min, p.Y.Max = lo, hi
	p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		return niceTicks(min, max, format)
	})
	p.Y.Tick.Length = 0
	p.Y.Width = 0

	// The wave axis, with a column at the right for the lines' labels.
	k := float64(len(waves))
	lineLabel := func(word string, v float64) string { return word + "\n" + format(v) }
	ls := style(labelSize-4, true, ink)
	gutter := max(ls.Width(lineLabel(l.Baseline, ind.Baseline)), ls.Width(lineLabel(l.Target, ind.Target))) + 24
	dataWidth := vg.Length(Width-2*margin) - 170 // less the value axis
	g := float64(gutter) * k / float64(dataWidth-gutter)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, k-0.5+g
	p.X.Width = 3
	p.X.Padding = 0
	p.Y.Padding = 0

	gr := plotter.NewGrid()
	gr.Vertical.Width = 0
	gr.Horizontal = draw.LineStyle{Color: grid, Width: 2}
	p.Add(gr)

	// Baseline and target, labelled above the higher line and below the
	// lower one so the labels never overlap.
	above := ind.Target >= ind.Baseline
	for _, h := range []struct {
		word  string
		v     float64
		c     draw.LineStyle
		above bool
	}{
		{l.Baseline, ind.Baseline, draw.LineStyle{Color: muted, Width: 4, Dashes: []vg.Length{18, 12}}, !above},
		{l.Target, ind.Target, draw.LineStyle{Color: green, Width: 5, Dashes: []vg.Length{6, 8}}, above},
	} {
		y := h.v
		line, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}})
		if err != nil {
			return nil, err
		}
		line.LineStyle = h.c
		p.Add(line)

		lab, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    plotter.XYs{{X: p.X.Max, Y: y}},
			Labels: []string{lineLabel(h.word, y)},
		})
		if err != nil {
			return nil, err
		}
		st := style(labelSize-4, true, h.c.Color)
		st.XAlign, st.YAlign = draw.XRight, draw.YTop
		lab.Offset = vg.Point{Y: -10}
		if h.above {
			st.YAlign = draw.YBottom
			lab.Offset.Y = 10
		}
		lab.TextStyle[0] = st
		p.Add(lab)
	}

	// The waves.
	if len(all) > 1 {
		line, err := plotter.NewLine(all)
		if err != nil {
			return nil, err
		}
		line.LineStyle = draw.LineStyle{Color: blue, Width: 5}
		p.Add(line)
	}
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{all, errs})
	if err != nil {
		return nil, err
	}
	eb.LineStyle = draw.LineStyle{Color: ink, Width: 4}
	eb.CapWidth = 32
	p.Add(eb)
	for _, s := range []struct {
		xys   plotter.XYs
		glyph draw.GlyphStyle
	}{
		{past, draw.GlyphStyle{Color: blue, Radius: 13, Shape: draw.CircleGlyph{}}},
		{now, draw.GlyphStyle{Color: vermillion, Radius: 17, Shape: draw.PyramidGlyph{}}},
	} {
		if len(s.xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.xys)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = s.glyph
		p.Add(sc)
	}

	// Each value over the top of its interval, on a white box so that the
	// lines behind do not cross it out.
	tops := make(plotter.XYs, len(all))
	for i, pt := range all {
		tops[i] = plotter.XY{X: pt.X, Y: pt.Y + errs[i].High}
	}
	vs := style(labelSize, true, ink)
	vs.XAlign, vs.YAlign = draw.XCenter, draw.YBottom
	vl := &haloLabels{xys: tops, texts: texts, style: vs, offset: vg.Point{Y: 14}}
	p.Add(vl)

	h := header{title: l.Title, subtitle: []string{l.count(ind.N)}}
	if l.Note != "" {
		h.subtitle = append(h.subtitle, l.Note)
	}
	return render(p, h)
}

// niceTicks are four to six labelled ticks between min and max, a round
// step apart (1, 2, 2.5 or 5 times a power of ten).
func niceTicks(min, max float64, format func(float64) string) []plot.Tick {
	raw := (max - min) / 5
	if raw <= 0 {
		return nil
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max+step*1e-9; v += step {
		v := math.Round(v/step) * step
		if v == 0 {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
	}
	return ticks
}
