package export

import (
	"bytes"
	"encoding/csv"
	"testing"
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
