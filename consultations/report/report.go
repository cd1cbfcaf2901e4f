// Package report writes a consultation's report (see consultations.Report)
// for people and programs: plain text for a terminal, Markdown for a
// document, and JSON in a stable form. Texts are in the reader's language
// through a Translator, numbers are written the way that language writes
// them, and a suppressed breakdown value is never printed, only "<5".
//
// The package imports no translation code: the i18n bundle satisfies
// Translator, and tests may pass their own.
package report

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/parlabot/parlabot/consultations"
)

// Translator gives the report's own texts in a language: i18n.Bundle is one.
type Translator interface {
	// T returns message id in lang, filled with data.
	T(lang, id string, data map[string]any) string
	// N returns the plural form of message id for count in lang.
	N(lang, id string, count int, data map[string]any) string
	// Number writes a count the way lang writes numbers ("1.234").
	Number(lang string, n int) string
}

// Text writes r as plain text for a terminal, in lang.
func Text(w io.Writer, r *consultations.Report, lang string, tr Translator) error {
	d := newWriter(r, lang, tr).document()
	return d.writeText(w)
}

// Markdown writes r as a Markdown document with headings and tables, in lang.
func Markdown(w io.Writer, r *consultations.Report, lang string, tr Translator) error {
	d := newWriter(r, lang, tr).document()
	return d.writeMarkdown(w)
}

// JSON writes r in its stable JSON form (see consultations.ReportSchema),
// indented, with texts in every language the consultation has.
func JSON(w io.Writer, r *consultations.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// writer lays a report out in one language.
type writer struct {
	r    *consultations.Report
	lang string
	tr   Translator
	d    document
	// questions by id, for texts and option labels in breakdown cells.
	questions map[string]*consultations.QuestionStats
}

func newWriter(r *consultations.Report, lang string, tr Translator) *writer {
	w := &writer{r: r, lang: lang, tr: tr, questions: map[string]*consultations.QuestionStats{}}
	for i := range r.Questions {
		w.questions[r.Questions[i].ID] = &r.Questions[i]
	}
	return w
}

func (w *writer) t(id string, data map[string]any) string { return w.tr.T(w.lang, id, data) }

func (w *writer) num(n int) string { return w.tr.Number(w.lang, n) }

// text is a multilingual text in the reader's language, falling back to
// the consultation's default language.
func (w *writer) text(t consultations.Text) string { return t.In(w.lang, w.r.DefaultLanguage) }

func (w *writer) document() *document {
	r := w.r
	w.d.add(heading{1, w.t("report_title", map[string]any{"Title": w.text(r.Title)})})
	w.d.add(fields{
		{w.t("report_consultation", nil), r.Consultation},
		{w.t("report_wave", nil), r.Wave},
		{w.t("report_commitment", nil), r.Commitment.ID + ": " + w.text(r.Commitment.Title)},
		{w.t("report_generated", nil), r.Generated.Format("2006-01-02 15:04 -07:00")},
	})
	w.indicators()
	w.participation()
	w.questionSections()
	w.breakdowns()
	return &w.d
}

// questionText is the text of the question with the id, or the id.
func (w *writer) questionText(id string) string {
	if q := w.questions[id]; q != nil {
		if s := w.text(q.Text); s != "" {
			return s
		}
	}
	return id
}

// optionText is the text of an option of question q, or its id.
func (w *writer) optionText(q, option string) string {
	if qs := w.questions[q]; qs != nil && qs.Summary != nil {
		for _, s := range qs.Distribution {
			if s.Option == option {
				if t := w.text(s.Text); t != "" {
					return t
				}
			}
		}
	}
	return option
}

// count writes a number of people.
func (w *writer) count(n int) string { return w.num(n) }

func (w *writer) pct(share float64) string { return Percent(w.lang, share) }

// interval writes "value (95% CI: low – high)" with f formatting each number.
func (w *writer) interval(e *consultations.Estimate, f func(float64) string) string {
	if e == nil {
		return missing
	}
	return w.t("report_interval", map[string]any{"Value": f(e.Value), "Low": f(e.Low), "High": f(e.High)})
}

func itoa(n int) string { return strconv.Itoa(n) }
