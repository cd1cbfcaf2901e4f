package chart

import (
	"bytes"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// spanish are the labels a Spanish-speaking reader gets.
func spanish(title string) Labels {
	return Labels{
		Title: title,
		Count: func(n int) string { return "n = " + thousands(n) },
		Percent: func(f float64) string {
			return strings.Replace(strconv.FormatFloat(f*100, 'f', 1, 64), ".", ",", 1) + " %"
		},
		Number: func(f float64) string { return strings.Replace(strconv.FormatFloat(f, 'f', 1, 64), ".", ",", 1) },
		Wave: func(w consultations.WavePoint) string {
			return w.Wave + "\n" + []string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}[w.Date.Month()-1] + " " + strconv.Itoa(w.Date.Year())
		},
		Baseline: "Línea base",
		Target:   "Meta",
		Current:  "esta ronda",
	}
}

// thousands formats n with dots between thousands, as in Spanish.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

// reference returns the reference consultation, read from the domain's
// test data.
func reference(t testing.TB) *consultations.Consultation {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "livestream-2026.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := consultations.ParseFile(data)
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	return f.Consultation
}

var comments = []string{
	"Mejor calidad de audio en las comisiones",
	"Subtítulos y lengua de señas en todas las transmisiones",
	"Que el audio no se corte y la calidad de imagen sea mejor",
	"Publicar el calendario de sesiones con anticipación",
	"Más cámaras y mejor audio",
	"Subtítulos en las grabaciones",
}

// tally counts n made-up responses to c, drawn from a fixed seed; yes is
// how likely a citizen is to have watched a session.
func tally(c *consultations.Consultation, n int, seed uint64, yes float64) *consultations.Tally {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := consultations.NewTally(c)
	regions := []string{"north", "centre", "metro", "metro", "metro", "south"}
	channels := []string{"website", "tv", "social", "radio"}
	for i := range n {
		r := &consultations.Response{
			Consultation: c.Slug,
			Participant:  fmt.Sprintf("p%d", i),
			Language:     "es",
			Started:      c.Opens.Add(time.Hour),
			Completed:    c.Opens.Add(time.Hour + time.Duration(60+rng.IntN(300))*time.Second),
			Answers:      map[string]consultations.Answer{},
		}
		if rng.Float64() < yes {
			r.Answers["watched"] = consultations.Answer{Choices: []string{"yes"}}
			r.Answers["satisfaction"] = consultations.Answer{Number: 1 + min(4, rng.IntN(4)+rng.IntN(3))}
		} else {
			r.Answers["watched"] = consultations.Answer{Choices: []string{"no"}}
		}
		r.Answers["recommend"] = consultations.Answer{Number: min(10, rng.IntN(7)+rng.IntN(6))}
		a, b := rng.IntN(4), rng.IntN(4)
		if a == b || rng.IntN(3) == 0 {
			r.Answers["channels"] = consultations.Answer{Choices: []string{channels[a]}}
		} else {
			r.Answers["channels"] = consultations.Answer{Choices: []string{channels[a], channels[b]}}
		}
		r.Answers["region"] = consultations.Answer{Choices: []string{regions[rng.IntN(len(regions))]}}
		if rng.IntN(2) == 0 {
			r.Answers["comment"] = consultations.Answer{Text: comments[rng.IntN(len(comments))]}
		}
		t.Add(r, +1)
	}
	return t
}

// report builds the reference consultation's report with 1.300 responses and
// two earlier waves.
func report(t testing.TB) (*consultations.Consultation, *consultations.Report) {
	t.Helper()
	c := reference(t)
	var waves []consultations.WaveInput
	for i, w := range []struct {
		wave string
		n    int
		yes  float64
	}{{"baseline-2024", 400, 0.15}, {"mid-2025", 250, 0.22}} {
		old := *c
		old.Slug = fmt.Sprintf("livestream-%d", 2024+i)
		old.Wave = w.wave
		old.Opens = c.Opens.AddDate(-2+i, 0, 0)
		old.Closes = c.Closes.AddDate(-2+i, 0, 0)
		waves = append(waves, consultations.WaveInput{Consultation: &old, Tally: tally(&old, w.n, uint64(i+10), w.yes)})
	}
	cur := tally(c, 1300, 3, 0.3)
	waves = append(waves, consultations.WaveInput{Consultation: c, Tally: cur})
	return c, consultations.BuildReport(c, cur, waves, c.Closes)
}

// optionLabels are the Spanish labels of question q's options.
func optionLabels(q *consultations.Question) map[string]string {
	m := map[string]string{}
	for _, o := range q.Options {
		m[o.ID] = o.Text.In("es", "es")
	}
	if q.Kind == consultations.KindSatisfaction {
		m["1"] = "1 Muy insatisfecho/a"
		m["5"] = "5 Muy satisfecho/a"
	}
	return m
}

// checkPNG fails unless data is a Width×Height PNG, and writes it to
// $CHART_DIR/name.png when CHART_DIR is set, to look at.
func checkPNG(t *testing.T, name string, data []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: decode PNG: %v", name, err)
	}
	if got, want := img.Bounds().Size(), (struct{ X, Y int }{Width, Height}); got.X != want.X || got.Y != want.Y {
		t.Errorf("%s: size %v, want %dx%d", name, got, want.X, want.Y)
	}
	if dir := os.Getenv("CHART_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDistribution(t *testing.T) {
	c, rep := report(t)
	for _, qs := range rep.Questions {
		t.Run(qs.ID, func(t *testing.T) {
			q := c.Question(qs.ID)
			l := spanish(q.Text.In("es", "es"))
			if q.Kind == consultations.KindMultiple {
				l.Note = "Hasta 2 respuestas: los porcentajes suman más de 100 %"
			}
			data, err := Distribution(qs, optionLabels(q), l)
			if err != nil {
				t.Fatalf("Distribution: %v", err)
			}
			checkPNG(t, "distribution-"+qs.ID, data)
		})
	}
}

func TestDistributionLongLabels(t *testing.T) {
	share := func(option string, count, n int) consultations.Share {
		return consultations.Share{Option: option, Count: count, Share: float64(count) / float64(n)}
	}
	qs := consultations.QuestionStats{ID: "reason", Kind: consultations.KindSingle, Summary: &consultations.Summary{
		N: 123456,
		Distribution: []consultations.Share{
			share("a", 100000, 123456), share("b", 20000, 123456), share("c", 3456, 123456), share("d", 0, 123456),
		},
	}}
	labels := map[string]string{
		"a": "Porque la comisión de Constitución, Legislación, Justicia y Reglamento no transmite",
		"b": "No sé dónde encontrar las transmisiones",
		"c": "Otro",
		"d": "Ninguna razón en particular, simplemente no me interesa mucho la política",
	}
	l := spanish("¿Por qué razón principal no ha visto las sesiones de las comisiones permanentes y especiales investigadoras de la Cámara de Diputadas y Diputados durante el año legislativo 2026?")
	data, err := Distribution(qs, labels, l)
	if err != nil {
		t.Fatalf("Distribution: %v", err)
	}
	checkPNG(t, "distribution-long", data)
}

func TestDistributionNothingToDraw(t *testing.T) {
	tests := []struct {
		name string
		q    consultations.QuestionStats
	}{
		{"suppressed", consultations.QuestionStats{ID: "q", Kind: consultations.KindSingle, Suppressed: true}},
		{"no summary", consultations.QuestionStats{ID: "q", Kind: consultations.KindScale}},
		{"no answers", consultations.QuestionStats{ID: "q", Kind: consultations.KindSingle, Summary: &consultations.Summary{}}},
		{"text without terms", consultations.QuestionStats{ID: "q", Kind: consultations.KindText, Summary: &consultations.Summary{N: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Distribution(tt.q, nil, spanish("q"))
			if got, want := consultations.ErrorCode(err), consultations.EINVALID; got != want {
				t.Errorf("error code %q (%v), want %q", got, err, want)
			}
			if data != nil {
				t.Errorf("got %d bytes of chart, want none", len(data))
			}
		})
	}
}

func TestIndicator(t *testing.T) {
	_, rep := report(t)
	titles := map[string]string{
		"satisfied-viewers": "Espectadores satisfechos con las transmisiones (4 o 5 de 5)",
		"viewers":           "Personas que vieron una sesión de comisión transmitida",
	}
	if len(rep.Indicators) == 0 {
		t.Fatal("report has no indicators")
	}
	for _, ind := range rep.Indicators {
		t.Run(ind.ID, func(t *testing.T) {
			if got, want := len(ind.Waves), 3; got != want {
				t.Fatalf("%d waves, want %d", got, want)
			}
			l := spanish(titles[ind.ID])
			l.Note = "Barras: intervalo de confianza del 95 %"
			data, err := Indicator(ind, l)
			if err != nil {
				t.Fatalf("Indicator: %v", err)
			}
			checkPNG(t, "indicator-"+ind.ID, data)
		})
	}
}

func TestIndicatorMeasures(t *testing.T) {
	date := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	point := func(wave string, year int, current bool, n int, v, lo, hi float64) consultations.WavePoint {
		return consultations.WavePoint{Wave: wave, Date: date.AddDate(year-2026, 0, 0), Current: current,
			Measurement: consultations.Measurement{N: n, Value: &consultations.Estimate{Value: v, Low: lo, High: hi}}}
	}
	tests := []struct {
		name string
		ind  consultations.IndicatorReport
	}{
		{"mean", consultations.IndicatorReport{ID: "mean", Measure: consultations.MeasureMean, Baseline: 3.2, Target: 4,
			Measurement: consultations.Measurement{N: 80},
			Waves: []consultations.WavePoint{
				point("baseline-2025", 2025, false, 60, 3.1, 2.8, 3.4),
				point("follow-up-2026", 2026, true, 80, 3.6, 3.35, 3.85),
			}}},
		{"nps", consultations.IndicatorReport{ID: "nps", Measure: consultations.MeasureNPS, Baseline: -0.1, Target: 0.2,
			Measurement: consultations.Measurement{N: 500},
			Waves: []consultations.WavePoint{
				point("follow-up-2026", 2026, true, 500, 0.05, -0.02, 0.12),
			}}},
		{"close lines", consultations.IndicatorReport{ID: "share", Measure: consultations.MeasureShare, Baseline: 0.5, Target: 0.52,
			Measurement: consultations.Measurement{N: 2000},
			Waves: []consultations.WavePoint{
				point("baseline-2024", 2024, false, 1000, 0.5, 0.47, 0.53),
				{Wave: "mid-2025", Date: date.AddDate(-1, 0, 0)},
				point("final-2026", 2026, true, 2000, 0.515, 0.493, 0.537),
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := spanish("Indicador " + tt.name)
			if tt.ind.Measure == consultations.MeasureNPS {
				l.Number = func(f float64) string { return fmt.Sprintf("%+.0f", f*100) }
			}
			data, err := Indicator(tt.ind, l)
			if err != nil {
				t.Fatalf("Indicator: %v", err)
			}
			checkPNG(t, "indicator-"+strings.ReplaceAll(tt.name, " ", "-"), data)
		})
	}
}

func TestIndicatorNothingToDraw(t *testing.T) {
	ind := consultations.IndicatorReport{ID: "viewers", Measure: consultations.MeasureShare, Baseline: 0.18, Target: 0.3,
		Waves: []consultations.WavePoint{{Wave: "follow-up-2026", Current: true}}}
	data, err := Indicator(ind, spanish("x"))
	if got, want := consultations.ErrorCode(err), consultations.EINVALID; got != want {
		t.Errorf("error code %q (%v), want %q", got, err, want)
	}
	if data != nil {
		t.Errorf("got %d bytes of chart, want none", len(data))
	}
}

func BenchmarkDistribution(b *testing.B) {
	c, rep := report(b)
	var qs consultations.QuestionStats
	for _, q := range rep.Questions {
		if q.ID == "recommend" {
			qs = q
		}
	}
	labels := optionLabels(c.Question("recommend"))
	l := spanish(c.Question("recommend").Text.In("es", "es"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Distribution(qs, labels, l); err != nil {
			b.Fatal(err)
		}
	}
}
