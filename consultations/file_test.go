package consultations

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// readTestdata returns a file from testdata.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// reference parses the reference consultation file, failing the test if it
// does not parse.
func reference(t testing.TB) *Consultation {
	t.Helper()
	f, err := ParseFile(readTestdata(t, "livestream-2026.yaml"))
	if err != nil {
		t.Fatalf("ParseFile(livestream-2026.yaml): %v", err)
	}
	return f.Consultation
}

// problems returns the problems of a *ValidationError as strings, failing
// the test for any other error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var v *ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("got error %v (%T), want a *ValidationError", err, err)
	}
	if ErrorCode(err) != EINVALID {
		t.Errorf("ErrorCode: got %q, want %q", ErrorCode(err), EINVALID)
	}
	got := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		got[i] = p.String()
	}
	return got
}

func TestParseFileReference(t *testing.T) {
	f, err := ParseFile(readTestdata(t, "livestream-2026.yaml"))
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	c := f.Consultation
	minus3 := time.FixedZone("", -3*60*60)
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"slug", c.Slug, "livestream-2026"},
		{"default language", c.DefaultLanguage, "es"},
		{"wave", c.Wave, "follow-up-2026"},
		{"status", c.Status, Status("")},
		{"commitment id", c.Commitment.ID, "cl-2026-07"},
		{"pillar", c.Commitment.Pillar, PillarTransparency},
		{"parliament", c.Commitment.Parliament, "Cámara de Diputadas y Diputados de Chile"},
		{"commitment title", c.Commitment.Title.In("pt", "es"), "Transmissão ao vivo de todas as sessões de comissão"},
		{"indicators", c.Commitment.Indicators, []Indicator{
			{ID: "satisfied-viewers", Question: "satisfaction", Measure: MeasureTop2Box, Baseline: 0.42, Target: 0.60},
			{ID: "viewers", Question: "watched", Measure: MeasureShare, Option: "yes", Baseline: 0.18, Target: 0.30},
		}},
		{"title", c.Title.In("en", "es"), "Rate the livestreaming of Congress sessions"},
		{"title in fr falls back", c.Title.In("fr", c.DefaultLanguage), "Evalúe la transmisión de las sesiones del Congreso"},
		{"intro languages", len(c.Intro), 3},
		{"opens", c.Opens.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, minus3)), true},
		{"closes", c.Closes.Equal(time.Date(2027, 1, 31, 23, 59, 0, 0, minus3)), true},
		{"closes UTC", c.Closes.UTC(), time.Date(2027, 2, 1, 2, 59, 0, 0, time.UTC)},
		{"questions", len(c.Questions), 6},
		{"watched options", c.Questions[0].Options, []Option{
			{ID: "yes", Text: Text{"es": "Sí", "pt": "Sim", "en": "Yes"}},
			{ID: "no", Text: Text{"es": "No", "pt": "Não", "en": "No"}},
		}},
		{"satisfaction when", *c.Questions[1].When, Condition{Question: "watched", Is: []string{"yes"}}},
		{"satisfaction kind", c.Questions[1].Kind, KindSatisfaction},
		{"recommend kind", c.Questions[2].Kind, KindScale},
		{"channels max", c.Questions[3].Max, 2},
		{"channels options", len(c.Questions[3].Options), 4},
		{"region demographic", c.Questions[4].Demographic, true},
		{"region options", c.Questions[4].Options[2].Text["es"], "Región Metropolitana"},
		{"comment optional", c.Questions[5].Optional, true},
		{"comment max length", c.Questions[5].MaxLength, 1000},
		{"watched not optional", c.Questions[0].Optional, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %#v, want %#v", tc.got, tc.want)
			}
		})
	}
	ids := make([]string, len(c.Questions))
	for i, q := range c.Questions {
		ids[i] = q.ID
	}
	if got, want := strings.Join(ids, " "), "watched satisfaction recommend channels region comment"; got != want {
		t.Errorf("question ids: got %q, want %q", got, want)
	}
	if p := c.Validate(); p != nil {
		t.Errorf("Validate: got %v, want no problems", p)
	}
}

func TestFileLine(t *testing.T) {
	f, err := ParseFile(readTestdata(t, "livestream-2026.yaml"))
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"slug", 4},
		{"commitment", 7},
		{"commitment.indicators[0]", 16},
		{"commitment.indicators[1].option", 24},
		{"title.pt", 29},
		{"opens", 35},
		{"questions", 37},
		{"questions[1].when", 51},
		{"questions[1].when.is[0]", 51},
		{"questions[2].kind", 57},
		{"questions[3].options[1].text.en", 73},
		{"questions[5].max_length", 97},
		{"title.fr", 27},             // absent: the line of title
		{"questions[2].text.fr", 58}, // absent: the line of its text
		{"questions[9].kind", 37},    // absent: the line of questions
		{"nothing", 0},
		{"", 0},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if got := f.Line(tc.path); got != tc.want {
				t.Errorf("Line(%q): got %d, want %d", tc.path, got, tc.want)
			}
		})
	}
}

func TestParseFileBad(t *testing.T) {
	_, err := ParseFile(readTestdata(t, "bad.yaml"))
	got := problems(t, err)
	want := []string{
		`title.es: missing text in the default language es; add title.es`,
		`slug (line 2): slug "live stream 2026" may only have letters, digits, - and _ (at most 64): it is used in t.me links to the consultation`,
		`titel (line 4): unknown field "titel"; did you mean title?`,
		`commitment.pillar (line 8): unknown pillar "openness"; use transparency, accountability, participation or ethics`,
		`commitment.title.es (line 9): missing text in the default language es; add commitment.title.es`,
		`commitment.indicators[0].measure (line 14): unknown measure "average"; use top2box, share, mean or nps`,
		`commitment.indicators[0].target (line 16): expected a number such as 0.42, found "lots"`,
		`commitment.indicators[1].id (line 17): indicator id "viewers" is already used by commitment.indicators[0]; give each indicator its own id`,
		`commitment.indicators[1].measure (line 19): nps needs a scale question, and "satisfaction" is a satisfaction question; use a 0-10 scale question`,
		`closes (line 23): closes (2027-01-31 23:59 -03:00) must be after opens (2027-02-01 09:00 -03:00); check both dates`,
		`questions[0].text.de (line 27): unknown language "de"; use es, pt, en or fr`,
		`questions[0].options[1].id (line 31): option id "yes" is already used by questions[0].options[0]; give each option of a question its own id`,
		`questions[1].when.is[1] (line 35): no option "maybe" in question "watched"; use yes`,
		`questions[1].max (line 36): max is only for multiple questions; remove it`,
		`questions[2].optional (line 39): expected true or false, found "yes"`,
		`questions[2].kind (line 40): unknown kind "slider"; use single, multiple, satisfaction, scale or text`,
		`questions[3].max (line 44): max must be between 1 and the number of options (2); remove it to allow every option`,
		`questions[3].when.question (line 45): question "later" comes later (questions[4]); a question may only depend on questions asked before it`,
		`questions[3].options[0].id (line 48): option id "web site" may only have letters, digits, - and _ (at most 32): it goes into Telegram button data`,
		`questions[3].options[1].text.es (line 49): missing text in the default language es; add questions[3].options[1].text.es`,
		`questions[4].max_length (line 52): max_length must be between 1 and 4000 characters; remove it to accept up to 1000`,
		`questions[4].text.es (line 53): missing text in the default language es; add questions[4].text.es`,
		`questions[5].id (line 54): question id "watched" is already used by questions[0]; give each question its own id`,
		`questions[5].options (line 56): a scale question has no options; remove them, or make it single or multiple`,
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d", len(got), len(want))
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("problem %d:\n got %s\nwant %s", i, g, w)
		}
	}
	if !strings.Contains(err.Error(), "\nquestions[2].kind (line 40): unknown kind \"slider\"") {
		t.Errorf("Error() does not list the slider kind on its own line:\n%s", err)
	}
}

// minimal is a valid consultation file that the cases of TestParseFileProblems
// extend; its last question's fields end the file, so lines appended with
// four spaces belong to that question.
const minimal = `slug: s
default_language: es
commitment:
  id: c1
  pillar: ethics
  title: {es: Compromiso}
title: {es: Consulta}
questions:
  - id: q1
    kind: single
    text: {es: "¿Sí o no?"}
    options:
      - {id: "yes", text: {es: Sí}}
      - {id: "no", text: {es: "No"}}
  - id: q2
    kind: text
    text: {es: "¿Algo más?"}
`

func TestParseFileMinimal(t *testing.T) {
	f, err := ParseFile([]byte(minimal))
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	if got, want := f.Consultation.Questions[1].MaxLength, DefaultMaxLength; got != want {
		t.Errorf("text MaxLength when absent: got %d, want %d", got, want)
	}
	if got := f.Consultation.Questions[0].MaxLength; got != 0 {
		t.Errorf("single MaxLength: got %d, want 0", got)
	}
}

func TestParseFileProblems(t *testing.T) {
	ref := string(readTestdata(t, "livestream-2026.yaml"))
	// refWith is the reference file with its first old replaced by new.
	refWith := func(old, new string) string {
		t.Helper()
		if !strings.Contains(ref, old) {
			t.Fatalf("%q is not in the reference file", old)
		}
		return strings.Replace(ref, old, new, 1)
	}
	for _, tc := range []struct {
		name string
		file string
		want string // one of the problems, as Problem.String gives it
	}{
		{"syntax: mapping value", "slug: a: b\n", `line 1: not valid YAML: mapping values are not allowed in this context; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: tab", minimal + "\tmax: 2\n", `line 18: not valid YAML: found character that cannot start any token; indent with spaces, not tabs`},
		{"syntax: bad indentation", minimal + "   max: 2\n", `line 18: not valid YAML: did not find expected '-' indicator; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: unclosed flow", minimal + "    when: {question: q1, is: yes\n", `line 18: not valid YAML: did not find expected ',' or '}'; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: text indentation", "title:\n  es: a\n pt: b\n", `line 3: not valid YAML: did not find expected key; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: option out of line", refWith("      - id: tv\n", "     - id: tv\n"), `line 72: not valid YAML: did not find expected key; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: field out of line", refWith("    max: 2\n", "   max: 2\n"), `line 64: not valid YAML: did not find expected '-' indicator; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: colon in a text", refWith("en: Radio}", "en: Radio: FM}"), `line 77: not valid YAML: did not find expected ',' or '}'; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: text indented too far", refWith("      pt: Em que", "       pt: Em que"), `line 83: not valid YAML: mapping values are not allowed in this context; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"syntax: unclosed quote", refWith(`en: What would you improve`, `en: "What would you improve`), `line 101: not valid YAML: found unexpected end of stream; check the indentation, and put texts that contain ": " or start with a symbol in quotes`},
		{"latin-1", refWith("es: Sur,", "es: Sur\xe9,"), "line 93: the file is not UTF-8 text; save it again choosing the UTF-8 encoding"},
		{"control character", refWith("es: Norte", "es: No\x08rte"), "line 87: the file has an invisible control character (U+0008); delete it"},
		{"empty file", "", "the file is empty; start from the example consultation file"},
		{"only comments", "# nothing yet\n", "the file is empty; start from the example consultation file"},
		{"two documents", minimal + "---\nslug: t\n", "line 19: a file holds one consultation; remove the second document, from the --- line before this one"},
		{"not a mapping", "- slug\n", "line 1: expected fields (slug, default_language, wave, commitment, title, intro, opens, closes, questions), found a list"},
		{"unknown field suggested", minimal + "titel: {es: x}\n", `titel (line 18): unknown field "titel"; did you mean title?`},
		{"unknown field suggested in question", minimal + "    kinds: text\n", `questions[1].kinds (line 18): unknown field "kinds"; did you mean kind?`},
		{"unknown field listed", minimal + "colour: red\n", `colour (line 18): unknown field "colour"; the fields here are slug, default_language, wave, commitment, title, intro, opens, closes, questions`},
		{"repeated field", minimal + "slug: t\n", "slug (line 18): slug is given twice (first on line 1); keep one"},
		{"repeated language", "title: {es: a, es: b}\n" + minimal, "title.es (line 1): the es text is given twice (first on line 1); keep one"},
		{"string for number", minimal + "    max_length: long\n", `questions[1].max_length (line 18): expected a whole number, found "long"`},
		{"float for integer", minimal + "    max_length: 2.5\n", `questions[1].max_length (line 18): expected a whole number, found "2.5"`},
		{"quoted number", "commitment:\n  indicators:\n    - {baseline: \"0.4\"}\n", `commitment.indicators[0].baseline (line 3): expected a number such as 0.42, found "0.4"`},
		{"list for string", minimal + "wave: [a, b]\n", "wave (line 18): expected a single value, found a list"},
		{"string for text", minimal + "intro: hello\n", `intro (line 18): expected texts by language, e.g. {es: ..., pt: ...}, found "hello"`},
		{"string for list", minimal + "    options: yes\n", `questions[1].options (line 18): expected a list (lines starting with -), found "yes"`},
		{"string for mapping", minimal + "    when: q1\n", `questions[1].when (line 18): expected fields (question, is), found "q1"`},
		{"yes for bool", minimal + "    optional: yes\n", `questions[1].optional (line 18): expected true or false, found "yes"`},
		{"date without time", minimal + "opens: 2026-12-01\n", `opens (line 18): expected a date and time with its UTC offset, such as 2026-12-01T09:00:00-03:00, found "2026-12-01"`},
		{"time without offset", minimal + "closes: 2026-12-01T09:00:00\n", `closes (line 18): expected a date and time with its UTC offset, such as 2026-12-01T09:00:00-03:00, found "2026-12-01T09:00:00"`},
		{"unknown alias", "title: {es: a}\nintro: *t\n", "line 2: not valid YAML: unknown anchor 't' referenced; check the indentation, and put texts that contain \": \" or start with a symbol in quotes"},
		{"alias", "title: &t {es: a}\nintro: *t\n", "intro (line 2): aliases (*t) are not supported; write the value out in full"},
		{"max on text", minimal + "    max: 0\n", "questions[1].max (line 18): max is only for multiple questions; remove it"},
		{"max_length zero", minimal + "    max_length: 0\n", "questions[1].max_length (line 18): max_length must be between 1 and 4000 characters; remove it to accept up to 1000"},
		{"max_length on single", strings.Replace(minimal, "    kind: single\n", "    kind: single\n    max_length: 0\n", 1), "questions[0].max_length (line 11): max_length is only for text questions; remove it"},
		{"validation with line", minimal + "    when: {question: q2, is: x}\n", "questions[1].when.question (line 18): a question cannot depend on its own answer; name an earlier question"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFile([]byte(tc.file))
			if f != nil {
				t.Errorf("got a file, want none")
			}
			got := problems(t, err)
			for _, g := range got {
				if g == tc.want {
					return
				}
			}
			t.Errorf("got problems\n  %s\nwant among them\n  %s", strings.Join(got, "\n  "), tc.want)
		})
	}
}

func TestParseFileAccepts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string
		check func(c *Consultation) bool
	}{
		{"is as a list", minimal + "    when: {question: q1, is: [\"yes\", \"no\"]}\n", func(c *Consultation) bool {
			return reflect.DeepEqual(c.Questions[1].When.Is, []string{"yes", "no"})
		}},
		{"unquoted yes and no stay strings", strings.ReplaceAll(minimal, `"yes"`, "yes") + "    when: {question: q1, is: yes}\n", func(c *Consultation) bool {
			return c.Questions[0].Options[0].ID == "yes" && c.Questions[1].When.Is[0] == "yes"
		}},
		{"numeric id stays as written", strings.Replace(minimal, "id: q1", "id: 007", 1), func(c *Consultation) bool {
			return c.Questions[0].ID == "007"
		}},
		{"null when", minimal + "    when:\n", func(c *Consultation) bool { return c.Questions[1].When == nil }},
		{"explicit max_length", minimal + "    max_length: 4000\n", func(c *Consultation) bool { return c.Questions[1].MaxLength == 4000 }},
		{"whole numbers for baseline and target", strings.Replace(minimal, "  title: {es: Compromiso}\n", "  title: {es: Compromiso}\n  indicators: [{id: a, question: q1, measure: share, option: \"yes\", baseline: 0, target: 1}]\n", 1), func(c *Consultation) bool {
			in := c.Commitment.Indicators
			return len(in) == 1 && in[0].Baseline == 0 && in[0].Target == 1
		}},
		{"dates in UTC", minimal + "opens: 2026-12-01T12:00:00Z\ncloses: 2026-12-02T12:00:00.5Z\n", func(c *Consultation) bool {
			return c.Opens.Equal(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)) && c.Closes.Nanosecond() == 5e8
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFile([]byte(tc.file))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			if !tc.check(f.Consultation) {
				t.Errorf("got %+v", f.Consultation)
			}
		})
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add(readTestdata(f, "livestream-2026.yaml"))
	f.Add(readTestdata(f, "bad.yaml"))
	f.Add([]byte(minimal))
	f.Add([]byte("title: &t {es: a}\nintro: *t\n"))
	f.Add([]byte("a: 1\n---\nb: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile(data)
		if err != nil {
			var v *ValidationError
			if !errors.As(err, &v) || len(v.Problems) == 0 {
				t.Fatalf("got error %v (%T), want a *ValidationError with problems", err, err)
			}
			if file != nil {
				t.Fatalf("got a file with an error")
			}
			return
		}
		if p := file.Consultation.Validate(); p != nil {
			t.Fatalf("parsed file does not validate: %v", p)
		}
	})
}
