package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/demo"
)

// TestJSONLRoundTrip exports the sample responses as JSON Lines through
// New and parses every line back: each answer, the metadata, and no text
// with RedactText.
func TestJSONLRoundTrip(t *testing.T) {
	c := reference(t)
	for _, redact := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := New(&buf, c, FormatJSONL, Options{RedactText: redact})
		if err != nil {
			t.Fatal(err)
		}
		rs := sample()
		for _, r := range rs {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(&buf)
		i := 0
		for ; sc.Scan(); i++ {
			var line struct {
				Consultation string         `json:"consultation"`
				Wave         string         `json:"wave"`
				Participant  string         `json:"participant"`
				Language     string         `json:"language"`
				Seconds      *int           `json:"seconds"`
				Answers      map[string]any `json:"answers"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			r := rs[i]
			if line.Consultation != c.Slug || line.Wave != c.Wave || line.Participant != r.Participant || line.Language != r.Language {
				t.Errorf("line %d metadata: %+v", i+1, line)
			}
			if r.IsCompleted() != (line.Seconds != nil) || (line.Seconds != nil && *line.Seconds != int(r.Completed.Sub(r.Started).Seconds())) {
				t.Errorf("line %d seconds: %v for %v → %v", i+1, line.Seconds, r.Started, r.Completed)
			}
			for id, a := range r.Answers {
				q := c.Question(id)
				got, ok := line.Answers[id]
				switch {
				case q == nil || (q.Kind == consultations.KindSingle && len(a.Choices) == 0):
				case q.Kind == consultations.KindText && redact:
					if ok {
						t.Errorf("line %d: redacted text %q present", i+1, got)
					}
				case q.Kind == consultations.KindText:
					if got != a.Text {
						t.Errorf("line %d %s: got %q, want %q", i+1, id, got, a.Text)
					}
				case q.Kind == consultations.KindSingle:
					if got != a.Choices[0] {
						t.Errorf("line %d %s: got %v, want %v", i+1, id, got, a.Choices[0])
					}
				case q.Kind == consultations.KindMultiple:
					list, _ := got.([]any)
					if len(list) != len(a.Choices) {
						t.Errorf("line %d %s: got %v, want %v", i+1, id, got, a.Choices)
					}
				default:
					if n, _ := got.(float64); int(n) != a.Number {
						t.Errorf("line %d %s: got %v, want %d", i+1, id, got, a.Number)
					}
				}
			}
		}
		if i != len(rs) {
			t.Errorf("%d lines, want %d", i, len(rs))
		}
	}
}

// TestCodebookJSON checks the header file beside a JSON Lines export: every
// question and option of the consultation, texts in every language, labels
// in the chosen one, skip conditions, and every key a line can have.
func TestCodebookJSON(t *testing.T) {
	c := reference(t)
	var buf bytes.Buffer
	if err := WriteCodebook(&buf, c, FormatJSONL, Options{Lang: "pt", RedactText: true}); err != nil {
		t.Fatal(err)
	}
	var book struct {
		Consultation  string   `json:"consultation"`
		LabelLanguage string   `json:"label_language"`
		Languages     []string `json:"languages"`
		Fields        []struct {
			Name string `json:"name"`
		} `json:"fields"`
		Questions []struct {
			ID       string            `json:"id"`
			Kind     string            `json:"kind"`
			Label    string            `json:"label"`
			Text     map[string]string `json:"text"`
			Redacted bool              `json:"redacted"`
			When     *struct {
				Question string   `json:"question"`
				Is       []string `json:"is"`
			} `json:"when"`
			Options []struct {
				ID    string            `json:"id"`
				Label string            `json:"label"`
				Text  map[string]string `json:"text"`
			} `json:"options"`
		} `json:"questions"`
	}
	if err := json.Unmarshal(buf.Bytes(), &book); err != nil {
		t.Fatalf("codebook does not parse: %v\n%s", err, buf.String())
	}
	if book.Consultation != demo.Slug || book.LabelLanguage != "pt" || len(book.Languages) < 2 {
		t.Errorf("header: %+v", book)
	}
	fields := map[string]bool{}
	for _, f := range book.Fields {
		fields[f.Name] = true
	}
	for _, k := range []string{"consultation", "wave", "participant", "language", "completed", "started", "completed_at", "seconds", "answers"} {
		if !fields[k] {
			t.Errorf("field %q not described", k)
		}
	}
	if len(book.Questions) != len(c.Questions) {
		t.Fatalf("%d questions, want %d", len(book.Questions), len(c.Questions))
	}
	for i, q := range c.Questions {
		got := book.Questions[i]
		if got.ID != q.ID || got.Kind != string(q.Kind) || got.Label != q.Text.In("pt", c.DefaultLanguage) {
			t.Errorf("question %d: %+v", i, got)
		}
		for l, s := range q.Text {
			if got.Text[l] != s {
				t.Errorf("question %s text %s: got %q, want %q", q.ID, l, got.Text[l], s)
			}
		}
		if (q.When == nil) != (got.When == nil) || (q.When != nil && got.When.Question != q.When.Question) {
			t.Errorf("question %s condition: %+v", q.ID, got.When)
		}
		if got.Redacted != (q.Kind == consultations.KindText) {
			t.Errorf("question %s redacted: %v", q.ID, got.Redacted)
		}
		if len(got.Options) != len(q.Options) {
			t.Errorf("question %s: %d options, want %d", q.ID, len(got.Options), len(q.Options))
			continue
		}
		for k, o := range q.Options {
			if got.Options[k].ID != o.ID || got.Options[k].Label != o.Text.In("pt", c.DefaultLanguage) || got.Options[k].Text["es"] != o.Text["es"] {
				t.Errorf("question %s option %d: %+v", q.ID, k, got.Options[k])
			}
		}
	}
}

func TestFormatNames(t *testing.T) {
	for _, tc := range []struct{ format, file, book string }{
		{FormatCSV, "s.csv", "s-codebook.csv"},
		{FormatXLSX, "s.xlsx", ""},
		{FormatJSONL, "s.jsonl", "s-codebook.json"},
	} {
		if !IsFormat(tc.format) || FileName("s", tc.format) != tc.file || CodebookName("s", tc.format) != tc.book {
			t.Errorf("%s: %q %q", tc.format, FileName("s", tc.format), CodebookName("s", tc.format))
		}
	}
	if IsFormat("pdf") {
		t.Error("pdf is not a format")
	}
	if _, err := New(&bytes.Buffer{}, reference(t), "pdf", Options{}); err == nil || !strings.Contains(err.Error(), "csv, xlsx or jsonl") {
		t.Errorf("New pdf: %v", err)
	}
}
