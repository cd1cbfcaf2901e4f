// Package chart draws a consultation report's answers and indicators as PNG
// images sized for a phone screen, to send in a chat or put in a document.
//
// Charts are drawn with gonum.org/v1/plot in the Liberation fonts it embeds,
// with large text, thick lines and the Okabe–Ito colour-blind-safe palette.
// The package knows no language: the caller passes every word and number
// format in Labels.
package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"strconv"
	"strings"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/parlabot/parlabot/consultations"
)

// Width and Height are the size of every chart in pixels: square, so that a
// chat shows it whole on a phone held upright.
const (
	Width  = 1080
	Height = 1080
)

// Labels are the words and number formats a chart shows, in the reader's
// language, filled by the caller (which has the translations). A nil func
// falls back to a plain, language-neutral format.
type Labels struct {
	Title string // the question or indicator, shown wrapped at the top
	Note  string // optional line under the count: "several answers allowed", "bars: 95% interval"

	Count   func(n int) string                     // respondents: "n = 1.234"
	Percent func(f float64) string                 // a fraction as a percentage: 0.42 → "42,0 %"
	Number  func(f float64) string                 // a mean ("3,8") or an NPS from -1 to 1 ("+23")
	Wave    func(w consultations.WavePoint) string // a wave on the indicator's axis; nil: its name and month

	Baseline string // "Baseline"
	Target   string // "Target"
	Current  string // marks the wave being reported: "this wave"
}

func (l Labels) count(n int) string {
	if l.Count != nil {
		return l.Count(n)
	}
	return "n = " + strconv.Itoa(n)
}

func (l Labels) percent(f float64) string {
	if l.Percent != nil {
		return l.Percent(f)
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + " %"
}

func (l Labels) number(f float64) string {
	if l.Number != nil {
		return l.Number(f)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// nps formats an NPS, from -1 to 1, with l.Number or from -100 to 100.
func (l Labels) nps(f float64) string {
	if l.Number != nil {
		return l.Number(f)
	}
	return fmt.Sprintf("%+.0f", f*100)
}

func (l Labels) wave(w consultations.WavePoint) string {
	if l.Wave != nil {
		return l.Wave(w)
	}
	s := w.Wave
	if s == "" {
		s = w.Consultation
	}
	if !w.Date.IsZero() {
		s += "\n" + w.Date.Format("2006-01")
	}
	return s
}

// The Okabe–Ito palette, told apart with any colour vision, and the greys
// of text and grid lines.
var (
	blue       = color.RGBA{0x00, 0x72, 0xB2, 0xFF}
	vermillion = color.RGBA{0xD5, 0x5E, 0x00, 0xFF}
	green      = color.RGBA{0x00, 0x9E, 0x73, 0xFF}
	ink        = color.RGBA{0x1A, 0x1A, 0x1A, 0xFF}
	muted      = color.RGBA{0x4D, 0x4D, 0x4D, 0xFF}
	grid       = color.RGBA{0xD9, 0xD9, 0xD9, 0xFF}
)

// Sizes in pixels (the canvas is drawn at 72 dpi, so a point is a pixel).
// A 1080-pixel chart is shown about 360 points wide on a phone: text below
// 30 pixels would be smaller than 10 points there.
const (
	margin       = 48
	titleSize    = 46
	subtitleSize = 32
	labelSize    = 34
	maxTitleLine = 3
)

var (
	handler = text.Plain{Fonts: font.DefaultCache}
	sans    = font.Font{Typeface: "Liberation", Variant: "Sans"}
)

// style is a text style in Liberation Sans.
func style(size vg.Length, bold bool, c color.Color) text.Style {
	f := sans
	if bold {
		f.Weight = stdfont.WeightBold
	}
	return text.Style{Color: c, Font: font.From(f, size), Handler: handler}
}

// newPlot returns a plot with the package's fonts and no title, axes in ink.
func newPlot() *plot.Plot {
	p := plot.New()
	p.TextHandler = handler
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		xa, ya := a.Tick.Label.XAlign, a.Tick.Label.YAlign
		a.Tick.Label = style(labelSize, false, ink)
		a.Tick.Label.XAlign, a.Tick.Label.YAlign = xa, ya
		a.Label.TextStyle = style(labelSize, false, ink)
		a.LineStyle = draw.LineStyle{Color: ink, Width: 3}
		a.Tick.LineStyle = draw.LineStyle{Color: ink, Width: 3}
		a.Tick.Length = 12
	}
	return p
}

// render draws the title and subtitle lines at the top of a Width×Height
// canvas, the plot below them, and encodes the result as PNG.
func render(p *plot.Plot, h header) ([]byte, error) {
	c := vgimg.NewWith(
		vgimg.UseWH(Width, Height),
		vgimg.UseDPI(72),
		vgimg.UseBackgroundColor(color.White),
	)
	dc := draw.New(c)
	top := h.draw(&dc)
	p.Draw(draw.Crop(dc, margin, -margin, margin, -top))

	var buf bytes.Buffer
	// Fastest compression: a third less time for a few percent more bytes.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// header is the text above a chart: a bold title and lighter lines under it.
type header struct {
	title    string
	subtitle []string
}

// draw draws the header on c, or only measures it when c is nil, and
// returns the height it takes from the top of the canvas, margin included.
func (h header) draw(c *draw.Canvas) vg.Length {
	y := vg.Length(margin)
	ts := style(titleSize, true, ink)
	ts.YAlign = draw.YTop
	for _, line := range wrap(ts, h.title, Width-2*margin, maxTitleLine) {
		if c != nil {
			c.FillText(ts, vg.Point{X: margin, Y: Height - y}, line)
		}
		y += titleSize * 1.2
	}
	ss := style(subtitleSize, false, muted)
	ss.YAlign = draw.YTop
	y += 6
	for _, s := range h.subtitle {
		for _, line := range wrap(ss, s, Width-2*margin, 2) {
			if c != nil {
				c.FillText(ss, vg.Point{X: margin, Y: Height - y}, line)
			}
			y += subtitleSize * 1.25
		}
	}
	return y + 24
}

// plotHeight is the height left for the plot under the header.
func (h header) plotHeight() vg.Length {
	return Height - margin - h.draw(nil)
}

// wrap breaks s into lines no wider than width in style st, at most max
// lines, the last one cut with an ellipsis when s does not fit. A word
// wider than width has a line of its own.
func wrap(st text.Style, s string, width vg.Length, max int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line == "" || st.Width(try) <= width {
			line = try
			continue
		}
		lines = append(lines, line)
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) <= max {
		return lines
	}
	lines = lines[:max]
	last := []rune(lines[max-1])
	for len(last) > 0 && st.Width(string(last)+"…") > width {
		last = last[:len(last)-1]
	}
	lines[max-1] = strings.TrimRight(string(last), " ") + "…"
	return lines
}

// haloLabels is text at data points on a white box, so that lines passing
// behind it do not cross it out.
type haloLabels struct {
	xys    plotter.XYs
	texts  []string
	style  text.Style
	offset vg.Point
}

// pad is the white space around a halo label's text.
const pad = 6

// box is the rectangle of label i relative to its point.
func (h *haloLabels) box(i int) vg.Rectangle {
	r := h.style.Rectangle(h.texts[i]).Add(h.offset)
	r.Min = r.Min.Sub(vg.Point{X: pad, Y: pad})
	r.Max = r.Max.Add(vg.Point{X: pad, Y: pad})
	return r
}

// Plot implements plot.Plotter.
func (h *haloLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, xy := range h.xys {
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		r := h.box(i).Add(pt)
		c.FillPolygon(color.White, []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}})
		c.FillText(h.style, pt.Add(h.offset), h.texts[i])
	}
}

// GlyphBoxes implements plot.GlyphBoxer, so the plot leaves room for the
// labels.
func (h *haloLabels) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	boxes := make([]plot.GlyphBox, len(h.xys))
	for i, xy := range h.xys {
		boxes[i] = plot.GlyphBox{X: p.X.Norm(xy.X), Y: p.Y.Norm(xy.Y), Rectangle: h.box(i)}
	}
	return boxes
}
