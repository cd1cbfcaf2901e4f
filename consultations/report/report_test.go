package report_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/report"
	"github.com/parlabot/parlabot/i18n"
)

func ptr[T any](v T) *T { return &v }

// fixture is a small report: 50 started, a satisfaction question whose
// top-2 box is the headline indicator (42%), a single question, a text
// question, and a breakdown by region where the north has fewer than 5
// respondents. The suppressed cell and values carry poison numbers
// (77.7%, n 3) that must never be printed.
func fixture() *consultations.Report {
	poison := &consultations.CellValues{N: 3, Questions: []consultations.QuestionStats{{
		ID: "satisfaction", Kind: consultations.KindSatisfaction,
		Summary: &consultations.Summary{N: 3, Top2Box: &consultations.Estimate{Value: 0.777, Low: 0.7, High: 0.8}},
	}}}
	return &consultations.Report{
		Schema:       consultations.ReportSchema,
		Consultation: "stream",
		Wave:         "w2",
		Title:        consultations.Text{"es": "Transmisiones", "pt": "Transmissões"},
		Commitment:   consultations.ReportCommitment{ID: "c1", Title: consultations.Text{"es": "Transmitir todo"}},
		Generated:    time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC),
		MinCell:      consultations.MinCell,
		Participation: consultations.Participation{
			Funnel: consultations.Funnel{
				Started: 50, Completed: 40, CompletionRate: 0.8, MedianSeconds: ptr(70.0),
				Questions: []consultations.QuestionFunnel{{Question: "satisfaction", Answered: 45, AnsweredShare: 0.9, Stopped: 5, StoppedShare: 0.1}},
			},
			Languages: []consultations.LanguageFunnel{{Language: "pt", Funnel: &consultations.Funnel{
				Started: 50, Completed: 40, CompletionRate: 0.8, Questions: []consultations.QuestionFunnel{},
			}}},
		},
		Questions: []consultations.QuestionStats{
			{ID: "satisfaction", Kind: consultations.KindSatisfaction,
				Text: consultations.Text{"es": "¿Satisfecho/a?", "pt": "Satisfeito/a?"},
				Summary: &consultations.Summary{N: 50,
					Distribution: []consultations.Share{
						{Value: ptr(1), Count: 10, Share: 0.2}, {Value: ptr(2), Count: 5, Share: 0.1},
						{Value: ptr(3), Count: 14, Share: 0.28}, {Value: ptr(4), Count: 11, Share: 0.22},
						{Value: ptr(5), Count: 10, Share: 0.2},
					},
					Mean:       &consultations.Estimate{Value: 3.12, Low: 2.71, High: 3.53},
					SD:         ptr(1.41),
					Top2Box:    &consultations.Estimate{Value: 0.42, Low: 0.29, High: 0.56},
					Bottom2Box: &consultations.Estimate{Value: 0.3, Low: 0.19, High: 0.44},
				}},
			{ID: "region", Kind: consultations.KindSingle, Demographic: true,
				Text: consultations.Text{"es": "¿Dónde vive?", "pt": "Onde mora?"},
				Summary: &consultations.Summary{N: 50, Distribution: []consultations.Share{
					{Option: "north", Text: consultations.Text{"es": "Norte", "pt": "Norte"}, Count: 3, Share: 0.06},
					{Option: "south", Text: consultations.Text{"es": "Sur", "pt": "Sul"}, Count: 47, Share: 0.94},
				}}},
			{ID: "comment", Kind: consultations.KindText,
				Text: consultations.Text{"es": "¿Qué mejoraría?"},
				Summary: &consultations.Summary{N: 12,
					Terms:   []consultations.TermFreq{{Term: "audio", Count: 7}},
					Phrases: []consultations.TermFreq{{Term: "mejor audio", Count: 4}},
					Quotes:  []string{"Mejor audio, por favor"},
				}},
		},
		Indicators: []consultations.IndicatorReport{{
			ID: "satisfied", Question: "satisfaction", Measure: consultations.MeasureTop2Box,
			Measurement: consultations.Measurement{N: 50, Value: &consultations.Estimate{Value: 0.42, Low: 0.29, High: 0.56}},
			Baseline:    0.30, Target: 0.60, Progress: ptr(40.0),
			Waves: []consultations.WavePoint{
				{Consultation: "stream-2025", Wave: "w1", Date: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
					Measurement: consultations.Measurement{N: 80, Value: &consultations.Estimate{Value: 0.3, Low: 0.21, High: 0.41}}},
				{Consultation: "stream", Wave: "w2", Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Current: true,
					Measurement: consultations.Measurement{N: 50, Value: &consultations.Estimate{Value: 0.42, Low: 0.29, High: 0.56}},
					Change:      ptr(0.12), PValue: ptr(0.16), Significant: false},
			},
		}},
		Breakdowns: []consultations.Breakdown{{Question: "region", Cells: []consultations.BreakdownCell{
			{Option: "north", Suppressed: true, CellValues: poison}, // a domain bug must not leak either
			{Option: "south", CellValues: &consultations.CellValues{N: 47,
				Questions: []consultations.QuestionStats{{ID: "satisfaction", Kind: consultations.KindSatisfaction, Suppressed: true,
					Summary: poison.Questions[0].Summary}},
				Indicators: []consultations.CellIndicator{{ID: "satisfied", Suppressed: true,
					Measurement: &consultations.Measurement{N: 3, Value: &consultations.Estimate{Value: 0.777}}}},
			}},
		}}},
	}
}

func bundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.New("es")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func render(t *testing.T, f func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestTextAndMarkdown(t *testing.T) {
	tr := bundle(t)
	r := fixture()
	tests := []struct {
		name string
		out  string
		from string // where the breakdowns start
		want []string
	}{
		{"text es", render(t, func(b *bytes.Buffer) error { return report.Text(b, r, "es", tr) }), "Desgloses", []string{
			"Informe: Transmisiones\n======================",
			"Indicador principal: satisfied",
			"Valor:            42,0 % (IC 95 %: 29,0 % a 56,0 %)",
			"Línea de base:    30,0 %",
			"Meta:             60,0 %",
			"Avance:           40,0 % del camino de la línea de base a la meta",
			"Respuestas (n):   50",
			"Margen de error:  ± 13,5 puntos",
			"w2 (esta)  2026-12-01  50  42,0 %  +12,0 puntos  no (p = 0,160)",
			"Tasa de finalización:  80,0 %",
			"Tiempo mediano:        1 min 10 s",
			"Promedio:             3,12 (IC 95 %: 2,71 a 3,53)",
			"Satisfechos (4-5):    42,0 % (IC 95 %: 29,0 % a 56,0 %)",
			"    3          14  28,0 %",
			"audio (7)", "mejor audio (4)", "“Mejor audio, por favor”",
			"12 respuestas escritas.",
			"Norte  <5\n",
			"Sur    47         <5\n",
		}},
		{"text pt", render(t, func(b *bytes.Buffer) error { return report.Text(b, r, "pt", tr) }), "Recortes", []string{
			"Relatório: Transmissões",
			"Valor:           42,0% (IC 95%: 29,0% a 56,0%)",
			"Linha de base:   30,0%",
			"Sul    47",
			"Taxa de conclusão:  80,0%",
		}},
		{"text en", render(t, func(b *bytes.Buffer) error { return report.Text(b, r, "en", tr) }), "Breakdowns", []string{
			"Value:            42.0% (95% CI: 29.0% to 56.0%)",
			"Mean:                3.12 (95% CI: 2.71 to 3.53)",
		}},
		{"markdown es", render(t, func(b *bytes.Buffer) error { return report.Markdown(b, r, "es", tr) }), "## Desgloses", []string{
			"# Informe: Transmisiones\n",
			"## Indicador principal: satisfied\n",
			"- **Valor:** 42,0 % (IC 95 %: 29,0 % a 56,0 %)\n",
			"| Ola | Fecha | n | Valor | Cambio | ¿Significativo? |\n|---|---|---:|---:|---:|---|\n",
			"| Norte | <5 |  |\n",
			"| Sur | 47 | <5 |\n",
			"> Mejor audio, por favor\n",
			"¿Satisfecho/a?",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, want := range tt.want {
				if !strings.Contains(tt.out, want) {
					t.Errorf("output lacks %q:\n%s", want, tt.out)
				}
			}
			// The suppressed cell's and values' poison (77.7%, n 3)
			// never shows: only "<5".
			i := strings.Index(tt.out, tt.from)
			if i < 0 {
				t.Fatalf("no breakdowns (%q) in:\n%s", tt.from, tt.out)
			}
			for _, leak := range []string{"77", "78", "3"} {
				if strings.Contains(tt.out[i:], leak) {
					t.Errorf("output leaks a suppressed value (%q):\n%s", leak, tt.out)
				}
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := fixture()
	r.Breakdowns[0].Cells[0].CellValues = nil // as the domain gives it
	r.Breakdowns[0].Cells[1].Questions[0].Summary = nil
	r.Breakdowns[0].Cells[1].Indicators[0].Measurement = nil
	out := render(t, func(b *bytes.Buffer) error { return report.JSON(b, r) })
	if again := render(t, func(b *bytes.Buffer) error { return report.JSON(b, r) }); again != out {
		t.Error("JSON is not stable between two writes")
	}
	if !strings.HasPrefix(out, "{\n  \"schema\": 1,\n  \"consultation\": \"stream\",") {
		t.Errorf("JSON does not start with the schema, indented:\n%.200s", out)
	}
	var got consultations.Report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, r) {
		t.Errorf("round trip changed the report:\ngot  %+v\nwant %+v", got, *r)
	}
	if strings.Contains(out, "0.777") {
		t.Errorf("JSON has a suppressed value:\n%s", out)
	}
}

func TestNumberFormats(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"percent es", report.Percent("es", 0.42), "42,0 %"},
		{"percent pt", report.Percent("pt", 0.4249), "42,5%"},
		{"percent fr", report.Percent("fr", 1), "100,0 %"},
		{"percent en", report.Percent("en", 0.0005), "0.1%"},
		{"tiny negative es", report.Percent("es", -0.0001), "0,0 %"},
		{"decimal es", report.Decimal("es", 3.126, 2), "3,13"},
		{"decimal en", report.Decimal("en", -1.5, 1), "-1.5"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
