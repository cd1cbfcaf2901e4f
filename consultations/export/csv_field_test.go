package export

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"
)

// FuzzCSVField checks that a field is written as a csv.Writer with UseCRLF
// writes it.
func FuzzCSVField(f *testing.F) {
	for _, s := range []string{"", "a", "a,b", `say "hi"`, "two\nlines", "cr\rlf\r\n", " lead", "\tlead", "\u00a0nbsp", `\.`, "👍🏽", "مرحبا"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		w.UseCRLF = true
		w.Write([]string{a, b})
		w.Flush()
		got := appendCSVField(nil, a)
		got = append(got, ',')
		got = appendCSVField(got, b)
		got = append(got, '\r', '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("fields %q, %q: got %q, want %q", a, b, got, want.Bytes())
		}
	})
}

// TestAppendCSVTime checks the hand-written time format against the
// standard one, over a range of times.
func TestAppendCSVTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 12, 3, 13, 15, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(2027, 2, 28, 9, 5, 7, 0, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := string(appendCSVTime(nil, tm)), tm.Format(csvTime); got != want {
			t.Errorf("appendCSVTime(%v) = %q, want %q", tm, got, want)
		}
	}
	for i := range 1000 {
		tm := time.Unix(int64(i)*987_654_321%4_000_000_000, 0).UTC()
		if got, want := string(appendCSVTime(nil, tm)), tm.Format(csvTime); got != want {
			t.Fatalf("appendCSVTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
