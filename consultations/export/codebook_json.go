package export

import (
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/parlabot/parlabot/consultations"
)

// jsonCodebook is the header file beside a JSON Lines export: what each
// line's keys mean, and each question with its kind, texts, options and
// skip condition. Codes (ids) are stable; labels are in one language,
// texts in every language the consultation has.
type jsonCodebook struct {
	Schema          int               `json:"schema"`
	Consultation    string            `json:"consultation"`
	Wave            string            `json:"wave,omitempty"`
	Title           map[string]string `json:"title"`
	Commitment      jsonCommitment    `json:"commitment"`
	DefaultLanguage string            `json:"default_language"`
	LabelLanguage   string            `json:"label_language"`
	Languages       []string          `json:"languages"`
	// Anonymised is when the responses were unlinked from the citizens who
	// gave them, at the end of the retention period (absent: not done).
	Anonymised string         `json:"anonymised,omitempty"`
	Fields     []jsonField    `json:"fields"`
	Questions  []jsonQuestion `json:"questions"`
}

type jsonCommitment struct {
	ID         string            `json:"id"`
	Pillar     string            `json:"pillar,omitempty"`
	Parliament string            `json:"parliament,omitempty"`
	Title      map[string]string `json:"title,omitempty"`
}

type jsonField struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

type jsonQuestion struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Label       string            `json:"label"`
	Text        map[string]string `json:"text"`
	Answer      string            `json:"answer"`
	Options     []jsonOption      `json:"options,omitempty"`
	When        *jsonCondition    `json:"when,omitempty"`
	Optional    bool              `json:"optional"`
	Demographic bool              `json:"demographic"`
	Max         int               `json:"max,omitempty"`
	MaxLength   int               `json:"max_length,omitempty"`
	Redacted    bool              `json:"redacted,omitempty"`
}

type jsonOption struct {
	ID    string            `json:"id"`
	Label string            `json:"label"`
	Text  map[string]string `json:"text"`
}

type jsonCondition struct {
	Question string   `json:"question"`
	Is       []string `json:"is"`
	Text     string   `json:"text"`
}

// jsonFields describes the keys of each line of a JSON Lines export.
var jsonFields = []jsonField{
	{"consultation", "string", "the consultation's slug"},
	{"wave", "string", "the wave of measurement; absent when the consultation has none"},
	{"participant", "string", "pseudonym of the citizen: a keyed hash, stable across exports of this database, never a Telegram id or name"},
	{"language", "string", "language the citizen answered in (es, pt, en or fr)"},
	{"completed", "boolean", "whether the citizen reached the end"},
	{"started", "RFC 3339 time, UTC", "when the citizen began"},
	{"completed_at", "RFC 3339 time, UTC", "when the citizen finished; absent while not completed"},
	{"seconds", "integer", "seconds taken from start to finish; absent while not completed"},
	{"answers", "object", "answers keyed by question id; unanswered and skipped questions are absent (see questions[].answer)"},
}

// anonymisedParticipant describes the participant key of an anonymised
// consultation's lines.
const anonymisedParticipant = "a random id standing for one response, linked to no one: the pseudonyms were replaced when the retention period ended (see anonymised); it matches nothing in other exports"

// fieldsOf describes the keys of c's lines.
func fieldsOf(c *consultations.Consultation) []jsonField {
	if c.Anonymised.IsZero() {
		return jsonFields
	}
	fields := slices.Clone(jsonFields)
	for i := range fields {
		if fields[i].Name == "participant" {
			fields[i].Description = anonymisedParticipant
		}
	}
	return fields
}

// answerShape says what a question's value looks like in "answers".
func answerShape(q *consultations.Question) string {
	switch q.Kind {
	case consultations.KindSingle:
		return "option id (string)"
	case consultations.KindMultiple:
		return "list of option ids"
	case consultations.KindSatisfaction:
		return "integer 1 (very dissatisfied) to 5 (very satisfied)"
	case consultations.KindScale:
		return "integer 0 to 10"
	case consultations.KindText:
		return "text as written"
	}
	return ""
}

// WriteCodebookJSON writes c's codebook as one indented JSON document, the
// SLUG-codebook.json an analyst finds beside a JSON Lines export written
// with the same opts.
func WriteCodebookJSON(w io.Writer, c *consultations.Consultation, opts Options) error {
	opts, err := settle(c, opts)
	if err != nil {
		return err
	}
	book := jsonCodebook{
		Schema:       1,
		Consultation: c.Slug,
		Wave:         c.Wave,
		Title:        c.Title,
		Commitment: jsonCommitment{
			ID: c.Commitment.ID, Pillar: string(c.Commitment.Pillar),
			Parliament: c.Commitment.Parliament, Title: c.Commitment.Title,
		},
		DefaultLanguage: c.DefaultLanguage,
		LabelLanguage:   opts.Lang,
		Languages:       languages(c),
		Fields:          fieldsOf(c),
		Questions:       []jsonQuestion{},
	}
	if !c.Anonymised.IsZero() {
		book.Anonymised = c.Anonymised.UTC().Format(time.RFC3339)
	}
	if book.Title == nil {
		book.Title = map[string]string{}
	}
	for i := range c.Questions {
		q := &c.Questions[i]
		jq := jsonQuestion{
			ID: q.ID, Kind: string(q.Kind), Label: q.Text.In(opts.Lang, c.DefaultLanguage),
			Text: q.Text, Answer: answerShape(q),
			Optional: q.Optional, Demographic: q.Demographic,
			Redacted: q.Kind == consultations.KindText && opts.RedactText,
		}
		switch q.Kind {
		case consultations.KindMultiple:
			jq.Max = q.Max
		case consultations.KindText:
			jq.MaxLength = q.MaxLength
			if jq.MaxLength == 0 {
				jq.MaxLength = consultations.DefaultMaxLength
			}
		}
		if q.When != nil {
			jq.When = &jsonCondition{Question: q.When.Question, Is: q.When.Is, Text: condition(q.When)}
		}
		for _, o := range q.Options {
			jq.Options = append(jq.Options, jsonOption{ID: o.ID, Label: o.Text.In(opts.Lang, c.DefaultLanguage), Text: o.Text})
		}
		book.Questions = append(book.Questions, jq)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(book)
}
