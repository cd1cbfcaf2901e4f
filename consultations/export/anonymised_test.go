package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The codebook of a consultation whose responses were unlinked from their
// citizens says so, and what the participant key is then.
func TestCodebookJSONSaysAnonymised(t *testing.T) {
	c := reference(t)
	read := func() (anonymised, participant string) {
		t.Helper()
		var buf bytes.Buffer
		if err := WriteCodebook(&buf, c, FormatJSONL, Options{}); err != nil {
			t.Fatal(err)
		}
		var book struct {
			Anonymised string `json:"anonymised"`
			Fields     []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			} `json:"fields"`
		}
		if err := json.Unmarshal(buf.Bytes(), &book); err != nil {
			t.Fatal(err)
		}
		for _, f := range book.Fields {
			if f.Name == "participant" {
				participant = f.Description
			}
		}
		return book.Anonymised, participant
	}
	if a, p := read(); a != "" || !strings.HasPrefix(p, "pseudonym of the citizen") {
		t.Errorf("before: anonymised %q, participant %q; want none and a pseudonym", a, p)
	}
	c.Anonymised = time.Date(2028, 2, 15, 12, 0, 0, 0, time.UTC)
	if a, p := read(); a != "2028-02-15T12:00:00Z" || !strings.HasPrefix(p, "a random id standing for one response") {
		t.Errorf("after: anonymised %q, participant %q; want the date and a random id", a, p)
	}
	c.Anonymised = time.Time{}
	if _, p := read(); !strings.HasPrefix(p, "pseudonym of the citizen") {
		t.Errorf("another consultation's codebook says %q: the description leaked", p)
	}
}
