package chart

import (
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/parlabot/parlabot/consultations"
)

// bar is one row of a distribution chart.
type bar struct {
	label string
	share float64
}

// Distribution draws the answers to one question as horizontal bars, one per
// option or value in the question's order from the top, each labelled with
// its share; the title is l.Title and the subtitle the respondents (l.Count).
// A multiple question's shares are of respondents and may add up to more
// than 100 %. A text question shows its most frequent terms with the share of
// answers that use each.
//
// optionLabels maps an option id, or a value of a satisfaction or scale
// question ("1" … "5", "0" … "10"), to its label in the reader's language;
// an option without one is shown by its id or value.
//
// A suppressed question, or one without answers (or, for text, without
// terms), has nothing to draw: the error has code consultations.EINVALID.
func Distribution(q consultations.QuestionStats, optionLabels map[string]string, l Labels) ([]byte, error) {
	if q.Suppressed || q.Summary == nil {
		return nil, consultations.Errorf(consultations.EINVALID, "question %q is suppressed: no chart", q.ID)
	}
	if q.N == 0 {
		return nil, consultations.Errorf(consultations.EINVALID, "question %q has no answers to chart", q.ID)
	}

	var bs bars
	if q.Kind == consultations.KindText {
		for _, t := range q.Terms {
			bs = append(bs, bar{t.Term, float64(t.Count) / float64(q.N)})
		}
	} else {
		for _, s := range q.Distribution {
			key := s.Option
			if s.Value != nil {
				key = strconv.Itoa(*s.Value)
			}
			label, ok := optionLabels[key]
			if !ok || strings.TrimSpace(label) == "" {
				label = key
			}
			bs = append(bs, bar{label, s.Share})
		}
	}
	if len(bs) == 0 {
		return nil, consultations.Errorf(consultations.EINVALID, "question %q has nothing to chart", q.ID)
	}

	h := header{title: l.Title, subtitle: []string{l.count(q.N)}}
	if l.Note != "" {
		h.subtitle = append(h.subtitle, l.Note)
	}
	p, err := bs.plot(h.plotHeight(), l)
	if err != nil {
		return nil, err
	}
	return render(p, h)
}

// Bar layout, in pixels.
const (
	maxThick   = 110 // the thickest a bar gets, however few
	leftLabels = 380 // widest an option's label may be left of the bars
	minRows    = 5   // room kept for at least this many bars
)

// bars are the rows of a distribution chart, top to bottom.
type bars []bar

// plot lays the bars out in a plot height pixels high: with short labels
// left of the bars, with long ones (and few bars) on a line above each bar,
// using the whole width.
func (bs bars) plot(height vg.Length, l Labels) (*plot.Plot, error) {
	p := newPlot()
	n := len(bs)
	ls := style(labelSize, false, ink)

	widest := vg.Length(0)
	for _, b := range bs {
		widest = max(widest, ls.Width(b.label))
	}
	above := widest > leftLabels && n <= minRows+1

	// Bars go top to bottom in the question's order; the plot counts rows
	// from the bottom.
	names := make([]string, n)
	values := make(plotter.Values, n)
	xys := make(plotter.XYs, n)
	texts := make([]string, n)
	top := 0.0
	for i, b := range bs {
		row := n - 1 - i
		if above {
			names[row] = strings.Join(wrap(ls, b.label, Width-2*margin, 2), "\n")
		} else {
			names[row] = strings.Join(wrap(ls, b.label, leftLabels, 2), "\n")
		}
		values[row] = b.share
		xys[row] = plotter.XY{X: b.share, Y: float64(row)}
		texts[row] = l.percent(b.share)
		top = max(top, b.share)
	}
	if top == 0 {
		top = 1
	}

	// At least minRows rows of space, so that two options do not make two
	// slabs; the bars are centred in it.
	rows := float64(max(n, minRows))
	extra := (rows - float64(n)) / 2
	slot := height / vg.Length(rows)

	p.HideX()
	p.X.Min, p.X.Max = 0, top
	p.X.Padding = 0

	thick := min(slot*0.72, maxThick)
	var shift vg.Length // of the bars from the middle of their row
	if above {
		nameHeight := vg.Length(0)
		for _, name := range names {
			nameHeight = max(nameHeight, ls.Height(name))
		}
		thick = min(max(slot-nameHeight-36, 30), maxThick*0.8)
		shift = -(nameHeight + 14) / 2

		p.HideY()
		nl, err := plotter.NewLabels(plotter.XYLabels{XYs: rowStarts(n), Labels: names})
		if err != nil {
			return nil, err
		}
		for i := range nl.TextStyle {
			st := ls
			st.XAlign, st.YAlign = draw.XLeft, draw.YBottom
			nl.TextStyle[i] = st
		}
		nl.Offset = vg.Point{Y: shift + thick/2 + 14}
		p.Add(nl)
	} else {
		p.NominalY(names...)
		p.Y.Width = 0
		zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(n) - 0.5}})
		if err != nil {
			return nil, err
		}
		zero.LineStyle = draw.LineStyle{Color: ink, Width: 3}
		p.Add(zero)
	}
	p.Y.Padding = 0
	p.Y.Min, p.Y.Max = -0.5-extra, float64(n)-0.5+extra

	bc, err := plotter.NewBarChart(values, thick)
	if err != nil {
		return nil, err
	}
	bc.Horizontal = true
	bc.Color = blue
	bc.LineStyle.Width = 0
	bc.Offset = shift
	p.Add(bc)

	vl, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, err
	}
	for i := range vl.TextStyle {
		st := style(labelSize, true, ink)
		st.XAlign, st.YAlign = draw.XLeft, draw.YCenter
		vl.TextStyle[i] = st
	}
	// Text centred on its height sits low: lift it by part of its descent.
	vl.Offset = vg.Point{X: 14, Y: shift + 4}
	p.Add(vl)
	return p, nil
}

// rowStarts are the points where the bars of n rows start.
func rowStarts(n int) plotter.XYs {
	xys := make(plotter.XYs, n)
	for i := range xys {
		xys[i].Y = float64(i)
	}
	return xys
}
