package export

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// benchResponses are varied completed responses to the reference
// consultation, cycled through by the benchmarks.
func benchResponses(c *consultations.Consultation) []*consultations.Response {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	channels := [][]string{{"website"}, {"tv", "social"}, {"radio"}, {}}
	regions := []string{"north", "centre", "metro", "south"}
	rs := make([]*consultations.Response, 64)
	for i := range rs {
		rs[i] = &consultations.Response{
			Consultation: c.Slug, Participant: fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15),
			Language: []string{"es", "pt", "en"}[i%3],
			Started:  start.Add(time.Duration(i) * time.Minute), Completed: start.Add(time.Duration(i)*time.Minute + 95*time.Second),
			Answers: map[string]consultations.Answer{
				"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 1 + i%5}, "recommend": {Number: i % 11},
				"channels": {Choices: channels[i%4]}, "region": {Choices: []string{regions[i%4]}},
				"comment": {Text: "Mejor audio y subtítulos, por favor"},
			},
		}
	}
	return rs
}

// benchmarkExport measures a writer alone, writing to io.Discard; the whole
// command, reading a million responses from the store and writing the
// file, is cmd/parlabot's BenchmarkExport1M.
func benchmarkExport(b *testing.B, open func(io.Writer, *consultations.Consultation, Options) (Writer, error), opts Options) {
	c := reference(b)
	rs := benchResponses(c)
	b.ReportAllocs()
	b.ResetTimer()
	w, err := open(io.Discard, c, opts)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if err := w.Write(rs[i%len(rs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSV writes b.N responses of the reference consultation as a wide
// CSV; run with -benchtime=1000000x for the 1M-row figure.
func BenchmarkCSV(b *testing.B) { benchmarkExport(b, NewCSV, Options{}) }

// BenchmarkCSVLong is BenchmarkCSV in the long layout (rows/s counts
// responses, each several rows).
func BenchmarkCSVLong(b *testing.B) { benchmarkExport(b, NewCSV, Options{Layout: LayoutLong}) }

// BenchmarkXLSX writes b.N responses as a wide XLSX workbook, including
// assembling the file on Close. Past 1,048,575 rows the responses go on to
// a second sheet.
func BenchmarkXLSX(b *testing.B) { benchmarkExport(b, NewXLSX, Options{}) }

// BenchmarkJSONL writes b.N responses as JSON Lines.
func BenchmarkJSONL(b *testing.B) { benchmarkExport(b, NewJSONL, Options{}) }
