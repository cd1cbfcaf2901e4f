package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations"
	"github.com/parlabot/parlabot/consultations/demo"
)

func reference(t testing.TB) *consultations.Consultation {
	t.Helper()
	f, err := consultations.ParseFile(demo.Reference)
	if err != nil {
		t.Fatalf("ParseFile(demo.Reference): %v", err)
	}
	return f.Consultation
}

var minus3 = time.FixedZone("", -3*60*60)

// sample holds responses in mixed languages, with emoji, right-to-left
// text, formula-like text, unanswered and unfinished responses.
func sample() []*consultations.Response {
	return []*consultations.Response{
		{
			Consultation: demo.Slug, Participant: "3f2a9c", Language: "pt",
			Started:   time.Date(2026, 12, 3, 10, 15, 0, 0, minus3),
			Completed: time.Date(2026, 12, 3, 10, 16, 30, 0, minus3),
			Answers: map[string]consultations.Answer{
				"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 4}, "recommend": {Number: 0},
				"channels": {Choices: []string{"website", "tv"}}, "region": {Choices: []string{"south"}},
				"comment": {Text: "Mais \"legendas\", por favor 👍🏽\nobrigado"},
			},
		},
		{
			Participant: "77aa", Language: "es",
			Started: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC),
			Answers: map[string]consultations.Answer{"watched": {Choices: []string{"no"}}},
		},
		{
			Participant: "b01d", Language: "en",
			Started:   time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC),
			Completed: time.Date(2026, 12, 5, 8, 2, 0, 0, time.UTC),
			Answers: map[string]consultations.Answer{
				"watched": {Choices: []string{"yes"}}, "satisfaction": {Number: 5}, "recommend": {Number: 10},
				"channels": {Choices: []string{}}, "comment": {Text: "=HYPERLINK(\"http://x\";\"clic\")"},
			},
		},
		{
			Participant: "c4fe", Language: "es",
			Answers: map[string]consultations.Answer{
				"region":  {Choices: []string{"metro"}},
				"comment": {Text: "مرحبا بالعالم — שלום"},
			},
		},
	}
}

// want is what a wide CSV row should hold for r, computed independently of
// the writer from the reference consultation's known columns.
func wantWide(c *consultations.Consultation, r *consultations.Response, redact bool) []string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateTime)
	}
	secs := ""
	if r.IsCompleted() && !r.Started.IsZero() {
		secs = strconv.Itoa(int(r.Completed.Sub(r.Started).Seconds()))
	}
	row := []string{r.Participant, r.Language, ts(r.Started), ts(r.Completed), secs, c.Wave}
	for _, q := range c.Questions {
		a, ok := r.Answers[q.ID]
		switch q.Kind {
		case consultations.KindMultiple:
			for _, o := range q.Options {
				v := ""
				if ok {
					v = "0"
					for _, ch := range a.Choices {
						if ch == o.ID {
							v = "1"
						}
					}
				}
				row = append(row, v)
			}
		case consultations.KindSingle:
			v := ""
			if ok {
				v = a.Choices[0]
			}
			row = append(row, v)
		case consultations.KindSatisfaction, consultations.KindScale:
			v := ""
			if ok {
				v = strconv.Itoa(a.Number)
			}
			row = append(row, v)
		case consultations.KindText:
			if redact {
				continue
			}
			row = append(row, Defuse(a.Text))
		}
	}
	return row
}

func writeCSV(t *testing.T, c *consultations.Consultation, opts Options, rs []*consultations.Response) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewCSV(&buf, c, opts)
	if err != nil {
		t.Fatalf("NewCSV: %v", err)
	}
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write(%s): %v", r.Participant, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

func parseCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v\n%s", err, data)
	}
	return rows
}

func TestCSVWideRoundTrip(t *testing.T) {
	c := reference(t)
	for _, redact := range []bool{false, true} {
		t.Run(fmt.Sprintf("redact=%v", redact), func(t *testing.T) {
			rs := sample()
			data := writeCSV(t, c, Options{RedactText: redact}, rs)
			if !bytes.Contains(data, []byte("\r\n")) {
				t.Errorf("lines do not end in CRLF")
			}
			rows := parseCSV(t, data)
			wantHeader := "participant language started completed seconds wave watched satisfaction recommend channels_website channels_tv channels_social channels_radio region comment"
			if redact {
				wantHeader = strings.TrimSuffix(wantHeader, " comment")
			}
			if got := strings.Join(rows[0], " "); got != wantHeader {
				t.Errorf("header = %q, want %q", got, wantHeader)
			}
			if got, want := len(rows)-1, len(rs); got != want {
				t.Fatalf("got %d rows, want %d", got, want)
			}
			for i, r := range rs {
				if got, want := rows[i+1], wantWide(c, r, redact); !reflect.DeepEqual(got, want) {
					t.Errorf("row %d:\n got %q\nwant %q", i+1, got, want)
				}
			}
			for _, text := range []string{"legendas", "HYPERLINK", "مرحبا"} {
				if got := bytes.Contains(data, []byte(text)); got == redact {
					t.Errorf("export contains %q: %v, want %v", text, got, !redact)
				}
			}
		})
	}
}

func TestDefuse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+5551234", "'+5551234"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"", ""},
		{"a=b", "a=b"},
		{" =x", " =x"},
		{"'quoted", "'quoted"},
		{"👍 =", "👍 ="},
	} {
		if got := Defuse(tc.in); got != tc.want {
			t.Errorf("Defuse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCSVInjection(t *testing.T) {
	c := reference(t)
	for _, tc := range []struct{ name, text, want string }{
		{"formula", `=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`},
		{"plus", "+1+1", "'+1+1"},
		{"minus", "-1+1", "'-1+1"},
		{"at", "@SUM(1+1)", "'@SUM(1+1)"},
		{"tab", "\t=1", "'\t=1"},
		// encoding/csv with UseCRLF drops a carriage return not followed
		// by a newline; the cell still starts with the quote.
		{"carriage return", "\r=1", "'=1"},
		{"harmless", "1+1=2", "1+1=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &consultations.Response{
				Participant: "-p", Language: "es",
				Answers: map[string]consultations.Answer{"comment": {Text: tc.text}, "recommend": {Number: 3}},
			}
			for _, layout := range []string{LayoutWide, LayoutLong} {
				rows := parseCSV(t, writeCSV(t, c, Options{Layout: layout}, []*consultations.Response{r}))
				last := rows[len(rows)-1]
				if got := last[len(last)-1]; got != tc.want {
					t.Errorf("%s: comment = %q, want %q", layout, got, tc.want)
				}
				if got := rows[1][0]; got != "'-p" {
					t.Errorf("%s: participant = %q, want %q", layout, got, "'-p")
				}
			}
		})
	}
}

func TestCSVExcelBOM(t *testing.T) {
	c := reference(t)
	for _, excel := range []bool{false, true} {
		data := writeCSV(t, c, Options{Excel: excel}, sample()[:1])
		if got := bytes.HasPrefix(data, []byte("\xef\xbb\xbfparticipant,")); got != excel {
			t.Errorf("Excel %v: begins with a BOM: %v", excel, got)
		}
		if !excel && !bytes.HasPrefix(data, []byte("participant,")) {
			t.Errorf("Excel false: begins with %q", data[:12])
		}
		var cb bytes.Buffer
		if err := WriteCodebookCSV(&cb, c, Options{Excel: excel}); err != nil {
			t.Fatal(err)
		}
		if got := bytes.HasPrefix(cb.Bytes(), []byte(bom)); got != excel {
			t.Errorf("Excel %v: codebook begins with a BOM: %v", excel, got)
		}
	}
}

func TestCSVLong(t *testing.T) {
	c := reference(t)
	rs := sample()
	for _, tc := range []struct {
		name   string
		redact bool
		want   []string
	}{
		{name: "with text", want: []string{
			"participant,language,wave,question,option,value",
			"3f2a9c,pt,follow-up-2026,watched,yes,",
			"3f2a9c,pt,follow-up-2026,satisfaction,,4",
			"3f2a9c,pt,follow-up-2026,recommend,,0",
			"3f2a9c,pt,follow-up-2026,channels,website,",
			"3f2a9c,pt,follow-up-2026,channels,tv,",
			"3f2a9c,pt,follow-up-2026,region,south,",
			"3f2a9c,pt,follow-up-2026,comment,,Mais \"legendas\", por favor 👍🏽\nobrigado",
			"77aa,es,follow-up-2026,watched,no,",
			"b01d,en,follow-up-2026,watched,yes,",
			"b01d,en,follow-up-2026,satisfaction,,5",
			"b01d,en,follow-up-2026,recommend,,10",
			"b01d,en,follow-up-2026,comment,,'=HYPERLINK(\"http://x\";\"clic\")",
			"c4fe,es,follow-up-2026,region,metro,",
			"c4fe,es,follow-up-2026,comment,,مرحبا بالعالم — שלום",
		}},
		{name: "redacted", redact: true, want: []string{
			"participant,language,wave,question,option,value",
			"3f2a9c,pt,follow-up-2026,watched,yes,",
			"3f2a9c,pt,follow-up-2026,satisfaction,,4",
			"3f2a9c,pt,follow-up-2026,recommend,,0",
			"3f2a9c,pt,follow-up-2026,channels,website,",
			"3f2a9c,pt,follow-up-2026,channels,tv,",
			"3f2a9c,pt,follow-up-2026,region,south,",
			"77aa,es,follow-up-2026,watched,no,",
			"b01d,en,follow-up-2026,watched,yes,",
			"b01d,en,follow-up-2026,satisfaction,,5",
			"b01d,en,follow-up-2026,recommend,,10",
			"c4fe,es,follow-up-2026,region,metro,",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := parseCSV(t, writeCSV(t, c, Options{Layout: LayoutLong, RedactText: tc.redact}, rs))
			var got []string
			for _, row := range rows {
				got = append(got, strings.Join(row, ","))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("rows:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCodebookCSV(t *testing.T) {
	c := reference(t)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"wide es", Options{}},
		{"wide pt redacted", Options{Lang: "pt", RedactText: true}},
		{"long en", Options{Layout: LayoutLong, Lang: "en"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCodebookCSV(&buf, c, tc.opts); err != nil {
				t.Fatal(err)
			}
			rows := parseCSV(t, buf.Bytes())
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			for _, h := range []string{"question", "kind", "option", "label", "text_es", "text_pt", "text_en", "when", "optional", "demographic"} {
				if _, ok := col[h]; !ok {
					t.Errorf("no column %q in %q", h, rows[0])
				}
			}
			_, hasColumns := col["columns"]
			if wide := tc.opts.Layout != LayoutLong; hasColumns != wide {
				t.Errorf("columns column present: %v, want %v", hasColumns, wide)
			}
			lang := tc.opts.Lang
			if lang == "" {
				lang = c.DefaultLanguage
			}
			found := map[string][]string{}
			for _, row := range rows[1:] {
				found[row[col["question"]]+"/"+row[col["option"]]] = row
			}
			var mapped []string
			for _, q := range c.Questions {
				row, ok := found[q.ID+"/"]
				if !ok {
					t.Errorf("question %s missing", q.ID)
					continue
				}
				if got, want := row[col["kind"]], string(q.Kind); got != want {
					t.Errorf("%s kind = %q, want %q", q.ID, got, want)
				}
				if got, want := row[col["label"]], q.Text[lang]; got != want {
					t.Errorf("%s label = %q, want %q", q.ID, got, want)
				}
				for _, l := range []string{"es", "pt", "en"} {
					if got, want := row[col["text_"+l]], q.Text[l]; got != want {
						t.Errorf("%s text_%s = %q, want %q", q.ID, l, got, want)
					}
				}
				if hasColumns && row[col["columns"]] != "" {
					mapped = append(mapped, strings.Fields(row[col["columns"]])...)
				}
				for _, o := range q.Options {
					orow, ok := found[q.ID+"/"+o.ID]
					if !ok {
						t.Errorf("option %s/%s missing", q.ID, o.ID)
						continue
					}
					if got, want := orow[col["label"]], o.Text[lang]; got != want {
						t.Errorf("%s/%s label = %q, want %q", q.ID, o.ID, got, want)
					}
				}
			}
			if got := found["satisfaction/"][col["when"]]; got != "watched = yes" {
				t.Errorf("satisfaction when = %q, want %q", got, "watched = yes")
			}
			if got := found["region/"][col["demographic"]]; got != "1" {
				t.Errorf("region demographic = %q, want 1", got)
			}
			if got := found["comment/"][col["optional"]]; got != "1" {
				t.Errorf("comment optional = %q, want 1", got)
			}
			if hasColumns {
				header := parseCSV(t, writeCSV(t, c, tc.opts, nil))[0]
				if got, want := mapped, header[6:]; !reflect.DeepEqual(got, want) {
					t.Errorf("codebook columns = %q, want the export's %q", got, want)
				}
			}
		})
	}
}

func TestRefused(t *testing.T) {
	c := reference(t)
	if _, err := NewCSV(io.Discard, c, Options{Layout: "diagonal"}); consultations.ErrorCode(err) != consultations.EINVALID {
		t.Errorf("NewCSV with layout diagonal: %v, want an %s error", err, consultations.EINVALID)
	}
	for name, open := range map[string]func(io.Writer, *consultations.Consultation, Options) (Writer, error){"csv": NewCSV, "xlsx": NewXLSX} {
		w, err := open(io.Discard, c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = w.Write(&consultations.Response{Consultation: "other", Participant: "x"})
		if consultations.ErrorCode(err) != consultations.EINVALID {
			t.Errorf("%s: response to another consultation: %v, want an %s error", name, err, consultations.EINVALID)
		}
		if err := w.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
	}
}
